#include "avlens/train/mismatch_fake.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "avlens/audio_scale.hpp"
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
  const auto has_range = [](const WindowSample& w) { return std::isfinite(w.audio_low) && std::isfinite(w.audio_high); };
  if (!has_range(target) || !has_range(neighbour))
      throw Error(ErrorCode::kInvalidArgument,
                  "audio shift: the window cache does not store the audio's raw range (made by an older avlens); "
                  "run `avlens prep` again into a new folder");
  // Join the raw samples: each window was scaled on its own, so joining the scaled ones would leave
  // a step at the seam that a real shifted voice does not have, and the network would learn the step.
  std::vector<float> ours = target.audio, theirs = neighbour.audio;
  unscale_audio(ours, target.audio_low, target.audio_high);
  unscale_audio(theirs, neighbour.audio_low, neighbour.audio_high);
  std::vector<float> out(n);
  if (edit.shift_samples > 0) {  // late: the previous window's last d samples, then ours
    std::copy(theirs.end() - d, theirs.end(), out.begin());
    std::copy(ours.begin(), ours.end() - d, out.begin() + d);
  } else {  // early: ours from d on, then the next window's first d samples
    std::copy(ours.begin() + d, ours.end(), out.begin());
    std::copy(theirs.begin(), theirs.begin() + d, out.end() - d);
  }
  // Scale again as the core scales a window (docs/METHOD.md §1).
  float lo = -1.f, hi = 1.f;
  switch (g.audio_norm) {
    case AudioNorm::kNone: break;
    case AudioNorm::kMinMaxWindow: {
      const auto [mn, mx] = std::minmax_element(out.begin(), out.end());
      lo = *mn, hi = *mx;
      break;
    }
    case AudioNorm::kMinMaxClip:  // one range for the whole clip: the target's
      lo = target.audio_low, hi = target.audio_high;
      break;
  }
  if (g.audio_norm != AudioNorm::kNone) scale_audio(out, lo, hi);
  target.audio = std::move(out);
  target.audio_low = lo, target.audio_high = hi;
  target.label = 1;
}

}  // namespace avlens::train
