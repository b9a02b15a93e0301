// Deterministic image resampling: the same bytes natively and in wasm (plain float arithmetic,
// no SIMD intrinsics, no FMA contraction), so training and the browser see identical crops.
#pragma once
#include <cstdint>
#include <vector>

namespace avlens {

// Resamples the region [x0, x0+cw) x [y0, y0+ch) (source pixels, may extend past the border:
// outside, every channel is `pad`) of an interleaved 8-bit image with `channels` (<= 4) channels
// into out_w x out_h. Antialiased (triangle filter widened by the scale factor when shrinking).
void resample_region(const uint8_t* src, int src_w, int src_h, int src_stride, int channels, double x0, double y0,
                     double cw, double ch, int out_w, int out_h, uint8_t* out, uint8_t pad = 0);
// The same, before rounding: out_w x out_h x channels floats (what resample_region rounds to bytes).
void resample_region_float(const uint8_t* src, int src_w, int src_h, int src_stride, int channels, double x0,
                           double y0, double cw, double ch, int out_w, int out_h, float* out, float pad);
// A resampled value rounded to the nearest byte, clamped to [0, 255].
inline uint8_t round_to_byte(float v) {
  v = v + 0.5f;
  if (v <= 0.f) return 0;
  if (v >= 255.f) return 255;
  return static_cast<uint8_t>(v);
}

// RGB24 -> 8-bit luma (BT.601 integer weights).
void rgb_to_gray(const uint8_t* rgb, int w, int h, int stride, uint8_t* gray);

// Rotates an 8-bit image of `channels` interleaved channels clockwise by 90, 180 or 270 degrees
// into dst (tightly packed; the rotated width is h for 90 and 270).
void rotate_plane(const uint8_t* src, int w, int h, int stride, int channels, int degrees, uint8_t* dst);

}  // namespace avlens
