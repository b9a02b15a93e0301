#include "avlens/train/capture_jitter.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "avlens/error.hpp"

namespace avlens::train {

CaptureJitter draw_capture_jitter(std::mt19937_64& rng) {
  auto uniform = [&](float a, float b) { return std::uniform_real_distribution<float>(a, b)(rng); };
  CaptureJitter j;
  j.zoom = uniform(1.f, 1.15f);
  const float room = (1 - 1 / j.zoom) / 2;
  j.shift_x = uniform(-room, room);
  j.shift_y = uniform(-room, room);
  j.brightness = uniform(-20.f, 20.f);
  j.contrast = std::exp(uniform(std::log(0.8f), std::log(1.25f)));
  for (float& gain : j.channel_gain) gain = uniform(0.9f, 1.1f);
  j.blur = uniform(0.f, 1.f) < 0.25f;
  if (uniform(0.f, 1.f) < 0.5f) j.noise_snr_db = uniform(10.f, 40.f);
  j.noise_seed = rng();
  return j;
}

namespace {

void box_blur_frame(uint8_t* frame, int height, int width, std::vector<uint8_t>& scratch) {
  scratch.assign(frame, frame + static_cast<size_t>(height) * width * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        int sum = 0, count = 0;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            const int yy = y + dy, xx = x + dx;
            if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
            sum += scratch[(static_cast<size_t>(yy) * width + xx) * 3 + c];
            ++count;
          }
        frame[(static_cast<size_t>(y) * width + x) * 3 + c] = static_cast<uint8_t>((sum + count / 2) / count);
      }
}

// The central 1 / zoom of the frame, moved by (shift_x, shift_y) of its side, resized back to the
// frame's size (bilinear).
void reframe(uint8_t* frame, int height, int width, float zoom, float shift_x, float shift_y, std::vector<uint8_t>& scratch) {
  scratch.assign(frame, frame + static_cast<size_t>(height) * width * 3);
  const float rw = width / zoom, rh = height / zoom;
  const float left = (width - rw) / 2 + shift_x * width, top = (height - rh) / 2 + shift_y * height;
  for (int y = 0; y < height; ++y) {
    const float sy = std::clamp(top + (y + 0.5f) * rh / height - 0.5f, 0.f, height - 1.f);
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, height - 1);
    const float fy = sy - y0;
    for (int x = 0; x < width; ++x) {
      const float sx = std::clamp(left + (x + 0.5f) * rw / width - 0.5f, 0.f, width - 1.f);
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, width - 1);
      const float fx = sx - x0;
      for (int c = 0; c < 3; ++c) {
        auto at = [&](int yy, int xx) { return static_cast<float>(scratch[(static_cast<size_t>(yy) * width + xx) * 3 + c]); };
        const float v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
        frame[(static_cast<size_t>(y) * width + x) * 3 + c] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
}

}  // namespace

void apply_capture_jitter(const CaptureJitter& j, const WindowGeometry& g, WindowSample& sample) {
  const size_t frame_bytes = static_cast<size_t>(g.height) * g.width * 3;
  if (sample.crops.size() != frame_bytes * g.frames || sample.audio.size() != static_cast<size_t>(g.samples()))
    throw Error(ErrorCode::kInvalidArgument, "capture jitter: the window does not match the geometry");
  std::vector<uint8_t> scratch;
  if (j.zoom != 1 || j.shift_x != 0 || j.shift_y != 0)
    for (int f = 0; f < g.frames; ++f)
      reframe(sample.crops.data() + f * frame_bytes, g.height, g.width, j.zoom, j.shift_x, j.shift_y, scratch);
  if (j.blur) {
    for (int f = 0; f < g.frames; ++f) box_blur_frame(sample.crops.data() + f * frame_bytes, g.height, g.width, scratch);
  }
  // Contrast around the window's own mean level, so a dark clip stays dark.
  double mean = 0;
  for (uint8_t v : sample.crops) mean += v;
  mean /= std::max<size_t>(1, sample.crops.size());
  for (size_t i = 0; i < sample.crops.size(); ++i) {
    const float v = (static_cast<float>(mean) + (sample.crops[i] - static_cast<float>(mean)) * j.contrast) *
                        j.channel_gain[i % 3] + j.brightness;
    sample.crops[i] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
  }
  if (j.noise_snr_db > 0) {
    double power = 0;
    for (float s : sample.audio) power += static_cast<double>(s) * s;
    const double rms = std::sqrt(power / std::max<size_t>(1, sample.audio.size()));
    if (rms > 0) {
      std::mt19937_64 rng(j.noise_seed);
      std::normal_distribution<float> noise(0.f, static_cast<float>(rms * std::pow(10.0, -j.noise_snr_db / 20.0)));
      for (float& s : sample.audio) s = std::clamp(s + noise(rng), -1.f, 1.f);
    }
  }
}

}  // namespace avlens::train
