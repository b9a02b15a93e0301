// Variable -> constant frame rate by timestamps: output frame k (time k/fps) shows the input
// frame nearest to it (as FFmpeg's fps filter does), so VFR clips and 25/60 fps clips all become
// the model's rate without drifting against the audio.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "picture.hpp"
#include "stream_limits.hpp"

namespace avlens {

class ConstantRateFrames {
 public:
  static constexpr double kMaxFrameGapSeconds = kMaxStreamGapSeconds;
  // A copy of the pushed frame, shared (not copied) when one input frame fills several outputs.
  using Shared = std::shared_ptr<const Picture>;
  // emit(index, picture, source_scale): called once per output frame, in order; source_scale is
  // the one pushed with the picture (source pixels per pixel of it).
  using Emit = std::function<void(int, const Shared&, double)>;
  ConstantRateFrames(double fps, Emit emit) : fps_(fps), emit_(std::move(emit)) {}

  // The first frame is shown from time 0: it may start at most kMaxFrameGapSeconds in.
  void push(const PictureView& frame, double time, double source_scale = 1.0);
  // end_time is capped at kMaxFrameGapSeconds after the last frame.
  void finish(double end_time);
  int emitted() const { return next_index_; }

 private:
  void emit_held_until(double time_limit);
  double fps_;
  Emit emit_;
  Shared held_;  // the last input frame
  double held_scale_ = 1.0;
  double held_time_ = 0, last_interval_ = 0;
  bool has_held_ = false;
  int next_index_ = 0;
};

}  // namespace avlens
