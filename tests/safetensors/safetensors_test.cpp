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
}  // namespace

TEST(Safetensors, RefusesABadHeaderLength) {
  EXPECT_NE(refusal("\x02\0\0").find("shorter than the 8-byte header length"), std::string::npos);
  EXPECT_NE(refusal(raw_file("{}", "", 0)).find("too small"), std::string::npos);
  EXPECT_NE(refusal(raw_file("{}", "", st::kMaxHeaderBytes + 1)).find("exceeds the limit"), std::string::npos);
  EXPECT_NE(refusal(raw_file("{}", "", ~uint64_t{0})).find("exceeds the limit"), std::string::npos);
  EXPECT_NE(refusal(raw_file("{}", "", 3)).find("runs past the end of the file"), std::string::npos);
}

TEST(Safetensors, RefusesAHeaderThatIsNotAJsonObject) {
  EXPECT_NE(refusal(raw_file("{\"a\": ", "")).find("not JSON"), std::string::npos);
  EXPECT_NE(refusal(raw_file("\xff\xfe{}", "")).find("not JSON"), std::string::npos);
  EXPECT_NE(refusal(raw_file("[1, 2]", "")).find("not a JSON object"), std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"__metadata__": {"a": 1}})", "")).find("'a' is not a string"), std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"__metadata__": []})", "")).find("__metadata__ is not an object"), std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"t": 1})", "")).find("tensor 't' is not an object"), std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [2]}})", k8Bytes)).find("no data_offsets"),
            std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "x": 1}})", k8Bytes))
                .find("unknown field 'x'"),
            std::string::npos);
}

TEST(Safetensors, RefusesOffsetsOutOfRange) {
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", k8Bytes))
                .find("ends at byte 16 of the data, which has 8"),
            std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}})", k8Bytes))
                .find("before it begins"),
            std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}})", k8Bytes))
                .find("not a non-negative integer"),
            std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", k8Bytes))
                .find("trailing bytes"),
            std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", k8Bytes))
                .find("bytes 0..4 of the data belong to no tensor"),
            std::string::npos);
}

TEST(Safetensors, RefusesOverlappingTensors) {
  const std::string header = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                 "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})";
  EXPECT_NE(refusal(raw_file(header, k8Bytes)).find("tensor 'b' overlaps"), std::string::npos);
}

TEST(Safetensors, RefusesAShapeThatDoesNotMatchItsBytes) {
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", k8Bytes))
                .find("(12 bytes) but data_offsets span 8 bytes"),
            std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}})", k8Bytes))
                .find("shape entry that is not a non-negative integer"),
            std::string::npos);
}

TEST(Safetensors, RefusesAnUnknownDtype) {
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F31", "shape": [2], "data_offsets": [0, 8]}})", k8Bytes))
                .find("unknown dtype 'F31'"),
            std::string::npos);
}

TEST(Safetensors, RefusesAShapeWhoseSizeOverflows) {
  // 2^32 * 2^32 elements wraps to 0 in 64 bits; 2^62 F32 elements wrap to 0 bytes.
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}})", ""))
                .find("overflows"),
            std::string::npos);
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "F32", "shape": [4611686018427387904], "data_offsets": [0, 0]}})", ""))
                .find("overflows"),
            std::string::npos);
  // Past 2^64: JSON gives a float, not a size.
  EXPECT_NE(refusal(raw_file(R"({"t": {"dtype": "U8", "shape": [18446744073709551616], "data_offsets": [0, 0]}})", ""))
                .find("not a non-negative integer"),
            std::string::npos);
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
