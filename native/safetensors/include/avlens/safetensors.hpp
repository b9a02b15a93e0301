// safetensors (https://github.com/huggingface/safetensors, the format's spec): an 8-byte
// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range,
// then the raw little-endian tensor bytes. Reading one runs nothing the file carries, unlike a
// pickle or LibTorch archive. Plain C++ without LibTorch, so the checkpoint reader and the
// exporter share one parser, and the fuzz build (no LibTorch) can fuzz it (docs/RELIABILITY.md §14).
// Every problem is an avlens::Error naming the file and what is wrong with it.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace avlens::safetensors {

// The spec's bound on the header (the reference implementation refuses larger ones).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// Bytes per element of a dtype name ("F32", "I64", "BOOL", ...); 0 when the name is unknown.
size_t dtype_size(const std::string& dtype);

struct TensorEntry {
  std::string name;
  std::string dtype;
  std::vector<uint64_t> shape;  // [] is a scalar (one element)
  uint64_t begin = 0, end = 0;  // byte range in the data section (after the header)
  uint64_t bytes() const { return end - begin; }
  uint64_t elements() const;
};

struct Header {
  std::map<std::string, std::string> metadata;  // "__metadata__": strings only
  std::vector<TensorEntry> tensors;             // in the order of their bytes
  uint64_t data_start = 0;                      // file offset of the data section: 8 + header length
  const TensorEntry* find(const std::string& name) const;  // null when absent
};

// Validates header text for a data section of data_bytes: a JSON object; "__metadata__" a map of
// strings; every other key a tensor with a known dtype, a shape whose element count times the dtype's
// size neither overflows nor differs from its byte range, and a byte range inside the data; the ranges
// do not overlap and cover the data exactly (no hidden bytes). source names the file in errors.
Header parse_header(std::string_view json_text, uint64_t data_bytes, const std::string& source);

// A whole file held in memory (fuzzing, tests).
Header parse(std::string_view file, const std::string& source);

// A file on disk: the header is read and validated when opened, tensors are read on demand.
class Reader {
 public:
  explicit Reader(const std::string& path);
  ~Reader();
  const Header& header() const { return header_; }
  const std::string& path() const { return path_; }
  // The entry called name, or an error naming the file and the tensor.
  const TensorEntry& at(const std::string& name) const;
  // Reads the entry's bytes (entry.bytes() of them) into out.
  void read(const TensorEntry& entry, void* out);
  std::string read(const TensorEntry& entry);

 private:
  std::string path_;
  std::unique_ptr<std::ifstream> in_;
  Header header_;
};

// Builds a file. add() keeps a pointer to data, which must stay valid until the file is written.
class Writer {
 public:
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  void add(const std::string& name, const std::string& dtype, const std::vector<uint64_t>& shape,
           const void* data, uint64_t bytes);
  void write(std::ostream& out) const;
  std::string to_bytes() const;
  // Writes path atomically: a temporary file beside it, renamed over it once complete.
  void write_file(const std::string& path) const;

 private:
  struct Pending {
    std::string name, dtype;
    std::vector<uint64_t> shape;
    const void* data;
    uint64_t bytes;
  };
  std::string header_text() const;
  std::map<std::string, std::string> metadata_;
  std::vector<Pending> tensors_;
};

}  // namespace avlens::safetensors
