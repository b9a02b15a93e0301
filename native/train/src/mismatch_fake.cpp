#include "avlens/train/mismatch_fake.hpp"

#include <algorithm>
#include <cmath>

#include "avlens/train/clip_stretch.hpp"
#include "avlens/error.hpp"

namespace avlens::train {

const char* mismatch_kind_name(MismatchKind k) {
  switch (k) {
    case MismatchKind::kNone: return "none";
    case MismatchKind::kVoiceSwap: return "voice_swap";
    case MismatchKind::kAudioShift: return "audio_shift";
  }
  return "none";
}

void MismatchOptions::validate() const {
  auto bad = [](const std::string& what) {
    throw Error(ErrorCode::kInvalidArgument, "invalid mismatch-fake options: " + what);
  };
  if (!(probability >= 0 && probability <= 1)) bad("probability must be in [0, 1]");
  if (!(min_shift > 0 && min_shift <= max_shift && max_shift < 1)) bad("need 0 < min_shift <= max_shift < 1 s");
}

MismatchEdit draw_mismatch(const MismatchOptions& o, const WindowGeometry& g, std::mt19937_64& rng) {
  MismatchEdit edit;
  if (std::uniform_real_distribution<double>(0, 1)(rng) >= o.probability) return edit;
  if (std::uniform_int_distribution<int>(0, 1)(rng) == 0) {
    edit.kind = MismatchKind::kVoiceSwap;
    return edit;
  }
  edit.kind = MismatchKind::kAudioShift;
  const double seconds = std::uniform_real_distribution<double>(o.min_shift, o.max_shift)(rng);
  const int samples = std::clamp(static_cast<int>(std::lround(seconds * g.sample_rate)), 1, g.samples() - 1);
  edit.shift_samples = std::uniform_int_distribution<int>(0, 1)(rng) ? samples : -samples;
  return edit;
}

void apply_voice_swap(WindowSample& target, const WindowSample& donor) {
  if (donor.audio.size() != target.audio.size())
    throw Error(ErrorCode::kInvalidArgument, "voice swap: the donor's audio has another length");
  target.audio = donor.audio;
  target.audio_low = donor.audio_low, target.audio_high = donor.audio_high;
  target.label = 1;
}

void apply_audio_shift(const MismatchEdit& edit, const WindowGeometry& g, WindowSample& target,
                       const WindowSample& neighbour) {
  const int n = g.samples(), d = std::abs(edit.shift_samples);
  if (edit.kind != MismatchKind::kAudioShift || d < 1 || d >= n)
    throw Error(ErrorCode::kInvalidArgument, "audio shift: the shift must be 1 .. S-1 samples");
  if (target.audio.size() != static_cast<size_t>(n) || neighbour.audio.size() != static_cast<size_t>(n))
    throw Error(ErrorCode::kInvalidArgument, "audio shift: windows do not match the geometry");
  // The raw samples are joined (ClipStretch): joining the scaled ones would leave a step at the seam
  // that a real shifted voice does not have, and the network would learn the step.
  const bool late = edit.shift_samples > 0;
  ClipStretch stretch(g);
  stretch.append(late ? neighbour : target);
  stretch.append(late ? target : neighbour);
  const int first = late ? g.frames : 0;
  target = stretch.cut(first, first * (n / g.frames) - edit.shift_samples, 1);
}

}  // namespace avlens::train
