#include "avlens/media_input.hpp"

#include <algorithm>
#include <cstring>

namespace avlens {

MemoryInput::MemoryInput(std::shared_ptr<const std::vector<uint8_t>> bytes) : bytes_(std::move(bytes)) {}

int64_t MemoryInput::size() const { return static_cast<int64_t>(bytes_->size()); }

int64_t MemoryInput::read_at(int64_t offset, uint8_t* out, size_t count) {
  if (offset < 0 || offset >= size()) return 0;
  const size_t n = std::min(count, bytes_->size() - static_cast<size_t>(offset));
  std::memcpy(out, bytes_->data() + offset, n);
  return static_cast<int64_t>(n);
}

}  // namespace avlens
