#include "avlens/train/pseudo_fake.hpp"

#include <algorithm>
#include <cmath>

#include "avlens/error.hpp"

namespace avlens::train {

const char* pseudo_fake_kind_name(PseudoFakeKind k) {
  switch (k) {
    case PseudoFakeKind::kNone: return "none";
    case PseudoFakeKind::kAudio: return "audio";
    case PseudoFakeKind::kVideo: return "video";
    case PseudoFakeKind::kBoth: return "both";
  }
  return "none";
}

void PseudoFakeOptions::validate() const {
  auto bad = [](const std::string& what) {
    throw Error(ErrorCode::kInvalidArgument, "invalid pseudo-fake options: " + what);
  };
  if (!(probability >= 0 && probability <= 1)) bad("probability must be in [0, 1]");
  if (!(r_min >= 0 && r_min <= r_max && r_max <= 1)) bad("need 0 <= r_min <= r_max <= 1");
  if (min_length < 1) bad("min_length must be >= 1");
}

namespace {
// A span [start, start + length) of n elements, length uniform in the allowed range.
std::pair<int, int> draw_span(const PseudoFakeOptions& o, int n, std::mt19937_64& rng) {
  int lo = std::max(o.min_length, static_cast<int>(std::ceil(o.r_min * n)));
  int hi = static_cast<int>(std::floor(o.r_max * n));
  lo = std::min(lo, n);
  hi = std::clamp(hi, lo, n);
  int length = std::uniform_int_distribution<int>(lo, hi)(rng);
  int start = std::uniform_int_distribution<int>(0, n - length)(rng);
  return {start, length};
}
}  // namespace

PseudoFakeEdit draw_pseudo_fake(const PseudoFakeOptions& o, const WindowGeometry& g, std::mt19937_64& rng) {
  PseudoFakeEdit edit;
  if (std::uniform_real_distribution<double>(0, 1)(rng) >= o.probability) return edit;
  const int frames = g.frames, samples = g.samples();
  switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
    case 0:
      edit.kind = PseudoFakeKind::kAudio;
      std::tie(edit.audio_start, edit.audio_length) = draw_span(o, samples, rng);
      break;
    case 1:
      edit.kind = PseudoFakeKind::kVideo;
      std::tie(edit.video_start, edit.video_length) = draw_span(o, frames, rng);
      break;
    default: {
      edit.kind = PseudoFakeKind::kBoth;
      std::tie(edit.video_start, edit.video_length) = draw_span(o, frames, rng);
      // The same seconds in audio: frame f starts at sample f * S / T.
      auto sample_at = [&](int frame) { return static_cast<int>(static_cast<int64_t>(frame) * samples / frames); };
      edit.audio_start = sample_at(edit.video_start);
      edit.audio_length = sample_at(edit.video_start + edit.video_length) - edit.audio_start;
      break;
    }
  }
  return edit;
}

void apply_pseudo_fake(const PseudoFakeEdit& edit, const WindowGeometry& g, WindowSample& target,
                       const WindowSample& donor) {
  if (edit.kind == PseudoFakeKind::kNone) return;
  const size_t frame_bytes = static_cast<size_t>(g.height) * g.width * 3;
  if (target.crops.size() != donor.crops.size() || target.audio.size() != donor.audio.size() ||
      target.crops.size() != frame_bytes * g.frames || target.audio.size() != static_cast<size_t>(g.samples()))
    throw Error(ErrorCode::kInvalidArgument, "pseudo-fake: target and donor windows do not match the geometry");
  if (edit.kind == PseudoFakeKind::kVideo || edit.kind == PseudoFakeKind::kBoth) {
    if (edit.video_start < 0 || edit.video_length < 0 || edit.video_start + edit.video_length > g.frames)
      throw Error(ErrorCode::kInvalidArgument, "pseudo-fake: video span out of range");
    std::copy_n(donor.crops.begin() + edit.video_start * frame_bytes, edit.video_length * frame_bytes,
                target.crops.begin() + edit.video_start * frame_bytes);
  }
  if (edit.kind == PseudoFakeKind::kAudio || edit.kind == PseudoFakeKind::kBoth) {
    if (edit.audio_start < 0 || edit.audio_length < 0 || edit.audio_start + edit.audio_length > g.samples())
      throw Error(ErrorCode::kInvalidArgument, "pseudo-fake: audio span out of range");
    std::copy_n(donor.audio.begin() + edit.audio_start, edit.audio_length, target.audio.begin() + edit.audio_start);
  }
  target.label = 1;
}

}  // namespace avlens::train
