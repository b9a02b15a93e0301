#include "avlens/train/plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#define STB_IMAGE_WRITE_STATIC  // private copy: other libraries may embed stb_image_write too
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#include <stb/stb_easy_font.h>

#include "avlens/error.hpp"

namespace avlens::train {
namespace {

struct Rgb {
  uint8_t r, g, b;
};
constexpr Rgb kWhite{255, 255, 255}, kBlack{0, 0, 0}, kGrey{200, 200, 200}, kBlue{31, 119, 180}, kRed{214, 39, 40};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(static_cast<size_t>(w) * h * 3, 255) {}
  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    uint8_t* p = &px_[(static_cast<size_t>(y) * w_ + x) * 3];
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
  }
  void rect(int x0, int y0, int x1, int y1, Rgb c) {
    for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y)
      for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x) set(x, y, c);
  }
  void line(double x0, double y0, double x1, double y1, Rgb c, int thick = 1) {
    const int steps = static_cast<int>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; ++i) {
      const double t = static_cast<double>(i) / steps;
      const int x = static_cast<int>(std::lround(x0 + t * (x1 - x0))), y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
      rect(x - thick / 2, y - thick / 2, x + (thick - 1) / 2, y + (thick - 1) / 2, c);
    }
  }
  // stb_easy_font draws quads of 4 vertices (x, y, z, rgba): axis-aligned, so rectangles.
  void text(int x, int y, const std::string& s, Rgb c, int scale = 2) {
    static char buffer[60000];
    const int quads = stb_easy_font_print(0, 0, const_cast<char*>(s.c_str()), nullptr, buffer, sizeof buffer);
    for (int q = 0; q < quads; ++q) {
      const float* v = reinterpret_cast<const float*>(buffer + q * 64);
      const float* v2 = reinterpret_cast<const float*>(buffer + q * 64 + 32);
      rect(x + static_cast<int>(v[0] * scale), y + static_cast<int>(v[1] * scale),
           x + static_cast<int>(v2[0] * scale) - 1, y + static_cast<int>(v2[1] * scale) - 1, c);
    }
  }
  static int text_width(const std::string& s, int scale = 2) {
    return stb_easy_font_width(const_cast<char*>(s.c_str())) * scale;
  }
  void save(const std::string& path) const {
    if (!stbi_write_png(path.c_str(), w_, h_, 3, px_.data(), w_ * 3))
      throw Error(ErrorCode::kInternal, "cannot write PNG '" + path + "'");
  }
  int width() const { return w_; }
  int height() const { return h_; }

 private:
  int w_, h_;
  std::vector<uint8_t> px_;
};

std::string fmt(double v, int decimals = 2) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

Rgb mix(Rgb a, Rgb b, double t) {
  auto m = [t](uint8_t x, uint8_t y) { return static_cast<uint8_t>(std::lround(x + (y - x) * t)); };
  return {m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

// A square plot area with axes, ticks at 0, .25, ..., 1 of each range.
struct Axes {
  int left = 80, top = 64, size_x = 500, size_y = 400;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  double px(double x) const { return left + (x - x0) / (x1 - x0) * size_x; }
  double py(double y) const { return top + size_y - (y - y0) / (y1 - y0) * size_y; }
  void draw(Canvas& c, const std::string& title, const std::string& xlabel, const std::string& ylabel) const {
    for (int k = 0; k <= 4; ++k) {
      const double fx = x0 + (x1 - x0) * k / 4, fy = y0 + (y1 - y0) * k / 4;
      c.line(px(fx), top, px(fx), top + size_y, kGrey);
      c.line(left, py(fy), left + size_x, py(fy), kGrey);
      const std::string lx = fmt(fx, tick_decimals((x1 - x0) / 4)), ly = fmt(fy, tick_decimals((y1 - y0) / 4));
      c.text(static_cast<int>(px(fx)) - Canvas::text_width(lx) / 2, top + size_y + 8, lx, kBlack);
      c.text(left - 8 - Canvas::text_width(ly), static_cast<int>(py(fy)) - 6, ly, kBlack);
    }
    c.line(left, top, left, top + size_y, kBlack, 2);
    c.line(left, top + size_y, left + size_x, top + size_y, kBlack, 2);
    c.text(left + size_x / 2 - Canvas::text_width(title) / 2, 4, title, kBlack);
    c.text(left + size_x / 2 - Canvas::text_width(xlabel) / 2, top + size_y + 35, xlabel, kBlack);
    c.text(5, top - 38, ylabel, kBlack);  // above the top tick label, below the title
  }
};

Rgb colour_map(double t) {  // dark blue -> teal -> yellow (viridis-like)
  t = std::clamp(t, 0.0, 1.0);
  static const Rgb stops[] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  const double s = t * 4;
  const int i = std::min(3, static_cast<int>(s));
  const double f = s - i;
  auto mixc = [&](uint8_t a, uint8_t b) { return static_cast<uint8_t>(a + (b - a) * f); };
  return {mixc(stops[i].r, stops[i + 1].r), mixc(stops[i].g, stops[i + 1].g), mixc(stops[i].b, stops[i + 1].b)};
}

}  // namespace

int tick_decimals(double step) {
  step = std::abs(step);
  if (!(step > 0) || !std::isfinite(step)) return 2;
  // The fewest decimals that write the step exactly (0.25: 2; 0.0025: 4), within two more than its
  // first significant digit needs; otherwise one more than that, which still tells ticks apart.
  const int first = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  for (int d = first; d <= std::min(first + 2, 8); ++d) {
    const double scaled = step * std::pow(10.0, d);
    if (std::abs(scaled - std::round(scaled)) < 1e-6 * scaled) return d;
  }
  return std::min(first + 1, 8);
}

void plot_roc(const std::string& path, const std::vector<RocPoint>& curve, double auc, const std::string& title,
              double threshold) {
  Canvas c(620, 554);
  Axes a;
  a.draw(c, title + "  (AUC " + fmt(auc * 100, 1) + " %)", "false positive rate", "true positive rate");
  c.line(a.px(0), a.py(0), a.px(1), a.py(1), kGrey);
  for (size_t i = 1; i < curve.size(); ++i)
    c.line(a.px(curve[i - 1].false_positive_rate), a.py(curve[i - 1].true_positive_rate),
           a.px(curve[i].false_positive_rate), a.py(curve[i].true_positive_rate), kBlue, 3);
  // The operating point: the curve's point for the lowest threshold that still calls no more videos
  // fake than `threshold` does (scores >= threshold are fake).
  const RocPoint* op = nullptr;
  for (const auto& p : curve)
    if (std::isfinite(threshold) && p.threshold >= threshold && (!op || p.threshold < op->threshold)) op = &p;
  if (op) {
    const int x = static_cast<int>(a.px(op->false_positive_rate)), y = static_cast<int>(a.py(op->true_positive_rate));
    c.rect(x - 5, y - 5, x + 5, y + 5, kRed);
    const std::string label = "threshold " + fmt(threshold, 3) + ": TPR " + fmt(op->true_positive_rate, 2) + ", FPR " +
                              fmt(op->false_positive_rate, 2);
    const int tx = std::min(x + 10, a.left + a.size_x - Canvas::text_width(label));
    c.text(std::max(a.left + 4, tx), std::min(y + 10, a.top + a.size_y - 20), label, kRed);
  }
  c.save(path);
}

void plot_histogram(const std::string& path, const std::vector<double>& real, const std::vector<double>& fake,
                    const std::string& title) {
  Canvas c(620, 540);
  Axes a;
  double lo = 1e300, hi = -1e300;
  for (const auto* v : {&real, &fake})
    for (double x : *v) lo = std::min(lo, x), hi = std::max(hi, x);
  if (!(hi > lo)) lo = (hi > -1e300 ? hi : 0) - 0.5, hi = lo + 1;
  const int bins = 30;
  auto count = [&](const std::vector<double>& v) {
    std::vector<double> h(bins, 0);
    for (double x : v) h[std::min(bins - 1, static_cast<int>((x - lo) / (hi - lo) * bins))] += 1.0 / v.size();
    return h;
  };
  auto hr = count(real), hf = count(fake);
  double top = 0;
  for (int b = 0; b < bins; ++b) top = std::max({top, hr[b], hf[b]});
  a.x0 = lo, a.x1 = hi, a.y0 = 0, a.y1 = top > 0 ? top * 1.1 : 1;
  a.draw(c, title, "mean of Mhat over the video", "fraction of videos");
  const double bw = (hi - lo) / bins;
  for (int b = 0; b < bins; ++b) {  // real in blue on the left half of a bin, fake in red on the right
    const double x = lo + b * bw;
    if (!real.empty()) c.rect(static_cast<int>(a.px(x)) + 1, static_cast<int>(a.py(hr[b])), static_cast<int>(a.px(x + bw / 2)), static_cast<int>(a.py(0)) - 1, kBlue);
    if (!fake.empty()) c.rect(static_cast<int>(a.px(x + bw / 2)) + 1, static_cast<int>(a.py(hf[b])), static_cast<int>(a.px(x + bw)) - 1, static_cast<int>(a.py(0)) - 1, kRed);
  }
  c.rect(a.left + a.size_x - 150, a.top + 5, a.left + a.size_x - 138, a.top + 17, kBlue);
  c.text(a.left + a.size_x - 130, a.top + 5, "real (" + std::to_string(real.size()) + ")", kBlack);
  c.rect(a.left + a.size_x - 150, a.top + 25, a.left + a.size_x - 138, a.top + 37, kRed);
  c.text(a.left + a.size_x - 130, a.top + 25, "fake (" + std::to_string(fake.size()) + ")", kBlack);
  c.save(path);
}

void plot_heatmap(const std::string& path, const std::vector<float>& values, int rows, int cols, const std::string& title,
                  const FaceImage& face) {
  if (rows <= 0 || cols <= 0 || values.size() != static_cast<size_t>(rows) * cols)
    throw Error(ErrorCode::kInvalidArgument, "heat map: " + std::to_string(values.size()) + " values for " +
                                                 std::to_string(rows) + "x" + std::to_string(cols));
  const int cell = std::max(4, 336 / std::max(rows, cols));
  const int top = 40, left = 10;
  Canvas c(std::max(left * 2 + cols * cell + 70, Canvas::text_width(title) + 20), top + rows * cell + 10);
  const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
  const double lo = *mn, span = *mx > *mn ? *mx - *mn : 1.0;
  for (int r = 0; r < rows; ++r)
    for (int q = 0; q < cols; ++q)
      c.rect(left + q * cell, top + r * cell, left + (q + 1) * cell - 1, top + (r + 1) * cell - 1,
             colour_map((values[r * cols + q] - lo) / span));
  if (face.rgb && face.height > 0 && face.width > 0) {
    // The map covers the whole crop: each pixel of the drawing is the face (nearest sample) with
    // its patch's colour over it at half strength.
    for (int y = 0; y < rows * cell; ++y)
      for (int x = 0; x < cols * cell; ++x) {
        const int fy = y * face.height / (rows * cell), fx = x * face.width / (cols * cell);
        const uint8_t* p = face.rgb + (static_cast<size_t>(fy) * face.width + fx) * 3;
        const Rgb heat = colour_map((values[(y / cell) * cols + x / cell] - lo) / span);
        c.set(left + x, top + y, mix(Rgb{p[0], p[1], p[2]}, heat, 0.5));
      }
  }
  const int bar_x = left + cols * cell + 10;
  for (int y = 0; y < rows * cell; ++y) c.rect(bar_x, top + y, bar_x + 10, top + y, colour_map(1.0 - double(y) / (rows * cell)));
  c.text(bar_x + 14, top, fmt(*mx, 3), kBlack, 1);
  c.text(bar_x + 14, top + rows * cell - 8, fmt(*mn, 3), kBlack, 1);
  c.text(left, 12, title, kBlack);
  c.save(path);
}

}  // namespace avlens::train
