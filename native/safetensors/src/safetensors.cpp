#include "avlens/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "avlens/error.hpp"

namespace avlens::safetensors {
namespace {
// The byte order of the length and of tensor data is little-endian; hosts avlens builds for are too.
static_assert(sizeof(uint64_t) == 8, "8-byte header length");

[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw Error(ErrorCode::kUnreadable, "'" + source + "' is not a valid safetensors file: " + what);
}

uint64_t read_le64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void write_le64(uint64_t v, char* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Element count of a shape, or false when it overflows 64 bits.
bool element_count(const std::vector<uint64_t>& shape, uint64_t& count) {
  count = 1;
  for (uint64_t d : shape) {
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() / d) return false;
    count *= d;
  }
  return true;
}

uint64_t header_length(const unsigned char* first8, uint64_t file_size, const std::string& source) {
  if (file_size < 8) bad(source, "shorter than the 8-byte header length (" + std::to_string(file_size) + " bytes)");
  const uint64_t n = read_le64(first8);
  if (n < 2) bad(source, "header length " + std::to_string(n) + " is too small for a JSON object");
  if (n > kMaxHeaderBytes)
    bad(source, "header length " + std::to_string(n) + " exceeds the limit of " + std::to_string(kMaxHeaderBytes));
  if (n > file_size - 8)
    bad(source, "header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(file_size) +
                    " bytes)");
  return n;
}
}  // namespace

size_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2},
      {"F16", 2},  {"BF16", 2}, {"I32", 4}, {"U32", 4},     {"F32", 4},     {"I64", 8}, {"U64", 8},
      {"F64", 8}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

uint64_t TensorEntry::elements() const {
  uint64_t n = 1;
  element_count(shape, n);  // checked when parsed
  return n;
}

const TensorEntry* Header::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

Header parse_header(std::string_view json_text, uint64_t data_bytes, const std::string& source) {
  nlohmann::json j = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) bad(source, "the header is not JSON");
  if (!j.is_object()) bad(source, "the header is not a JSON object");
  Header h;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& v = it.value();
    if (key == "__metadata__") {
      if (!v.is_object()) bad(source, "__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) bad(source, "__metadata__ entry '" + m.key() + "' is not a string");
        h.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + key + "'";
    if (!v.is_object()) bad(source, where + " is not an object");
    for (auto f = v.begin(); f != v.end(); ++f)
      if (f.key() != "dtype" && f.key() != "shape" && f.key() != "data_offsets")
        bad(source, where + " has an unknown field '" + f.key() + "'");
    if (!v.contains("dtype") || !v["dtype"].is_string()) bad(source, where + " has no dtype string");
    if (!v.contains("shape") || !v["shape"].is_array()) bad(source, where + " has no shape array");
    if (!v.contains("data_offsets") || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
      bad(source, where + " has no data_offsets pair");
    TensorEntry t;
    t.name = key;
    t.dtype = v["dtype"].get<std::string>();
    const size_t item = dtype_size(t.dtype);
    if (item == 0) bad(source, where + " has an unknown dtype '" + t.dtype + "'");
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned())
        bad(source, where + " has a shape entry that is not a non-negative integer: " + d.dump());
      t.shape.push_back(d.get<uint64_t>());
    }
    for (const auto& o : v["data_offsets"])
      if (!o.is_number_unsigned())
        bad(source, where + " has a data offset that is not a non-negative integer: " + o.dump());
    t.begin = v["data_offsets"][0].get<uint64_t>();
    t.end = v["data_offsets"][1].get<uint64_t>();
    if (t.end < t.begin)
      bad(source, where + " ends (" + std::to_string(t.end) + ") before it begins (" + std::to_string(t.begin) + ")");
    if (t.end > data_bytes)
      bad(source, where + " ends at byte " + std::to_string(t.end) + " of the data, which has " +
                      std::to_string(data_bytes) + " (truncated file or bad offsets)");
    uint64_t count = 0;
    if (!element_count(t.shape, count) || count > std::numeric_limits<uint64_t>::max() / item)
      bad(source, where + " has a shape " + v["shape"].dump() + " whose size overflows");
    if (count * item != t.bytes())
      bad(source, where + " has shape " + v["shape"].dump() + " of " + t.dtype + " (" + std::to_string(count * item) +
                      " bytes) but data_offsets span " + std::to_string(t.bytes()) + " bytes");
    h.tensors.push_back(std::move(t));
  }
  std::sort(h.tensors.begin(), h.tensors.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered = 0;
  for (const auto& t : h.tensors) {
    if (t.begin < covered) bad(source, "tensor '" + t.name + "' overlaps the tensor before it");
    if (t.begin > covered)
      bad(source, "bytes " + std::to_string(covered) + ".." + std::to_string(t.begin) + " of the data belong to no tensor");
    covered = t.end;
  }
  if (covered != data_bytes)
    bad(source, "the data has " + std::to_string(data_bytes) + " bytes but the tensors cover " +
                    std::to_string(covered) + " (trailing bytes)");
  return h;
}

Header parse(std::string_view file, const std::string& source) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(file.data());
  const uint64_t n = header_length(bytes, file.size(), source);
  Header h = parse_header(file.substr(8, n), file.size() - 8 - n, source);
  h.data_start = 8 + n;
  return h;
}

Reader::Reader(const std::string& path) : path_(path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(ErrorCode::kFileNotFound, "'" + path + "' does not exist or is not a file");
  in_ = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in_) throw Error(ErrorCode::kFileNotFound, "cannot open '" + path + "'");
  in_->seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(in_->tellg());
  in_->seekg(0);
  unsigned char first8[8] = {0};
  in_->read(reinterpret_cast<char*>(first8), 8);
  const uint64_t n = header_length(first8, size, path);
  std::string text(n, '\0');
  in_->read(text.data(), static_cast<std::streamsize>(n));
  if (!*in_) bad(path, "short read of the header");
  header_ = parse_header(text, size - 8 - n, path);
  header_.data_start = 8 + n;
}

Reader::~Reader() = default;

const TensorEntry& Reader::at(const std::string& name) const {
  const TensorEntry* t = header_.find(name);
  if (!t) throw Error(ErrorCode::kInvalidArgument, "'" + path_ + "' has no tensor '" + name + "'");
  return *t;
}

void Reader::read(const TensorEntry& entry, void* out) {
  in_->clear();
  in_->seekg(static_cast<std::streamoff>(header_.data_start + entry.begin));
  in_->read(static_cast<char*>(out), static_cast<std::streamsize>(entry.bytes()));
  if (!*in_) throw Error(ErrorCode::kUnreadable, "'" + path_ + "': short read of tensor '" + entry.name + "'");
}

std::string Reader::read(const TensorEntry& entry) {
  std::string bytes(entry.bytes(), '\0');
  read(entry, bytes.data());
  return bytes;
}

void Writer::add(const std::string& name, const std::string& dtype, const std::vector<uint64_t>& shape,
                 const void* data, uint64_t bytes) {
  const size_t item = dtype_size(dtype);
  if (item == 0) throw Error(ErrorCode::kInvalidArgument, "safetensors: unknown dtype '" + dtype + "' for '" + name + "'");
  uint64_t count = 0;
  if (!element_count(shape, count) || count > std::numeric_limits<uint64_t>::max() / item || count * item != bytes)
    throw Error(ErrorCode::kInvalidArgument, "safetensors: tensor '" + name + "' has " + std::to_string(bytes) +
                                                 " bytes, which its shape and dtype do not describe");
  if (name == "__metadata__") throw Error(ErrorCode::kInvalidArgument, "safetensors: '__metadata__' is not a tensor name");
  for (const auto& t : tensors_)
    if (t.name == name) throw Error(ErrorCode::kInvalidArgument, "safetensors: tensor '" + name + "' added twice");
  tensors_.push_back({name, dtype, shape, data, bytes});
}

std::string Writer::header_text() const {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes}}};
    offset += t.bytes;
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8) text += ' ';  // the data starts 8-byte aligned (spaces are allowed padding)
  return text;
}

void Writer::write(std::ostream& out) const {
  const std::string text = header_text();
  char length[8];
  write_le64(text.size(), length);
  out.write(length, 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const auto& t : tensors_) out.write(static_cast<const char*>(t.data), static_cast<std::streamsize>(t.bytes));
}

std::string Writer::to_bytes() const {
  std::ostringstream out;
  write(out);
  return out.str();
}

void Writer::write_file(const std::string& path) const {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    write(out);
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw Error(ErrorCode::kInternal, "cannot write '" + tmp + "'");
    }
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace avlens::safetensors
