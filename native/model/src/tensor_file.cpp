#include "avlens/model/tensor_file.hpp"

#include <nlohmann/json.hpp>

#include "avlens/error.hpp"

namespace avlens::model {
namespace {
const std::vector<std::pair<torch::ScalarType, const char*>>& dtype_names() {
  static const std::vector<std::pair<torch::ScalarType, const char*>> names = {
      {torch::kFloat32, "F32"}, {torch::kFloat64, "F64"}, {torch::kFloat16, "F16"}, {torch::kBFloat16, "BF16"},
      {torch::kInt64, "I64"},   {torch::kInt32, "I32"},   {torch::kInt16, "I16"},   {torch::kInt8, "I8"},
      {torch::kUInt8, "U8"},    {torch::kBool, "BOOL"}};
  return names;
}

torch::ScalarType scalar_type(const std::string& dtype, const std::string& where) {
  for (const auto& [type, name] : dtype_names())
    if (dtype == name) return type;
  throw Error(ErrorCode::kInvalidArgument, where + " has dtype " + dtype + ", which avlens does not load");
}

std::vector<int64_t> sizes_of(const safetensors::TensorEntry& e) {
  return std::vector<int64_t>(e.shape.begin(), e.shape.end());
}
}  // namespace

std::string safetensors_dtype(torch::ScalarType type) {
  for (const auto& [t, name] : dtype_names())
    if (t == type) return name;
  throw Error(ErrorCode::kInvalidArgument, std::string("no safetensors dtype for ") + c10::toString(type));
}

void add_tensor(safetensors::Writer& w, const std::string& name, const torch::Tensor& t,
                std::vector<torch::Tensor>& keep) {
  auto c = t.detach().to(torch::kCPU).contiguous();
  keep.push_back(c);
  const auto sizes = c.sizes();
  w.add(name, safetensors_dtype(c.scalar_type()), std::vector<uint64_t>(sizes.begin(), sizes.end()), c.data_ptr(),
        static_cast<uint64_t>(c.numel()) * c.element_size());
}

torch::Tensor read_tensor(safetensors::Reader& r, const std::string& name) {
  const auto& e = r.at(name);
  const std::string where = "'" + r.path() + "': tensor '" + name + "'";
  // Shape dimensions beyond int64 cannot describe bytes that fit in a file: parse_header checked the size.
  auto t = torch::empty(sizes_of(e), torch::TensorOptions().dtype(scalar_type(e.dtype, where)));
  r.read(e, t.data_ptr());
  return t;
}

void read_tensor_into(safetensors::Reader& r, const std::string& name, torch::Tensor& target) {
  const auto& e = r.at(name);
  const std::string where = "'" + r.path() + "': tensor '" + name + "'";
  if (e.dtype != safetensors_dtype(target.scalar_type()))
    throw Error(ErrorCode::kInvalidArgument,
                where + " is " + e.dtype + ", the model wants " + safetensors_dtype(target.scalar_type()));
  if (sizes_of(e) != target.sizes().vec())
    throw Error(ErrorCode::kInvalidArgument, where + " has shape " + nlohmann::json(e.shape).dump() +
                                                 ", the model wants " + nlohmann::json(target.sizes().vec()).dump());
  auto cpu = read_tensor(r, name);
  torch::NoGradGuard no_grad;
  target.copy_(cpu);
}

}  // namespace avlens::model
