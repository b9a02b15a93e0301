// libFuzzer target over the safetensors reader (issue 17 items 11 and 14), which reads every training
// checkpoint (avlens-checkpoint-2: run/last.pt, best_*.pt) and every exported model's weights before
// any tensor reaches LibTorch. Any bytes must give a validated header or a typed avlens::Error, never
// a crash, a hang, unbounded memory or another exception. An accepted file must also hold what the
// reader promises: tensors in byte order covering the data exactly, each one's size its shape times its
// dtype's; reading each tensor from disk gives its bytes; written again, the file reads the same.
// The reader is plain C++ (native/safetensors), so this target builds without LibTorch.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "avlens/error.hpp"
#include "avlens/safetensors.hpp"

namespace fs = std::filesystem;
namespace st = avlens::safetensors;

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path file = fs::temp_directory_path() / ("avlens-checkpoint-fuzz-" + std::to_string(::getpid()));
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  st::Header header;
  try {
    header = st::parse(bytes, "fuzz.safetensors");
  } catch (const avlens::Error&) {
    // Refused: the reader of a file must refuse it too.
    if (std::FILE* f = std::fopen(file.c_str(), "wb")) {
      std::fwrite(data, 1, size, f);
      std::fclose(f);
    }
    try {
      st::Reader r(file.string());
      check(false);
    } catch (const avlens::Error&) {
    }
    return 0;
  }
  uint64_t covered = 0;
  for (const auto& t : header.tensors) {
    check(t.begin == covered && t.end >= t.begin);
    check(t.bytes() == t.elements() * st::dtype_size(t.dtype));
    covered = t.end;
  }
  check(header.data_start + covered == size);

  if (std::FILE* f = std::fopen(file.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  st::Reader r(file.string());  // accepted in memory: accepted on disk
  check(r.header().tensors.size() == header.tensors.size() && r.header().metadata == header.metadata);
  st::Writer w;
  for (const auto& [k, v] : header.metadata) w.set_metadata(k, v);
  std::vector<std::string> held;
  held.reserve(header.tensors.size());
  for (const auto& t : r.header().tensors) {
    held.push_back(r.read(t));
    check(held.back() == bytes.substr(header.data_start + t.begin, t.bytes()));
    w.add(t.name, t.dtype, t.shape, held.back().data(), held.back().size());
  }
  const st::Header again = st::parse(w.to_bytes(), "rewritten");
  check(again.metadata == header.metadata && again.tensors.size() == header.tensors.size());
  for (const auto& t : header.tensors) {
    const st::TensorEntry* u = again.find(t.name);
    check(u && u->dtype == t.dtype && u->shape == t.shape && u->bytes() == t.bytes());
  }
  return 0;
}
