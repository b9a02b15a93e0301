// dlib's frontal HOG face detector (its weights are inside dlib's header). Full frames are
// downscaled so their longer side is at most max_side; when a face is being tracked, only the
// region around it is searched, scaled so the face is ~kRegionFacePixels wide, which is both
// faster and finds faces too small for the full-frame pass (dlib needs faces of >= 80 px).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "avlens/windows.hpp"
#include "picture.hpp"

namespace avlens {

struct Detection {
  FaceBox box;  // source pixels
  double score = 0;
};

class FaceDetector {
 public:
  static constexpr double kRegionFacePixels = 110;  // face size in the region search
  static constexpr double kRegionScale = 2.2;       // region side / face side
  static constexpr double kMinFacePixels = 80;      // dlib's HOG window: smaller faces are not found
  static constexpr double kSearchZoom = 2.0;        // the zoom of every other search while no face is tracked

  explicit FaceDetector(int max_side);
  ~FaceDetector();
  // Searches the whole frame scaled so that its longer side is at most max_side (zoom 1), or exactly
  // zoom x max_side (zoom > 1: small frames are upscaled; finds faces zoom times smaller, at zoom^2
  // the cost).
  std::vector<Detection> detect(const PictureView& frame, double zoom = 1.0);
  // Searches around `near` first; the whole frame when nothing is found there.
  std::vector<Detection> detect_near(const PictureView& frame, const FaceBox& near);

 private:
  // The detector sees grey at its own small size, made straight from the frame (the luma plane of
  // a YUV frame): no full-resolution RGB is needed.
  std::vector<Detection> detect_region(const PictureView& frame, double x0, double y0, double side_w, double side_h,
                                       int out_w, int out_h);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace avlens
