// One video frame as the core holds it: packed RGB24, or the decoder's own 8-bit planar YUV.
// Keeping the decoded planes and converting only what is used (the face crop to RGB at the
// model's size, the detector's small grey picture straight from the luma plane) avoids converting
// every full frame to RGB, which was about half of the wasm core's time (docs/BENCHMARKS.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace avlens {

enum class PixelLayout { kRgb24, kYuvPlanar };

// A borrowed frame: pointers into someone else's buffer (an AVFrame, the caller's RGB).
struct PictureView {
  PixelLayout layout = PixelLayout::kRgb24;
  int width = 0, height = 0;
  const uint8_t* data[3] = {nullptr, nullptr, nullptr};  // RGB: data[0]; YUV: Y, U, V planes
  int stride[3] = {0, 0, 0};
  // YUV only: chroma planes are (width >> shift_x, rounded up) x (height >> shift_y, rounded up).
  int chroma_shift_x = 0, chroma_shift_y = 0;
  bool full_range = false;  // YUV only: JPEG range (0-255) instead of the video range (16-235)

  static PictureView rgb24(const uint8_t* rgb, int width, int height, int stride);
  int plane_width(int plane) const;
  int plane_height(int plane) const;
  int planes() const { return layout == PixelLayout::kRgb24 ? 1 : 3; }
  int bytes_per_pixel() const { return layout == PixelLayout::kRgb24 ? 3 : 1; }  // in each plane
  size_t plane_row_bytes(int plane) const { return static_cast<size_t>(plane_width(plane)) * bytes_per_pixel(); }
  size_t packed_bytes() const;  // all planes, rows without padding
};

// `shape` (layout, size, chroma subsampling, range) laid out tightly packed in *storage, which is
// resized to fit: planes one after the other, rows without padding. Its data points into *storage.
PictureView packed_layout(PictureView shape, std::vector<uint8_t>* storage);

// An owned, tightly packed copy of a frame, shared (not copied) between the frame-rate converter
// and the tracker.
class Picture {
 public:
  explicit Picture(const PictureView& view);
  const PictureView& view() const { return view_; }
  int width() const { return view_.width; }
  int height() const { return view_.height; }

 private:
  std::vector<uint8_t> bytes_;
  PictureView view_;
};

// The region [x0, x0+cw) x [y0, y0+ch) of the picture (pixels, may extend past the border, where
// the picture is `pad` grey) as out_w x out_h packed RGB24, antialiased (resample_region's filter).
// YUV pictures are resampled plane by plane (chroma at its own resolution) and converted to RGB
// (BT.601, as swscale's default) on the output pixels only.
void crop_to_rgb(const PictureView& picture, double x0, double y0, double cw, double ch, int out_w, int out_h,
                 uint8_t* out, uint8_t pad);

// The same region as out_w x out_h 8-bit grey (full-range luma; black outside the picture), what
// the face detector looks at. YUV pictures use the luma plane alone.
void crop_to_gray(const PictureView& picture, double x0, double y0, double cw, double ch, int out_w, int out_h,
                  uint8_t* out);

// The frame turned clockwise by 90, 180 or 270 degrees (the container's display rotation), its
// planes copied into *storage; chroma subsampling turns with it.
PictureView rotate_picture(const PictureView& picture, int degrees, std::vector<uint8_t>* storage);

}  // namespace avlens
