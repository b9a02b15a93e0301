// The safetensors reader and writer (checkpoints and exported weights): each kind of malformed
// header is refused with an error that names the file and the problem; a valid file round-trips
// byte for byte.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "avlens/error.hpp"
#include "avlens/safetensors.hpp"

using namespace avlens;
namespace st = avlens::safetensors;
namespace fs = std::filesystem;

namespace {
// A file made of a header length, header text and data, as given (to build broken ones).
std::string raw_file(const std::string& header, const std::string& data, uint64_t length_field) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((length_field >> (8 * i)) & 0xff);
  return out + header + data;
}
std::string raw_file(const std::string& header, const std::string& data) {
  return raw_file(header, data, header.size());
}

// The message of the error parse() throws, or a failure when it accepts the file.
std::string refusal(const std::string& file) {
  try {
    st::parse(file, "bad.safetensors");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnreadable) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("'bad.safetensors'"), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "accepted: " << file.substr(8);
  return "";
}

const std::string k8Bytes(8, '\x01');

// The file is refused with a message that contains `fragment` (the message is shown when not).
void expect_refused(const std::string& file, const std::string& fragment) {
  const std::string message = refusal(file);
  EXPECT_NE(message.find(fragment), std::string::npos) << "the refusal was: " << message;
}
}  // namespace

TEST(Safetensors, RefusesABadHeaderLength) {
  expect_refused("\x02\0\0", "shorter than the 8-byte header length");
  expect_refused(raw_file("{}", "", 0), "too small");
  expect_refused(raw_file("{}", "", st::kMaxHeaderBytes + 1), "exceeds the limit");
  expect_refused(raw_file("{}", "", ~uint64_t{0}), "exceeds the limit");
  expect_refused(raw_file("{}", "", 3), "runs past the end of the file");
}

TEST(Safetensors, RefusesAHeaderThatIsNotAJsonObject) {
  expect_refused(raw_file("{\"a\": ", ""), "not JSON");
  expect_refused(raw_file("\xff\xfe{}", ""), "not JSON");
  expect_refused(raw_file("[1, 2]", ""), "not a JSON object");
  expect_refused(raw_file(R"({"__metadata__": {"a": 1}})", ""), "'a' is not a string");
  expect_refused(raw_file(R"({"__metadata__": []})", ""), "__metadata__ is not an object");
  expect_refused(raw_file(R"({"t": 1})", ""), "tensor 't' is not an object");
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [2]}})", k8Bytes), "no data_offsets");
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "x": 1}})", k8Bytes),
                 "unknown field 'x'");
}

TEST(Safetensors, RefusesOffsetsOutOfRange) {
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", k8Bytes),
                 "ends at byte 16 of the data, which has 8");
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}})", k8Bytes),
                 "before it begins");
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}})", k8Bytes),
                 "not a non-negative integer");
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", k8Bytes),
                 "trailing bytes");
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", k8Bytes),
                 "bytes 0..4 of the data belong to no tensor");
}

TEST(Safetensors, RefusesOverlappingTensors) {
  const std::string header = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                 "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})";
  expect_refused(raw_file(header, k8Bytes), "tensor 'b' overlaps");
}

TEST(Safetensors, RefusesAShapeThatDoesNotMatchItsBytes) {
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", k8Bytes),
                 "(12 bytes) but data_offsets span 8 bytes");
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}})", k8Bytes),
                 "shape entry that is not a non-negative integer");
}

TEST(Safetensors, RefusesAnUnknownDtype) {
  expect_refused(raw_file(R"({"t": {"dtype": "F31", "shape": [2], "data_offsets": [0, 8]}})", k8Bytes),
                 "unknown dtype 'F31'");
}

TEST(Safetensors, RefusesAShapeWhoseSizeOverflows) {
  // 2^32 * 2^32 elements wraps to 0 in 64 bits; 2^62 F32 elements wrap to 0 bytes.
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}})", ""),
                 "overflows");
  expect_refused(raw_file(R"({"t": {"dtype": "F32", "shape": [4611686018427387904], "data_offsets": [0, 0]}})", ""),
                 "overflows");
  // Past 2^64: JSON gives a float, not a size.
  expect_refused(raw_file(R"({"t": {"dtype": "U8", "shape": [18446744073709551616], "data_offsets": [0, 0]}})", ""),
                 "not a non-negative integer");
}

TEST(Safetensors, AValidFileRoundTripsBytesExactly) {
  const float weights[3] = {1.5f, -2.25f, 3e-8f};
  const int64_t step = 7;
  st::Writer w;
  w.set_metadata("format", "test");
  w.add("w", "F32", {3}, weights, sizeof(weights));
  w.add("step", "I64", {}, &step, sizeof(step));
  w.add("empty", "U8", {0, 4}, nullptr, 0);
  const std::string bytes = w.to_bytes();

  const fs::path path = fs::temp_directory_path() / ("avlens_safetensors_" + std::to_string(::getpid()) + ".safetensors");
  w.write_file(path.string());
  st::Reader r(path.string());
  EXPECT_EQ(r.header().data_start % 8, 0u);
  EXPECT_EQ(r.header().metadata.at("format"), "test");
  ASSERT_EQ(r.header().tensors.size(), 3u);
  const st::TensorEntry& t = r.at("w");
  EXPECT_EQ(t.dtype, "F32");
  EXPECT_EQ(t.shape, std::vector<uint64_t>{3});
  const std::string back = r.read(t);
  EXPECT_EQ(std::memcmp(back.data(), weights, sizeof(weights)), 0);
  int64_t step_back = 0;
  r.read(r.at("step"), &step_back);
  EXPECT_EQ(step_back, 7);
  EXPECT_EQ(r.at("step").elements(), 1u);
  EXPECT_EQ(r.at("empty").bytes(), 0u);
  try {
    r.at("missing");
    FAIL() << "a missing tensor was found";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no tensor 'missing'"), std::string::npos) << e.what();
  }

  // Written again from what was read, the file is the same bytes.
  st::Writer again;
  for (const auto& [k, v] : r.header().metadata) again.set_metadata(k, v);
  std::vector<std::string> held;
  for (const auto& e : {"w", "step", "empty"}) held.push_back(r.read(r.at(e)));
  again.add("w", "F32", {3}, held[0].data(), held[0].size());
  again.add("step", "I64", {}, held[1].data(), held[1].size());
  again.add("empty", "U8", {0, 4}, held[2].data(), held[2].size());
  EXPECT_EQ(again.to_bytes(), bytes);
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), bytes);
  EXPECT_NO_THROW(st::parse(bytes, "memory"));

  // Truncated by one byte: named, not read.
  fs::resize_file(path, bytes.size() - 1);
  try {
    st::Reader truncated(path.string());
    FAIL() << "a truncated file was opened";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  fs::remove(path);
  EXPECT_THROW(st::Reader(path.string()), Error);
}

TEST(Safetensors, WriterRefusesBytesItsShapeDoesNotDescribe) {
  const float x[2] = {0, 0};
  st::Writer w;
  EXPECT_THROW(w.add("x", "F32", {3}, x, sizeof(x)), Error);
  EXPECT_THROW(w.add("x", "Q4", {2}, x, sizeof(x)), Error);
  w.add("x", "F32", {2}, x, sizeof(x));
  EXPECT_THROW(w.add("x", "F32", {2}, x, sizeof(x)), Error);
}
