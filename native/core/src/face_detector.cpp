#include "face_detector.hpp"

#include <dlib/image_processing/frontal_face_detector.h>

#include <algorithm>
#include <cmath>

#include "image_resample.hpp"

namespace avlens {

struct FaceDetector::Impl {
  dlib::frontal_face_detector detector;
  int max_side;
  std::vector<uint8_t> gray, small;
};

namespace {
// Deserialising the detector costs ~0.1 s; do it once and copy.
const dlib::frontal_face_detector& prototype_detector() {
  static const dlib::frontal_face_detector proto = dlib::get_frontal_face_detector();
  return proto;
}
}  // namespace

FaceDetector::FaceDetector(int max_side) : impl_(new Impl{prototype_detector(), std::max(80, max_side), {}, {}}) {}
FaceDetector::~FaceDetector() = default;

std::vector<Detection> FaceDetector::detect(const uint8_t* rgb, int width, int height) {
  const double scale = std::min(1.0, static_cast<double>(impl_->max_side) / std::max(width, height));
  const int sw = std::max(1, static_cast<int>(std::lround(width * scale)));
  const int sh = std::max(1, static_cast<int>(std::lround(height * scale)));
  impl_->gray.resize(static_cast<size_t>(width) * height);
  rgb_to_gray(rgb, width, height, width * 3, impl_->gray.data());
  dlib::array2d<unsigned char> img(sh, sw);
  if (sw == width && sh == height) {
    for (int y = 0; y < sh; ++y) std::copy_n(&impl_->gray[static_cast<size_t>(y) * width], sw, &img[y][0]);
  } else {
    impl_->small.resize(static_cast<size_t>(sw) * sh);
    resample_region(impl_->gray.data(), width, height, width, 1, 0, 0, width, height, sw, sh, impl_->small.data());
    for (int y = 0; y < sh; ++y) std::copy_n(&impl_->small[static_cast<size_t>(y) * sw], sw, &img[y][0]);
  }
  std::vector<dlib::rect_detection> found;
  impl_->detector(img, found, 0.0);
  std::vector<Detection> out;
  const double inv = 1.0 / scale;
  for (const auto& d : found) {
    Detection det;
    det.box.x = static_cast<float>(d.rect.left() * inv);
    det.box.y = static_cast<float>(d.rect.top() * inv);
    det.box.w = static_cast<float>((d.rect.right() - d.rect.left() + 1) * inv);
    det.box.h = static_cast<float>((d.rect.bottom() - d.rect.top() + 1) * inv);
    det.score = d.detection_confidence;
    out.push_back(det);
  }
  return out;
}

}  // namespace avlens
