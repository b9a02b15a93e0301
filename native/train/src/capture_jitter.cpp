#include "avlens/train/capture_jitter.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "avlens/error.hpp"

namespace avlens::train {

CaptureJitter draw_capture_jitter(std::mt19937_64& rng) {
  auto uniform = [&](float a, float b) { return std::uniform_real_distribution<float>(a, b)(rng); };
  CaptureJitter j;
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

}  // namespace

void apply_capture_jitter(const CaptureJitter& j, const WindowGeometry& g, WindowSample& sample) {
  const size_t frame_bytes = static_cast<size_t>(g.height) * g.width * 3;
  if (sample.crops.size() != frame_bytes * g.frames || sample.audio.size() != static_cast<size_t>(g.samples()))
    throw Error(ErrorCode::kInvalidArgument, "capture jitter: the window does not match the geometry");
  if (j.blur) {
    std::vector<uint8_t> scratch;
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
