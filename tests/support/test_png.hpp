// Reading back the PNG figures the project writes (tests only).
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>

namespace avlens::testing {

struct Png {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  std::array<uint8_t, 3> at(int x, int y) const {
    const uint8_t* p = &rgb.at((static_cast<size_t>(y) * width + x) * 3);
    return {p[0], p[1], p[2]};
  }
};

inline Png read_png(const std::string& path) {
  int w = 0, h = 0, channels = 0;
  uint8_t* data = stbi_load(path.c_str(), &w, &h, &channels, 3);
  if (!data) throw std::runtime_error("cannot read PNG " + path);
  Png png{w, h, std::vector<uint8_t>(data, data + static_cast<size_t>(w) * h * 3)};
  stbi_image_free(data);
  return png;
}

}  // namespace avlens::testing
