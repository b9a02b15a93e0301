// Streaming face track: detections every k-th frame, boxes interpolated (or held) between them,
// a median filter over the track, crops around the face (the geometry's) resized to the model's size. Frames are
// released as soon as their smoothed box is known, so at most ~k + median/2 frames are held.
// Anchors (every window start, when windows are at least k frames apart) make the track
// independent of where reading began: see FaceTracker's constructor.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "avlens/windows.hpp"
#include "face_detector.hpp"
#include "picture.hpp"

namespace avlens {

struct TrackedFrame {
  int index = 0;
  std::vector<uint8_t> crop;  // out_h x out_w x 3
  FaceBox crop_box;           // region of the source frame the crop shows, in source pixels
  bool face_found = false;    // detected, or interpolated between detections on consecutive keyframes,
                              // or within one keyframe interval before the first detection or after
                              // the clip's last one; frames whose box is only held across a gap
                              // count as without a face
};

class FaceTracker {
 public:
  // Detects faces in a frame. `near`: the tracked face, when there is one, to search around.
  // `searches`: how many keyframes in a row have been searched without a track (0, 1, 2, ...),
  // so the detector can vary its effort while it looks for a face.
  using DetectFn = std::function<std::vector<Detection>(const PictureView&, const FaceBox* near, int searches)>;
  // The window geometry gives the frame rate, the crop's size in pixels (width x height) and its
  // place around the face (crop_scale, crop_shift_down).
  // anchor_every (frames; 0 = none): every anchor_every-th frame is an anchor. There the tracked
  // face is looked for in the whole frame, not near the last box; keyframes are spread evenly
  // between anchors; and the median filter does not reach back past an anchor. A window that
  // starts on an anchor then gets the same boxes whether reading began there or earlier
  // (docs/METHOD.md §1, "Anchors"), except where the whole-frame search misses a tracked face
  // (faces too small for it: the search near the last box stands in).
  FaceTracker(const FaceTrackerOptions& options, const WindowGeometry& geometry, DetectFn detect,
              int anchor_every = 0);

  // Frames must arrive with consecutive indices starting at 0. source_scale: source pixels per
  // pixel of `picture` (a frame the decoder scaled down): tracking works on the picture as given,
  // the crop boxes it reports are multiplied back to source pixels.
  void add(int index, std::shared_ptr<const Picture> picture, double source_scale = 1.0);
  void finish();
  bool pop(TrackedFrame& out);

 private:
  struct RawBox {
    std::optional<FaceBox> box;  // detected, interpolated or held
    bool found = false;          // see TrackedFrame::face_found
  };
  struct Pending {
    int index;
    std::shared_ptr<const Picture> picture;
    double source_scale;
  };
  std::optional<FaceBox> choose(const std::vector<Detection>& dets, int index) const;
  std::optional<FaceBox> detect_at(const PictureView& frame, int index);
  bool is_tracking(int index) const;
  bool is_keyframe(int index) const;
  int anchor_before(int index) const;  // the last anchor at or before index (0 without anchors)
  void decide_raw_until(int last_index, std::optional<FaceBox> detection_at_last, bool at_end);
  void finalize_ready(bool flush);
  const RawBox* raw(int index) const;

  FaceTrackerOptions opt_;
  int out_w_, out_h_, half_, max_gap_frames_, anchor_every_;
  double crop_scale_, crop_shift_down_;
  DetectFn detect_;
  std::deque<Pending> pending_;
  std::deque<RawBox> raw_;  // raw boxes of frames [raw_base_, raw_base_ + size)
  int raw_base_ = 0;
  int next_index_ = 0;
  int searches_ = 0;  // keyframes in a row without a track
  int last_det_index_ = -1;
  FaceBox last_det_box_;
  std::optional<FaceBox> last_smoothed_;
  std::deque<TrackedFrame> done_;
};

}  // namespace avlens
