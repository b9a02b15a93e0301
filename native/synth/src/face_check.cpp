#include "avlens/synth/face_check.hpp"

#include <algorithm>
#include <cstring>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms/interpolation.h>
#include <stdexcept>

#include "avlens/synth/subprocess.hpp"

namespace avlens::synth {

bool detect_face(const uint8_t* rgb, int width, int height, int max_side) {
  // The detector keeps scratch buffers: one per thread.
  thread_local dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  dlib::array2d<dlib::rgb_pixel> img(height, width);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const uint8_t* p = rgb + (static_cast<size_t>(y) * width + x) * 3;
      img[y][x] = dlib::rgb_pixel(p[0], p[1], p[2]);
    }
  const int longer = std::max(width, height);
  if (longer > max_side) {
    const double f = static_cast<double>(max_side) / longer;
    dlib::array2d<dlib::rgb_pixel> small(std::max(1L, std::lround(height * f)), std::max(1L, std::lround(width * f)));
    dlib::resize_image(img, small);
    return !detector(small).empty();
  }
  return !detector(img).empty();
}

std::vector<std::vector<uint8_t>> decode_frames(const std::string& mp4, int& width, int& height, int every) {
  if (every < 1) throw std::invalid_argument("decode_frames: every must be >= 1");
  const std::vector<uint8_t> probe = run_capture({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                                  "stream=width,height", "-of", "csv=p=0", mp4});
  const std::string dims(probe.begin(), probe.end());
  if (std::sscanf(dims.c_str(), "%d,%d", &width, &height) != 2 || width <= 0 || height <= 0)
    throw std::runtime_error("cannot read the frame size of " + mp4);
  std::vector<std::string> argv = {"ffmpeg", "-nostdin", "-v", "error", "-threads", "1", "-i", mp4};
  if (every > 1) {
    argv.insert(argv.end(), {"-vf", "select=not(mod(n\\," + std::to_string(every) + "))", "-fps_mode", "passthrough"});
  }
  argv.insert(argv.end(), {"-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"});
  const std::vector<uint8_t> raw = run_capture(argv);
  const size_t frame_bytes = static_cast<size_t>(width) * height * 3;
  std::vector<std::vector<uint8_t>> frames;
  for (size_t at = 0; at + frame_bytes <= raw.size(); at += frame_bytes)
    frames.emplace_back(raw.begin() + static_cast<long>(at), raw.begin() + static_cast<long>(at + frame_bytes));
  return frames;
}

std::vector<float> decode_audio(const std::string& path, int rate) {
  const std::vector<uint8_t> raw = run_capture({"ffmpeg", "-nostdin", "-v", "error", "-i", path, "-vn", "-ac", "1", "-ar",
                                                std::to_string(rate), "-f", "f32le", "pipe:1"});
  std::vector<float> out(raw.size() / sizeof(float));
  std::memcpy(out.data(), raw.data(), out.size() * sizeof(float));
  return out;
}

FaceCheck check_faces(const std::string& mp4, int every, int max_side) {
  int w = 0, h = 0;
  const auto frames = decode_frames(mp4, w, h, every);
  FaceCheck c;
  for (size_t i = 0; i < frames.size(); ++i) {
    ++c.checked;
    if (detect_face(frames[i].data(), w, h, max_side))
      ++c.found;
    else
      c.missed_frames.push_back(static_cast<int>(i) * every);
  }
  return c;
}

}  // namespace avlens::synth
