#include "face_tracker.hpp"

#include <algorithm>
#include <cmath>

#include "avlens/error.hpp"
#include "picture.hpp"

namespace avlens {
namespace {

double iou(const FaceBox& a, const FaceBox& b) {
  const double x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const double x1 = std::min(a.x + a.w, b.x + b.w), y1 = std::min(a.y + a.h, b.y + b.h);
  const double inter = std::max(0.0, x1 - x0) * std::max(0.0, y1 - y0);
  const double uni = static_cast<double>(a.w) * a.h + static_cast<double>(b.w) * b.h - inter;
  return uni > 0 ? inter / uni : 0;
}

FaceBox lerp(const FaceBox& a, const FaceBox& b, double t) {
  auto mix = [t](float u, float v) { return static_cast<float>(u + (v - u) * t); };
  return {mix(a.x, b.x), mix(a.y, b.y), mix(a.w, b.w), mix(a.h, b.h)};
}

// A box in a picture scaled down by the decoder, in the source frame's pixels (exactly the box
// itself when the picture was not scaled).
FaceBox to_source(const FaceBox& b, double scale) {
  if (scale == 1.0) return b;
  return {static_cast<float>(b.x * scale), static_cast<float>(b.y * scale), static_cast<float>(b.w * scale),
          static_cast<float>(b.h * scale)};
}

float median(std::vector<float>& v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

// The detection that overlaps `face` most, if any overlaps it at all (IoU > 0.1).
std::optional<FaceBox> overlapping(const std::vector<Detection>& dets, const FaceBox& face) {
  double best = 0.1;
  std::optional<FaceBox> pick;
  for (const auto& d : dets) {
    const double o = iou(d.box, face);
    if (o > best) best = o, pick = d.box;
  }
  return pick;
}

}  // namespace

FaceTracker::FaceTracker(const FaceTrackerOptions& options, const WindowGeometry& geometry, DetectFn detect,
                         int anchor_every)
    : opt_(options),
      out_w_(geometry.width),
      out_h_(geometry.height),
      crop_scale_(geometry.crop_scale),
      crop_shift_down_(geometry.crop_shift_down),
      anchor_every_(anchor_every),
      detect_(std::move(detect)) {
  const double fps = geometry.fps;
  if (opt_.detect_every < 1) throw Error(ErrorCode::kInvalidArgument, "face.detect_every must be >= 1");
  if (opt_.median_frames < 1 || opt_.median_frames % 2 == 0)
    throw Error(ErrorCode::kInvalidArgument, "face.median_frames must be odd and >= 1");
  if (anchor_every_ < 0) throw Error(ErrorCode::kInvalidArgument, "face tracker: anchor_every must be >= 0");
  geometry.validate();  // the crop's ranges among the rest, one check for every user of a geometry
  half_ = opt_.median_frames / 2;
  max_gap_frames_ = std::max(opt_.detect_every, static_cast<int>(std::lround(opt_.max_gap_seconds * fps)));
}

std::optional<FaceBox> FaceTracker::choose(const std::vector<Detection>& dets, int index) const {
  if (dets.empty()) return std::nullopt;
  // Follow the face we have been following; another face appearing does not steal the track.
  if (is_tracking(index)) return overlapping(dets, last_det_box_);
  // (Re)acquire: the dominant face is the largest one.
  const Detection* largest = &dets.front();
  for (const auto& d : dets)
    if (d.box.w * d.box.h > largest->box.w * largest->box.h) largest = &d;
  return largest->box;
}

// A face was detected recently enough (within max_gap_seconds) to be followed at `index`.
bool FaceTracker::is_tracking(int index) const {
  return last_det_index_ >= 0 && index - last_det_index_ <= max_gap_frames_;
}

int FaceTracker::anchor_before(int index) const { return anchor_every_ > 0 ? index - index % anchor_every_ : 0; }

// Without anchors every detect_every-th frame. With them, keyframes are spread evenly over each
// anchor's period, at most detect_every apart (8 frames, every 5: frames 0 and 4, not 0 and 5 then 3).
bool FaceTracker::is_keyframe(int index) const {
  if (anchor_every_ == 0) return index % opt_.detect_every == 0;
  const int period = anchor_every_, offset = index - anchor_before(index);
  const int per_period = (period + opt_.detect_every - 1) / opt_.detect_every;
  const int k = (offset * per_period + period - 1) / period;  // the first keyframe at or after offset
  return k * period / per_period == offset;
}

// The detection a keyframe contributes to the track, if any.
std::optional<FaceBox> FaceTracker::detect_at(const PictureView& frame, int index) {
  const bool tracking = is_tracking(index);
  const bool anchor = anchor_every_ > 0 && index % anchor_every_ == 0;
  std::optional<FaceBox> found;
  if (tracking && !anchor) {
    found = choose(detect_(frame, &last_det_box_, 0), index);
  } else {
    // The whole frame: to find a face, or at an anchor, so that the box, and the track after it,
    // do not depend on the boxes before (a search near the last box places its grid by that box).
    found = choose(detect_(frame, nullptr, tracking ? 0 : searches_), index);
    if (found && anchor_every_ > 0) {
      // Measured as every other keyframe is, by a search near it (placed by this frame alone): the
      // whole frame's box is coarser where the face is small in it.
      if (const auto near = overlapping(detect_(frame, &*found, 0), *found)) found = near;
    } else if (!found && tracking) {
      found = choose(detect_(frame, &last_det_box_, 0), index);  // a face too small for the whole frame
    }
  }
  searches_ = (tracking || found) ? 0 : searches_ + 1;
  return found;
}

const FaceTracker::RawBox* FaceTracker::raw(int index) const {
  const int k = index - raw_base_;
  if (k < 0 || k >= static_cast<int>(raw_.size())) return nullptr;
  return &raw_[k];
}

// Decides the raw boxes of every frame up to last_index, now that the detector has run on
// last_index (detection_at_last) or the clip has ended (last_index = final frame, no detection).
void FaceTracker::decide_raw_until(int last_index, std::optional<FaceBox> detection_at_last, bool at_end) {
  const int first = raw_base_ + static_cast<int>(raw_.size());
  for (int j = first; j <= last_index; ++j) {
    RawBox r;
    const bool has_prev = last_det_index_ >= 0;
    if (j == last_index && detection_at_last) {
      r.box = detection_at_last;
      r.found = true;
    } else if (has_prev && detection_at_last && last_index - last_det_index_ <= max_gap_frames_) {
      r.box = lerp(last_det_box_, *detection_at_last,
                   static_cast<double>(j - last_det_index_) / (last_index - last_det_index_));
      r.found = last_index - last_det_index_ <= opt_.detect_every;
    } else if (has_prev && j - last_det_index_ <= max_gap_frames_) {
      r.box = last_det_box_;
      // The clip's last frames after its last keyframe: that detection still speaks for them.
      r.found = at_end && j - last_det_index_ < opt_.detect_every;
    } else if (detection_at_last && last_index - j <= max_gap_frames_) {
      r.box = detection_at_last;
      // The frames just before the first detection (within one keyframe interval; the keyframe
      // before them missed, e.g. a small face found only by the next, zoomed search): that
      // detection speaks for them, as the last one does for the clip's last frames.
      r.found = last_index - j < opt_.detect_every;
    }
    raw_.push_back(r);
  }
  if (detection_at_last) {
    last_det_index_ = last_index;
    last_det_box_ = *detection_at_last;
  }
}

void FaceTracker::add(int index, std::shared_ptr<const Picture> picture, double source_scale) {
  if (index != next_index_)
    throw Error(ErrorCode::kInternal, "face tracker: frame " + std::to_string(index) + " out of order");
  ++next_index_;
  const PictureView& frame = picture->view();
  const int width = frame.width, height = frame.height;
  if (opt_.whole_frame) {
    TrackedFrame out;
    out.index = index;
    out.face_found = true;
    out.crop_box = to_source({0.f, 0.f, static_cast<float>(width), static_cast<float>(height)}, source_scale);
    out.crop.resize(static_cast<size_t>(out_w_) * out_h_ * 3);
    crop_to_rgb(frame, 0, 0, width, height, out_w_, out_h_, out.crop.data(), 0);
    done_.push_back(std::move(out));
    return;
  }
  pending_.push_back({index, std::move(picture), source_scale});
  if (is_keyframe(index)) {
    decide_raw_until(index, detect_at(pending_.back().picture->view(), index), false);
    finalize_ready(false);
  }
}

void FaceTracker::finish() {
  if (!pending_.empty()) decide_raw_until(pending_.back().index, std::nullopt, true);
  finalize_ready(true);
}

void FaceTracker::finalize_ready(bool flush) {
  const int decided_until = raw_base_ + static_cast<int>(raw_.size()) - 1;
  while (!pending_.empty()) {
    Pending& f = pending_.front();
    const int fw = f.picture->width(), fh = f.picture->height();
    if (!flush && f.index + half_ > decided_until) break;
    // Median of the raw boxes around f (centre and side separately), none before f's anchor.
    std::vector<float> cx, cy, side;
    for (int j = std::max(f.index - half_, anchor_before(f.index)); j <= f.index + half_; ++j) {
      const RawBox* r = raw(j);
      if (r && r->box) {
        const FaceBox* b = &*r->box;
        cx.push_back(b->x + b->w / 2);
        cy.push_back(b->y + b->h / 2);
        side.push_back(std::max(b->w, b->h));  // the reference's square: the box's larger side
      }
    }
    FaceBox smoothed;
    if (!side.empty()) {
      const float s = median(side);
      smoothed = {median(cx) - s / 2, median(cy) - s / 2, s, s};
      last_smoothed_ = smoothed;
    } else if (last_smoothed_) {
      smoothed = *last_smoothed_;
    } else {  // no face seen yet: the centred square, so the window still has pixels
      const float s = static_cast<float>(std::min(fw, fh) / crop_scale_);
      smoothed = {(fw - s) / 2, (fh - s) / 2, s, s};
    }
    TrackedFrame out;
    out.index = f.index;
    const RawBox* own = raw(f.index);
    out.face_found = own && own->found;
    // The geometry's crop: crop_scale x the box side, centred crop_shift_down sides below the box's
    // centre (the reference's 1.4 and 0.2: more mouth and chin, less forehead), grey where it leaves
    // the frame.
    const double cw = smoothed.w * crop_scale_;
    const double ch = cw * out_h_ / out_w_;
    const double x0 = smoothed.x + smoothed.w / 2.0 - cw / 2;
    const double y0 = smoothed.y + smoothed.h / 2.0 + crop_shift_down_ * smoothed.h - ch / 2;
    out.crop_box = to_source(
        {static_cast<float>(x0), static_cast<float>(y0), static_cast<float>(cw), static_cast<float>(ch)}, f.source_scale);
    out.crop.resize(static_cast<size_t>(out_w_) * out_h_ * 3);
    crop_to_rgb(f.picture->view(), x0, y0, cw, ch, out_w_, out_h_, out.crop.data(), opt_.pad_value);
    done_.push_back(std::move(out));
    pending_.pop_front();
  }
  // Raw boxes older than the median's reach are no longer needed.
  const int keep_from = (pending_.empty() ? decided_until + 1 : pending_.front().index) - half_;
  while (!raw_.empty() && raw_base_ < keep_from) {
    raw_.pop_front();
    ++raw_base_;
  }
}

bool FaceTracker::pop(TrackedFrame& out) {
  if (done_.empty()) return false;
  out = std::move(done_.front());
  done_.pop_front();
  return true;
}

}  // namespace avlens
