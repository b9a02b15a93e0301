#include "frame_rate.hpp"

#include <algorithm>
#include <string>

#include "avlens/error.hpp"

namespace avlens {

void ConstantRateFrames::emit_held_until(double time_limit) {
  while (next_index_ / fps_ < time_limit - 1e-9) {
    emit_(next_index_, held_, held_scale_);
    ++next_index_;
  }
}

void ConstantRateFrames::push(const PictureView& frame, double time, double source_scale) {
  if (has_held_) {
    if (time <= held_time_) time = held_time_ + 1e-6;  // out-of-order or duplicate timestamp: newest wins
    else last_interval_ = time - held_time_;
    // A corrupt timestamp must not make us repeat one picture for hours.
    if (time - held_time_ > kMaxFrameGapSeconds)
      throw Error(ErrorCode::kUnreadable, "its video timestamps jump by " + std::to_string(time - held_time_) +
                                              " s between two frames (corrupt stream?)");
    emit_held_until((held_time_ + time) / 2);
  } else if (time > kMaxFrameGapSeconds) {
    // The first picture would be repeated from time 0 up to here: a frozen frame, for hours.
    throw Error(ErrorCode::kUnreadable, "its first video frame is at " + std::to_string(time) +
                                            " s, more than " + std::to_string(kMaxFrameGapSeconds) +
                                            " s after the clip's start (the audio and video streams do not overlap?)");
  }
  held_scale_ = source_scale;
  held_.reset();  // before the copy: at most one held frame at a time
  held_ = std::make_shared<const Picture>(frame);
  held_time_ = time;
  has_held_ = true;
}

void ConstantRateFrames::finish(double end_time) {
  if (!has_held_) return;
  if (end_time <= held_time_) end_time = held_time_ + (last_interval_ > 0 ? last_interval_ : 1.0 / fps_);
  end_time = std::min(end_time, held_time_ + kMaxFrameGapSeconds);
  emit_held_until(end_time);
  has_held_ = false;
  held_.reset();
}

}  // namespace avlens
