#include <gtest/gtest.h>

#include "avlens/error.hpp"
#include "avlens/geometry.hpp"
#include "avlens/model_metadata.hpp"

using namespace avlens;

namespace {
// Protobuf encoding helpers, to build an ONNX ModelProto by hand.
void varint(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) out.push_back(static_cast<uint8_t>(v | 0x80)), v >>= 7;
  out.push_back(static_cast<uint8_t>(v));
}
void field_bytes(std::vector<uint8_t>& out, int field, const std::vector<uint8_t>& payload) {
  varint(out, (static_cast<uint64_t>(field) << 3) | 2);
  varint(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}
std::vector<uint8_t> str(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> fake_model(const std::map<std::string, std::string>& meta) {
  std::vector<uint8_t> m;
  varint(m, (1 << 3) | 0);  // ir_version = 8
  varint(m, 8);
  field_bytes(m, 2, str("avlens"));  // producer_name
  std::vector<uint8_t> graph;
  field_bytes(graph, 2, str("g"));  // GraphProto.name
  field_bytes(m, 7, graph);
  for (const auto& [k, v] : meta) {
    std::vector<uint8_t> entry;
    field_bytes(entry, 1, str(k));
    field_bytes(entry, 2, str(v));
    field_bytes(m, 14, entry);
  }
  return m;
}
}  // namespace

TEST(ModelMetadata, ReadsGeometryFromTheModel) {
  auto meta = WindowGeometry::preset("tiny").to_metadata();
  meta["variant"] = "attention";
  const auto bytes = fake_model(meta);
  const auto read = read_onnx_metadata(bytes.data(), bytes.size());
  EXPECT_EQ(read.at("variant"), "attention");
  const WindowGeometry g = WindowGeometry::from_metadata(read);
  EXPECT_EQ(g.frames, 8);
  EXPECT_EQ(g.samples(), 16000);
}

TEST(ModelMetadata, RejectsNonModels) {
  const std::string text = "this is not an onnx file at all";
  EXPECT_THROW(read_onnx_metadata(reinterpret_cast<const uint8_t*>(text.data()), text.size()), Error);
  auto bytes = fake_model({{"frames", "8"}});
  bytes.resize(bytes.size() - 3);  // truncated
  EXPECT_THROW(read_onnx_metadata(bytes.data(), bytes.size()), Error);
  EXPECT_THROW(read_onnx_metadata(nullptr, 0), Error);
  try {
    read_onnx_metadata_file("/nonexistent/model.onnx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFileNotFound);
  }
}
