// How the rendered actor moves: the mouth driven by speech, head motion, blinks and gaze.
#pragma once
#include <vector>

#include "avlens/synth/face_renderer.hpp"
#include "avlens/synth/random.hpp"

namespace avlens::synth {

struct MouthShape {
  float open = 0;   // 0 .. 1
  float round = 0;  // -1 spread .. 1 rounded
};

// The mouth that says `speech` (48 kHz, clean speech of the person on the clip's timeline;
// sample `t0_sample` is the clip's time 0, so samples before it may exist). Frame k shows the
// speech around time k / fps - lag_seconds: opening follows the energy envelope (attack faster
// than release, so the mouth trails the sound by about a frame), fricatives narrow it, the
// spectral balance of voiced sound rounds or spreads it.
std::vector<MouthShape> mouth_from_speech(const std::vector<float>& speech, long t0_sample, int frames, double fps,
                                          double lag_seconds);

// A smooth random head trajectory around a rest pose (sums of slow sinusoids per degree of
// freedom), with a small nod that follows the speaker's own mouth opening.
struct MotionRange {
  float yaw = 0.12f, pitch = 0.06f, roll = 0.05f;  // radians, peak
  float shift = 0.15f;                              // peak translation, head half-widths
  float zoom = 0.03f;                               // peak relative scale change
};
std::vector<FramePose> head_motion(const FramePose& rest, const MotionRange& range, int frames, double fps,
                                   const std::vector<MouthShape>& mouth, Rng& rng);

// Blinks (every 2-6 s, ~0.2 s each), gentle brow movement with speech and small gaze shifts;
// the mouth fields are set from `mouth` (a fake may later replace them over a span).
std::vector<Expression> expressions(const std::vector<MouthShape>& mouth, int frames, double fps, Rng& rng);

}  // namespace avlens::synth
