// Checks that a synthetic face is found the way the native core looks for faces: dlib's frontal
// HOG detector on frames downscaled so that the longer side is at most 640 px, no upsampling,
// every k-th frame. Used by the tests and by `avlens synth --check-faces`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace avlens::synth {

struct FaceCheck {
  int checked = 0;                 // frames run through the detector
  int found = 0;                   // frames with at least one face
  std::vector<int> missed_frames;  // frame indices without a face
  double rate() const { return checked ? static_cast<double>(found) / checked : 0.0; }
};

// True when the detector finds a face in one RGB24 frame.
bool detect_face(const uint8_t* rgb, int width, int height, int max_side = 640);

// Decodes `mp4` (ffmpeg CLI) and runs the detector on frames 0, every, 2*every, ...
FaceCheck check_faces(const std::string& mp4, int every = 5, int max_side = 640);

// The decoded frames of a video as RGB24 (ffmpeg CLI), with its size; for tests and checks.
std::vector<std::vector<uint8_t>> decode_frames(const std::string& mp4, int& width, int& height, int every = 1);
// The decoded audio of a file as mono float at `rate` (ffmpeg CLI).
std::vector<float> decode_audio(const std::string& path, int rate = 48000);

}  // namespace avlens::synth
