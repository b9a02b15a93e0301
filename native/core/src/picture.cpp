#include "picture.hpp"

#include <cstddef>
#include <cstring>
#include <utility>

#include "image_resample.hpp"

namespace avlens {
namespace {

// BT.601 YUV -> RGB (the matrix swscale applies by default, which the core used before it kept
// the planes). Video range: Y in [16, 235], chroma in [16, 240] around 128.
struct YuvToRgb {
  float y_offset, y_gain, rv, gu, gv, bu;
};
constexpr YuvToRgb kVideoRange{16.f, 255.f / 219.f, 1.402f * 255.f / 224.f, -0.344136f * 255.f / 224.f,
                               -0.714136f * 255.f / 224.f, 1.772f * 255.f / 224.f};
constexpr YuvToRgb kFullRange{0.f, 1.f, 1.402f, -0.344136f, -0.714136f, 1.772f};

const YuvToRgb& matrix_of(const PictureView& p) { return p.full_range ? kFullRange : kVideoRange; }

// The luma value that converts to grey `level` (chroma neutral).
float luma_of_grey(const YuvToRgb& m, float level) { return m.y_offset + level / m.y_gain; }

// The region in a plane's own pixels: chroma planes cover the same area at 1/2^shift the resolution.
void resample_plane(const PictureView& p, int plane, double x0, double y0, double cw, double ch, int out_w, int out_h,
                    float* out, float pad) {
  const double sx = plane == 0 ? 1.0 : 1.0 / (1 << p.chroma_shift_x);
  const double sy = plane == 0 ? 1.0 : 1.0 / (1 << p.chroma_shift_y);
  resample_region_float(p.data[plane], p.plane_width(plane), p.plane_height(plane), p.stride[plane], 1, x0 * sx,
                        y0 * sy, cw * sx, ch * sy, out_w, out_h, out, pad);
}

}  // namespace

PictureView PictureView::rgb24(const uint8_t* rgb, int width, int height, int stride) {
  PictureView v;
  v.layout = PixelLayout::kRgb24;
  v.width = width;
  v.height = height;
  v.data[0] = rgb;
  v.stride[0] = stride;
  return v;
}

int PictureView::plane_width(int plane) const {
  if (layout == PixelLayout::kRgb24 || plane == 0) return width;
  return -((-width) >> chroma_shift_x);  // rounded up
}

int PictureView::plane_height(int plane) const {
  if (layout == PixelLayout::kRgb24 || plane == 0) return height;
  return -((-height) >> chroma_shift_y);
}

size_t PictureView::packed_bytes() const {
  size_t total = 0;
  for (int i = 0; i < planes(); ++i) total += plane_row_bytes(i) * plane_height(i);
  return total;
}

PictureView packed_layout(PictureView shape, std::vector<uint8_t>* storage) {
  storage->resize(shape.packed_bytes());
  uint8_t* at = storage->data();
  for (int i = 0; i < shape.planes(); ++i) {
    shape.data[i] = at;
    shape.stride[i] = static_cast<int>(shape.plane_row_bytes(i));
    at += shape.plane_row_bytes(i) * shape.plane_height(i);
  }
  return shape;
}

Picture::Picture(const PictureView& view) : view_(packed_layout(view, &bytes_)) {
  for (int i = 0; i < view.planes(); ++i) {
    const size_t row = view.plane_row_bytes(i);
    for (int y = 0; y < view.plane_height(i); ++y)
      std::memcpy(const_cast<uint8_t*>(view_.data[i]) + y * row,
                  view.data[i] + static_cast<std::ptrdiff_t>(y) * view.stride[i], row);
  }
}

PictureView rotate_picture(const PictureView& p, int degrees, std::vector<uint8_t>* storage) {
  PictureView shape = p;
  if (degrees == 90 || degrees == 270) {
    std::swap(shape.width, shape.height);
    std::swap(shape.chroma_shift_x, shape.chroma_shift_y);
  }
  const PictureView r = packed_layout(shape, storage);
  for (int i = 0; i < p.planes(); ++i)
    rotate_plane(p.data[i], p.plane_width(i), p.plane_height(i), p.stride[i], p.bytes_per_pixel(), degrees,
                 const_cast<uint8_t*>(r.data[i]));
  return r;
}

void crop_to_rgb(const PictureView& p, double x0, double y0, double cw, double ch, int out_w, int out_h, uint8_t* out,
                 uint8_t pad) {
  if (p.layout == PixelLayout::kRgb24) {
    resample_region(p.data[0], p.width, p.height, p.stride[0], 3, x0, y0, cw, ch, out_w, out_h, out, pad);
    return;
  }
  const YuvToRgb& m = matrix_of(p);
  const size_t n = static_cast<size_t>(out_w) * out_h;
  std::vector<float> yuv(3 * n);
  float* y = yuv.data();
  float* u = y + n;
  float* v = u + n;
  resample_plane(p, 0, x0, y0, cw, ch, out_w, out_h, y, luma_of_grey(m, pad));
  resample_plane(p, 1, x0, y0, cw, ch, out_w, out_h, u, 128.f);
  resample_plane(p, 2, x0, y0, cw, ch, out_w, out_h, v, 128.f);
  for (size_t i = 0; i < n; ++i) {
    const float l = (y[i] - m.y_offset) * m.y_gain;
    const float cb = u[i] - 128.f, cr = v[i] - 128.f;
    out[i * 3] = round_to_byte(l + m.rv * cr);
    out[i * 3 + 1] = round_to_byte(l + m.gu * cb + m.gv * cr);
    out[i * 3 + 2] = round_to_byte(l + m.bu * cb);
  }
}

void crop_to_gray(const PictureView& p, double x0, double y0, double cw, double ch, int out_w, int out_h,
                  uint8_t* out) {
  const size_t n = static_cast<size_t>(out_w) * out_h;
  if (p.layout == PixelLayout::kRgb24) {
    std::vector<uint8_t> rgb(n * 3);
    resample_region(p.data[0], p.width, p.height, p.stride[0], 3, x0, y0, cw, ch, out_w, out_h, rgb.data());
    rgb_to_gray(rgb.data(), out_w, out_h, out_w * 3, out);
    return;
  }
  // The luma plane is the picture's grey (the RGB -> grey weights are the BT.601 luma weights).
  const YuvToRgb& m = matrix_of(p);
  std::vector<float> y(n);
  resample_plane(p, 0, x0, y0, cw, ch, out_w, out_h, y.data(), m.y_offset);
  for (size_t i = 0; i < n; ++i) out[i] = round_to_byte((y[i] - m.y_offset) * m.y_gain);
}

}  // namespace avlens
