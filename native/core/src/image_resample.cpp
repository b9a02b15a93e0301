#include "image_resample.hpp"

#include <algorithm>
#include <cmath>

namespace avlens {
namespace {

// Filter taps of one output coordinate: source index range and normalised weights.
struct Taps {
  int first = 0;
  std::vector<float> weights;
};

std::vector<Taps> make_taps(double start, double length, int out_size) {
  const double scale = length / out_size;             // source pixels per output pixel
  const double support = std::max(1.0, scale);        // triangle half-width
  std::vector<Taps> taps(out_size);
  for (int o = 0; o < out_size; ++o) {
    const double center = start + (o + 0.5) * scale;  // in source pixel coordinates
    const int lo = static_cast<int>(std::floor(center - support));
    const int hi = static_cast<int>(std::ceil(center + support));
    Taps& t = taps[o];
    t.first = lo;
    double sum = 0;
    std::vector<double> w;
    for (int s = lo; s <= hi; ++s) {
      const double d = std::fabs((s + 0.5 - center) / support);
      const double v = d < 1.0 ? 1.0 - d : 0.0;
      w.push_back(v);
      sum += v;
    }
    t.weights.resize(w.size());
    for (size_t i = 0; i < w.size(); ++i) t.weights[i] = static_cast<float>(sum > 0 ? w[i] / sum : 0.0);
  }
  return taps;
}

}  // namespace

void resample_region(const uint8_t* src, int src_w, int src_h, int src_stride, int channels, double x0, double y0,
                     double cw, double ch, int out_w, int out_h, uint8_t* out, uint8_t pad) {
  std::vector<float> values(static_cast<size_t>(out_w) * out_h * channels);
  resample_region_float(src, src_w, src_h, src_stride, channels, x0, y0, cw, ch, out_w, out_h, values.data(), pad);
  for (size_t i = 0; i < values.size(); ++i) out[i] = round_to_byte(values[i]);
}

void resample_region_float(const uint8_t* src, int src_w, int src_h, int src_stride, int channels, double x0,
                           double y0, double cw, double ch, int out_w, int out_h, float* out, float pad) {
  const std::vector<Taps> xt = make_taps(x0, cw, out_w);
  const std::vector<Taps> yt = make_taps(y0, ch, out_h);
  // Rows of the source the vertical pass will read.
  int row_lo = yt.front().first;
  int row_hi = yt.back().first + static_cast<int>(yt.back().weights.size()) - 1;
  const int rows = row_hi - row_lo + 1;
  // Horizontal pass into a float buffer: rows x out_w x channels.
  std::vector<float> mid(static_cast<size_t>(rows) * out_w * channels, 0.f);
  for (int r = 0; r < rows; ++r) {
    const int sy = row_lo + r;
    const bool row_inside = sy >= 0 && sy < src_h;
    const uint8_t* line = row_inside ? src + static_cast<size_t>(sy) * src_stride : nullptr;
    float* dst = &mid[static_cast<size_t>(r) * out_w * channels];
    for (int o = 0; o < out_w; ++o) {
      const Taps& t = xt[o];
      float acc[4] = {0, 0, 0, 0};
      for (size_t i = 0; i < t.weights.size(); ++i) {
        const int sx = t.first + static_cast<int>(i);
        const float w = t.weights[i];
        // Outside the frame the image is the padding colour.
        if (row_inside && sx >= 0 && sx < src_w) {
          const uint8_t* p = line + static_cast<size_t>(sx) * channels;
          for (int c = 0; c < channels; ++c) acc[c] += w * static_cast<float>(p[c]);
        } else {
          for (int c = 0; c < channels; ++c) acc[c] += w * pad;
        }
      }
      for (int c = 0; c < channels; ++c) dst[o * channels + c] = acc[c];
    }
  }
  // Vertical pass.
  const size_t row_len = static_cast<size_t>(out_w) * channels;
  std::vector<float> acc(row_len);
  for (int o = 0; o < out_h; ++o) {
    const Taps& t = yt[o];
    std::fill(acc.begin(), acc.end(), 0.f);
    for (size_t i = 0; i < t.weights.size(); ++i) {
      const int r = t.first + static_cast<int>(i) - row_lo;
      const float w = t.weights[i];
      const float* m = &mid[static_cast<size_t>(r) * row_len];
      for (size_t k = 0; k < row_len; ++k) acc[k] += w * m[k];
    }
    std::copy(acc.begin(), acc.end(), out + o * row_len);
  }
}

void rgb_to_gray(const uint8_t* rgb, int w, int h, int stride, uint8_t* gray) {
  for (int y = 0; y < h; ++y) {
    const uint8_t* p = rgb + static_cast<size_t>(y) * stride;
    for (int x = 0; x < w; ++x, p += 3)
      gray[static_cast<size_t>(y) * w + x] = static_cast<uint8_t>((77 * p[0] + 150 * p[1] + 29 * p[2] + 128) >> 8);
  }
}

void rotate_plane(const uint8_t* src, int w, int h, int stride, int channels, int degrees, uint8_t* dst) {
  const bool swap = degrees == 90 || degrees == 270;
  const int ow = swap ? h : w;
  for (int y = 0; y < h; ++y) {
    const uint8_t* line = src + static_cast<size_t>(y) * stride;
    for (int x = 0; x < w; ++x) {
      int nx, ny;
      switch (degrees) {
        case 90: nx = h - 1 - y; ny = x; break;
        case 180: nx = w - 1 - x; ny = h - 1 - y; break;
        case 270: nx = y; ny = w - 1 - x; break;
        default: nx = x; ny = y; break;
      }
      uint8_t* d = dst + (static_cast<size_t>(ny) * ow + nx) * channels;
      for (int c = 0; c < channels; ++c) d[c] = line[x * channels + c];
    }
  }
}

}  // namespace avlens
