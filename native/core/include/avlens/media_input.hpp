// A clip's bytes read at offsets, for clips that are not a local file: a memory buffer, or in the
// browser a File read slice by slice (wasm/embind.cpp), so a long clip never has to be held whole.
// The decoder reads every such input through one custom AVIO (native/core/src/media_decoder.cpp);
// local files go through FFmpeg's own file protocol.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace avlens {

class MediaInput {
 public:
  virtual ~MediaInput() = default;
  // The number of bytes, fixed for the input's life.
  virtual int64_t size() const = 0;
  // Copies up to `count` bytes from `offset` (0 <= offset < size()) into `out`; returns how many
  // (at least 1), or -1 when the bytes could not be read, with failure() saying why. Reading is
  // synchronous: the decoder waits for it.
  virtual int64_t read_at(int64_t offset, uint8_t* out, size_t count) = 0;
  // Why the last read failed (empty when none did).
  virtual std::string failure() const = 0;
};

// A whole clip already in memory.
class MemoryInput final : public MediaInput {
 public:
  explicit MemoryInput(std::shared_ptr<const std::vector<uint8_t>> bytes);
  int64_t size() const override;
  int64_t read_at(int64_t offset, uint8_t* out, size_t count) override;
  std::string failure() const override { return {}; }

 private:
  std::shared_ptr<const std::vector<uint8_t>> bytes_;
};

}  // namespace avlens
