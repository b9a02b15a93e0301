// Capture jitter (docs/TRAINER.md): each training window is seen as if another camera and microphone
// had recorded it, and the face tracker had framed it a little differently. The real-face runs learn
// their ~100 people's clips by heart after about 30 epochs (docs/MODEL_CARD.md, realface-3), and
// held-out clips come from other cameras, encoders and rooms; what tells a voice that fits its face
// from one that does not survives all of these changes. A window and its twin get the same draw, so
// the twin still differs only in how sound and picture relate.
#pragma once
#include <array>
#include <cstdint>
#include <random>

#include "avlens/geometry.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train {

struct CaptureJitter {
  // Framing: the crop shows the central 1 / zoom of the window's crop, moved by shift_x, shift_y
  // (fractions of its side; |shift| <= (1 - 1 / zoom) / 2, so it stays inside), as another start of
  // the face tracker's detections frames the same face (docs/EXTENSION.md: up to 0.1 on a window).
  float zoom = 1;
  float shift_x = 0, shift_y = 0;
  float brightness = 0;                    // added to every channel, in 0..255 levels
  float contrast = 1;                      // scales the distance from the window's mean level
  std::array<float, 3> channel_gain{1, 1, 1};  // white balance: R, G, B multipliers
  bool blur = false;                       // a 3 x 3 box blur of every frame (a softer lens or encoder)
  float noise_snr_db = 0;                  // > 0: white noise this far below the voice's RMS; 0 = none
  uint64_t noise_seed = 0;
};

// Ranges: zoom 1..1.15 with the shift anywhere that keeps the crop inside, brightness +-20,
// contrast 0.8..1.25, channel gains 0.9..1.1, blur with probability 0.25, noise with probability
// 0.5 at 10..40 dB SNR.
CaptureJitter draw_capture_jitter(std::mt19937_64& rng);

// Applies `j` to the window's crops and audio in place; the audio stays within [-1, 1]. Throws
// avlens::Error(kInvalidArgument) when the sample's sizes do not match the geometry.
void apply_capture_jitter(const CaptureJitter& j, const WindowGeometry& g, WindowSample& sample);

}  // namespace avlens::train
