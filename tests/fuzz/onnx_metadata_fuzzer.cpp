// libFuzzer target over the ONNX metadata reader and the geometry it feeds (issue 17 item 14): any
// bytes must give metadata and a validated geometry, or a typed avlens::Error, never a crash, a
// hang, a sanitizer report or another exception. Also drives the C API's reader, which the page's
// and the CLI's model loading share.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "avlens/avlens.h"
#include "avlens/error.hpp"
#include "avlens/geometry.hpp"
#include "avlens/model_metadata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const std::map<std::string, std::string> meta = avlens::read_onnx_metadata(data, size);
    const avlens::WindowGeometry g = avlens::WindowGeometry::from_metadata(meta);
    // A geometry that passed must be one the core can size windows from.
    if (g.frames < 2 || g.height < 16 || g.width < 16 || g.samples() < 1000) __builtin_trap();
  } catch (const avlens::Error&) {
  }
  avlens_geometry geometry;
  char error[256];
  (void)avlens_geometry_from_onnx(data, size, &geometry, error, sizeof error);
  return 0;
}
