#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "avlens/avlens.h"
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

// Issue 17 item 7: the bad values a model's metadata may carry, read from an ONNX file as the CLI,
// the C API and the wasm core read them (one validation, WindowGeometry::from_metadata): each is
// refused with invalid_argument and a message that names the key and the value.
TEST(ModelMetadata, BadGeometryInAModelIsRefusedNamingTheKey) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"frames", "8.9", "not an integer"},
      {"frames", "1e10", "not an integer"},
      {"frames", "8abc", "not an integer"},
      {"frames", "99999999999999999999", "outside [2, 512]"},
      {"height", "2147483648", "outside [16, 1024]"},
      {"sample_rate", "48000.5", "not an integer"},
      {"fps", "nan", "not a number"},
      {"fps", "1e400", "not a finite number"},
      {"video_std", "0", "outside"},
  };
  for (const auto& [key, value, why] : cases) {
    auto meta = WindowGeometry::preset("paper").to_metadata();
    meta[key] = value;
    const auto bytes = fake_model(meta);
    try {
      WindowGeometry::from_metadata(read_onnx_metadata(bytes.data(), bytes.size()));
      ADD_FAILURE() << key << "=" << value << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      const std::string message = e.what();
      EXPECT_NE(message.find("'" + key + "' = '" + value + "'"), std::string::npos) << message;
      EXPECT_NE(message.find(why), std::string::npos) << message;
    }
    // The C API (and so every binding of the core) gives the same answer.
    avlens_geometry g{};
    char err[512];
    EXPECT_EQ(avlens_geometry_from_onnx(bytes.data(), bytes.size(), &g, err, sizeof(err)), AVLENS_INVALID_ARGUMENT)
        << key << "=" << value;
    EXPECT_NE(std::string(err).find("'" + key + "' = '" + value + "'"), std::string::npos) << err;
  }
}

// Every field in range, but 512x1024x1024 at 240 fps (1.5 GB a window, 6 GB as floats, before
// the first window): refused by the memory budget before anything is allocated.
TEST(ModelMetadata, GeometryOverTheMemoryBudgetIsRefused) {
  const std::map<std::string, std::string> meta = {{"frames", "512"},        {"height", "1024"},
                                                   {"width", "1024"},        {"fps", "240"},
                                                   {"sample_rate", "48000"}, {"samples", "102400"},
                                                   {"audio_norm", "minmax_window"}};
  const auto bytes = fake_model(meta);
  try {
    WindowGeometry::from_metadata(read_onnx_metadata(bytes.data(), bytes.size()));
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("frames x height x width = 512x1024x1024"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("more than the 64.0 MiB a window may take"), std::string::npos) << e.what();
  }
}
