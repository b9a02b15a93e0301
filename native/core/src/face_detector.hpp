// dlib's frontal HOG face detector (its weights are inside dlib's header) on a downscaled
// grayscale copy of the frame.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "avlens/windows.hpp"

namespace avlens {

struct Detection {
  FaceBox box;  // source pixels
  double score = 0;
};

class FaceDetector {
 public:
  explicit FaceDetector(int max_side);
  ~FaceDetector();
  std::vector<Detection> detect(const uint8_t* rgb, int width, int height);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace avlens
