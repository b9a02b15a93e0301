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

// RGB24 -> 8-bit luma (BT.601 integer weights).
void rgb_to_gray(const uint8_t* rgb, int w, int h, int stride, uint8_t* gray);

// Rotates a packed RGB24 image clockwise by 90, 180 or 270 degrees.
std::vector<uint8_t> rotate_rgb(const uint8_t* rgb, int w, int h, int stride, int degrees, int* out_w, int* out_h);

}  // namespace avlens
