// The one min-max audio scaling: what the window maker does to each window (docs/METHOD.md §1)
// and what training undoes and does again to audio it joins from two windows (mismatch_fake.hpp).
#pragma once
#include <utility>
#include <vector>

#include "avlens/geometry.hpp"

namespace avlens {

// Maps [lo, hi] onto [-1, 1], clamping what lies outside; a range of (nearly) zero width gives
// silence (all zeros).
void scale_audio(std::vector<float>& audio, float lo, float hi);

// The inverse: [-1, 1] back onto [lo, hi] (the window's raw samples, up to clamping and rounding).
void unscale_audio(std::vector<float>& audio, float lo, float hi);

// Scales one window's raw samples as `norm` says (docs/METHOD.md §1) and returns the raw range it
// mapped onto [-1, 1]: the window's own minimum and maximum (kMinMaxWindow), the clip's range as
// given (kMinMaxClip), or nothing for kNone (the samples stay, the range is [-1, 1]).
std::pair<float, float> scale_window_audio(std::vector<float>& audio, AudioNorm norm, float clip_low, float clip_high);

}  // namespace avlens
