#include "avlens/train/clip_stretch.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

#include "avlens/audio_scale.hpp"
#include "avlens/error.hpp"

namespace avlens::train {
namespace {

[[noreturn]] void bad(const std::string& what) { throw Error(ErrorCode::kInvalidArgument, what); }

int samples_per_frame(const WindowGeometry& g) {
  if (g.samples() % g.frames != 0)
    bad("the geometry's samples per window (" + std::to_string(g.samples()) + ") are not a whole number per frame");
  return g.samples() / g.frames;
}

int ceil_div(int a, int b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

void ClipStretch::append(const WindowSample& w) {
  const size_t crop_bytes = frame_bytes() * static_cast<size_t>(g_.frames);
  if (w.crops.size() != crop_bytes || w.audio.size() != static_cast<size_t>(g_.samples()))
    bad("clip stretch: a window does not match the geometry");
  if (!std::isfinite(w.audio_low) || !std::isfinite(w.audio_high))
    bad("the window cache does not store the audio's raw range (made by an older avlens); "
        "run `avlens prep` again into a new folder");
  crops_.insert(crops_.end(), w.crops.begin(), w.crops.end());
  std::vector<float> raw = w.audio;
  if (g_.audio_norm != AudioNorm::kNone) unscale_audio(raw, w.audio_low, w.audio_high);
  raw_audio_.insert(raw_audio_.end(), raw.begin(), raw.end());
  lows_.push_back(w.audio_low), highs_.push_back(w.audio_high);
}

WindowSample ClipStretch::cut(int frame, int sample, int label) const {
  if (frame < 0 || frame + g_.frames > frames() || sample < 0 || sample + g_.samples() > samples())
    bad("clip stretch: the cut (frame " + std::to_string(frame) + ", sample " + std::to_string(sample) +
        ") does not lie inside the stretch");
  WindowSample out;
  const size_t fb = frame_bytes();
  out.crops.assign(crops_.begin() + static_cast<ptrdiff_t>(frame * fb),
                   crops_.begin() + static_cast<ptrdiff_t>((frame + g_.frames) * fb));
  out.audio.assign(raw_audio_.begin() + sample, raw_audio_.begin() + sample + g_.samples());
  const size_t home = static_cast<size_t>(frame / g_.frames);
  std::tie(out.audio_low, out.audio_high) = scale_window_audio(out.audio, g_.audio_norm, lows_[home], highs_[home]);
  out.label = label;
  return out;
}

bool cut_window(const WindowSource& source, size_t window, WindowCut cut, WindowSample& out) {
  const WindowGeometry& g = source.geometry();
  const int T = g.frames, S = g.samples(), spf = samples_per_frame(g);
  WindowSample previous, current, next;
  source.load(window, current);
  const bool has_previous = source.load_neighbour(window, -1, previous);
  const bool has_next = source.load_neighbour(window, 1, next);
  ClipStretch stretch(g);
  if (has_previous) stretch.append(previous);
  stretch.append(current);
  if (has_next) stretch.append(next);
  const int anchor = has_previous ? T : 0, F = stretch.frames(), N = stretch.samples();
  // The video starts at frame v and the voice at v·spf − delay; both must lie inside the stretch.
  const int v_min = std::max(0, ceil_div(cut.voice_delay, spf));
  const int v_max = std::min(F - T, floor_div(N - S + cut.voice_delay, spf));
  if (v_min > v_max) return false;
  const int v = std::clamp(anchor + cut.frame_offset, v_min, v_max);
  out = stretch.cut(v, v * spf - cut.voice_delay, cut.voice_delay != 0 ? 1 : current.label);
  return true;
}

void mirror_crops(std::vector<uint8_t>& crops, const WindowGeometry& g) {
  const size_t row = static_cast<size_t>(g.width) * 3;
  if (crops.size() != row * g.height * g.frames) bad("mirror: the crops do not match the geometry");
  for (size_t r = 0; r < crops.size(); r += row) {
    uint8_t* p = crops.data() + r;
    for (int a = 0, b = g.width - 1; a < b; ++a, --b) std::swap_ranges(p + a * 3, p + a * 3 + 3, p + b * 3);
  }
}

}  // namespace avlens::train
