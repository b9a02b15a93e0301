#include "avlens/model_metadata.hpp"

#include <fstream>
#include <iterator>
#include <vector>

#include "avlens/error.hpp"

namespace avlens {
namespace {

// Minimal protobuf wire-format reader: varints and length-delimited fields.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  bool done() const { return p_ >= end_; }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) bad("truncated varint");
      const uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    bad("varint too long");
  }
  Reader sub() {
    const uint64_t n = varint();
    if (n > static_cast<uint64_t>(end_ - p_)) bad("field runs past the end");
    Reader r(p_, static_cast<size_t>(n));
    p_ += n;
    return r;
  }
  std::string bytes() {
    Reader r = sub();
    return std::string(reinterpret_cast<const char*>(r.p_), r.end_ - r.p_);
  }
  void skip(uint32_t wire_type) {
    switch (wire_type) {
      case 0: varint(); break;
      case 1: advance(8); break;
      case 2: sub(); break;
      case 5: advance(4); break;
      default: bad("unknown wire type " + std::to_string(wire_type));
    }
  }

  [[noreturn]] static void bad(const std::string& why) {
    throw Error(ErrorCode::kInvalidArgument, "not a valid ONNX model: " + why);
  }

 private:
  void advance(size_t n) {
    if (n > static_cast<size_t>(end_ - p_)) bad("field runs past the end");
    p_ += n;
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace

std::map<std::string, std::string> read_onnx_metadata(const uint8_t* data, size_t size) {
  if (!data || size == 0) Reader::bad("empty file");
  std::map<std::string, std::string> meta;
  Reader model(data, size);
  bool has_graph = false;
  while (!model.done()) {
    const uint64_t key = model.varint();
    const uint32_t field = static_cast<uint32_t>(key >> 3), wire = key & 7;
    if (field == 14 && wire == 2) {  // ModelProto.metadata_props: StringStringEntryProto
      Reader entry = model.sub();
      std::string k, v;
      while (!entry.done()) {
        const uint64_t ek = entry.varint();
        if ((ek >> 3) == 1 && (ek & 7) == 2) k = entry.bytes();
        else if ((ek >> 3) == 2 && (ek & 7) == 2) v = entry.bytes();
        else entry.skip(ek & 7);
      }
      meta[k] = v;
    } else {
      if (field == 7 && wire == 2) has_graph = true;  // ModelProto.graph
      if (field == 0) Reader::bad("field number 0");
      model.skip(wire);
    }
  }
  if (!has_graph) Reader::bad("it has no graph");
  return meta;
}

std::map<std::string, std::string> read_onnx_metadata_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kFileNotFound, path + ": cannot open the model file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return read_onnx_metadata(bytes.data(), bytes.size());
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

}  // namespace avlens
