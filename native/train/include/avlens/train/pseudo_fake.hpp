// Temporally-local pseudo-fakes (docs/METHOD.md §3, paper Sec. 3.2): a span of a window's frames and/or
// samples is replaced by the same span of another training window, and the result is labelled
// fake. Drawing the edit and applying it are separate so that tests can check each.
#pragma once
#include <random>

#include "avlens/geometry.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train {

enum class PseudoFakeKind { kNone, kAudio, kVideo, kBoth };
const char* pseudo_fake_kind_name(PseudoFakeKind k);

struct PseudoFakeOptions {
  double probability = 0.5;  // of editing a window at all
  double r_min = 0.0;        // span length in [r_min * n, r_max * n]; never below min_length
  double r_max = 1.0;
  int min_length = 2;        // "r_min ≈ 0 means l_min = 2"
  void validate() const;     // throws avlens::Error(kInvalidArgument)
};

struct PseudoFakeEdit {
  PseudoFakeKind kind = PseudoFakeKind::kNone;
  int video_start = 0, video_length = 0;  // frames g .. g+l-1
  int audio_start = 0, audio_length = 0;  // samples
};

// Draws the edit for one window: kind uniform over {audio, video, both} with the given
// probability; for "both" the audio span covers the same seconds as the video span.
PseudoFakeEdit draw_pseudo_fake(const PseudoFakeOptions& options, const WindowGeometry& geometry, std::mt19937_64& rng);

// Copies the edit's spans from donor into target and sets target.label = 1 (if kind != kNone).
void apply_pseudo_fake(const PseudoFakeEdit& edit, const WindowGeometry& geometry, WindowSample& target,
                       const WindowSample& donor);

}  // namespace avlens::train
