// Windows cut from the clip around them, at any frame and with the voice at any sample: temporal
// jitter (a window that starts between two cached ones, so a small corpus offers T times as many
// distinct windows) and the shifted-voice fake (docs/METHOD.md §3) are the same operation, one with
// the voice where it was, the other with it moved.
#pragma once
#include <cstdint>
#include <vector>

#include "avlens/geometry.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train {

// Contiguous windows of one clip joined end to end, their audio's per-window scaling undone.
class ClipStretch {
 public:
  explicit ClipStretch(const WindowGeometry& g) : g_(g) {}
  // Appends the clip's next window. Throws avlens::Error(kInvalidArgument) when its sizes do not
  // match the geometry or it lacks its raw audio range (a cache made by an older avlens).
  void append(const WindowSample& w);
  int frames() const { return static_cast<int>(crops_.size() / frame_bytes()); }
  int samples() const { return static_cast<int>(raw_audio_.size()); }
  // The window whose first frame is `frame` and whose audio starts at sample `sample` of the
  // stretch (both a whole window inside it), its audio scaled as the core scales a window
  // (kMinMaxClip: the clip range of the window the cut starts in). Throws when it does not fit.
  WindowSample cut(int frame, int sample, int label) const;

 private:
  size_t frame_bytes() const { return static_cast<size_t>(g_.height) * g_.width * 3; }
  WindowGeometry g_;
  std::vector<uint8_t> crops_;
  std::vector<float> raw_audio_;
  std::vector<float> lows_, highs_;  // each appended window's raw range (kMinMaxClip scales by it)
};

struct WindowCut {
  int frame_offset = 0;   // the window starts this many frames after the cached window (< 0: before)
  int voice_delay = 0;    // samples: > 0 the voice comes late (heard after the lips move), < 0 early
};

// The cached window `window` of `source` moved by cut.frame_offset frames with its voice delayed
// by cut.voice_delay samples, cut from it and its contiguous neighbours (one on each side). The
// frame offset is reduced towards 0 where the neighbours do not reach; returns false (and leaves
// `out` alone) when the delay cannot be made even then. The label is the window's own without a
// delay, else 1 (fake).
bool cut_window(const WindowSource& source, size_t window, WindowCut cut, WindowSample& out);

// Mirrors every frame left to right (a face and its voice still belong together).
void mirror_crops(std::vector<uint8_t>& crops, const WindowGeometry& g);

}  // namespace avlens::train
