#include "face_detector.hpp"

#include <dlib/image_processing/frontal_face_detector.h>

#include <algorithm>
#include <cmath>


namespace avlens {

struct FaceDetector::Impl {
  dlib::frontal_face_detector detector;
  int max_side;
};

namespace {
// Deserialising the detector costs ~0.3 s; do it once per process and copy.
const dlib::frontal_face_detector& prototype_detector() {
  static const dlib::frontal_face_detector proto = dlib::get_frontal_face_detector();
  return proto;
}
}  // namespace

FaceDetector::FaceDetector(int max_side) : impl_(new Impl{prototype_detector(), std::max(80, max_side)}) {}
FaceDetector::~FaceDetector() = default;

std::vector<Detection> FaceDetector::detect_region(const PictureView& frame, double x0, double y0, double side_w,
                                                   double side_h, int out_w, int out_h) {
  dlib::array2d<unsigned char> img(out_h, out_w);
  crop_to_gray(frame, x0, y0, side_w, side_h, out_w, out_h, &img[0][0]);
  std::vector<dlib::rect_detection> found;
  impl_->detector(img, found, 0.0);
  std::vector<Detection> out;
  const double sx = side_w / out_w, sy = side_h / out_h;
  for (const auto& d : found) {
    Detection det;
    det.box.x = static_cast<float>(x0 + d.rect.left() * sx);
    det.box.y = static_cast<float>(y0 + d.rect.top() * sy);
    det.box.w = static_cast<float>((d.rect.right() - d.rect.left() + 1) * sx);
    det.box.h = static_cast<float>((d.rect.bottom() - d.rect.top() + 1) * sy);
    det.score = d.detection_confidence;
    out.push_back(det);
  }
  return out;
}

std::vector<Detection> FaceDetector::detect(const PictureView& frame, double zoom) {
  const int width = frame.width, height = frame.height;
  // zoom 1: downscale only. zoom > 1: the longer side becomes zoom x max_side, upscaling small
  // frames too, since the HOG detector misses faces under ~80 px (a 256 x 144 clip's face is ~30).
  const double longer = std::max(width, height);
  const double scale = zoom > 1.0 ? zoom * impl_->max_side / longer : std::min(1.0, impl_->max_side / longer);
  const int sw = std::max(1, static_cast<int>(std::lround(width * scale)));
  const int sh = std::max(1, static_cast<int>(std::lround(height * scale)));
  return detect_region(frame, 0, 0, width, height, sw, sh);
}

std::vector<Detection> FaceDetector::detect_near(const PictureView& frame, const FaceBox& near) {
  const double face = std::max(8.0f, (near.w + near.h) / 2);
  const double side = face * kRegionScale;
  const double cx = near.x + near.w / 2.0, cy = near.y + near.h / 2.0;
  const int out = static_cast<int>(std::lround(kRegionFacePixels * kRegionScale));
  std::vector<Detection> found = detect_region(frame, cx - side / 2, cy - side / 2, side, side, out, out);
  if (!found.empty()) return found;
  return detect(frame);
}

}  // namespace avlens
