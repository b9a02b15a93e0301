// Whole-window audio-visual mismatches made from real windows on the fly (docs/TRAINER.md): the
// face with another person's voice, or with its own voice shifted in time by a fraction of a
// second. They teach the link between this face and this voice, which real clips alone and the
// paper's span-swapping pseudo-fakes (pseudo_fake.hpp) teach only locally.
#pragma once
#include <random>

#include "avlens/geometry.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train {

enum class MismatchKind { kNone, kVoiceSwap, kAudioShift };
const char* mismatch_kind_name(MismatchKind k);

struct MismatchOptions {
  double probability = 0.0;     // of turning a real window into a mismatch
  double min_shift = 0.15;      // seconds; the shift's size is uniform in [min_shift, max_shift]
  double max_shift = 0.85;      // and its direction (voice early or late) is a coin flip
  void validate() const;        // throws avlens::Error(kInvalidArgument)
};

struct MismatchEdit {
  MismatchKind kind = MismatchKind::kNone;
  int shift_samples = 0;  // kAudioShift: > 0 the voice comes late (heard after the lips move), < 0 early
};

// Draws the edit for one real window: with the given probability, voice swap or shift, 1:1.
MismatchEdit draw_mismatch(const MismatchOptions& options, const WindowGeometry& geometry, std::mt19937_64& rng);

// The window's audio becomes `donor`'s (a window of another group) and its label fake.
void apply_voice_swap(WindowSample& target, const WindowSample& donor);

// Shifts target's audio by edit.shift_samples, taking the samples that enter from `neighbour`:
// the window before it in the same video when the voice comes late (shift > 0), the one after it
// when early. The raw samples are joined (each window's scaling undone with its audio_low/high), then
// scaled again as the core scales a window; throws avlens::Error when a window lacks its raw range.
void apply_audio_shift(const MismatchEdit& edit, const WindowGeometry& geometry, WindowSample& target,
                       const WindowSample& neighbour);

}  // namespace avlens::train
