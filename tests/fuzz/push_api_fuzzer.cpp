// libFuzzer target over the window maker's push API (issue 17 item 14), the path the extension feeds
// with frames the browser decoded: frames of any size and any time (negative, NaN, infinite, far
// ahead, backwards), audio of any length and value, finish and pop in any order. It must give
// windows or a typed avlens::Error, never a crash, a hang, unbounded memory or another exception.
//
// The input is a little program: each op is one byte, then its operands (little-endian).
//   0 frame  w, h (1 byte each, 1..48), time (8-byte double), scale (1 byte: 1, or a raw double next)
//   1 frame  w, h, and a time step after the latest frame (1 byte, x / 32 s)
//   2 audio  count (2 bytes, < 4096), samples from the input as floats while it lasts, else a tone
//   3 finish end_time (8-byte double); no push follows a finish
//   4 pop    every finished window
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "avlens/windows.hpp"

namespace {

struct Input {
  const uint8_t* data;
  size_t size, at = 0;
  bool empty() const { return at >= size; }
  uint8_t byte() { return at < size ? data[at++] : 0; }
  template <typename T>
  T raw() {
    T value{};
    uint8_t bytes[sizeof(T)] = {};
    for (auto& b : bytes) b = byte();
    std::memcpy(&value, bytes, sizeof(T));
    return value;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in{data, size};
  const uint8_t setup = in.byte();
  avlens::WindowMakerOptions options;
  options.geometry = avlens::WindowGeometry::preset("tiny");
  options.geometry.audio_norm = static_cast<avlens::AudioNorm>(setup % 3);
  // Random pixels rarely hold a face, and searching for one costs ~0.2 s of CPU a frame under ASan:
  // three inputs in four take whole frames (which makes windows), the fourth tracks.
  options.face.whole_frame = (setup & 0x0c) != 0;
  options.face.detect_every = 8 + (setup >> 3) % 8;  // HOG on small frames (upscaled) is slow under ASan
  options.face.detect_max_side = 80;  // the detector's smallest
  options.stride_frames = (setup >> 6) % 4;  // 0 = non-overlapping, else overlapping windows
  try {
    avlens::WindowMaker maker(options);
    double latest = 0;
    std::vector<uint8_t> rgb;
    std::vector<float> audio;
    avlens::Window window;
    // The work of one input: a frame may follow the previous one by up to the core's 60 s gap, which
    // makes it track 480 repeated pictures at 8 fps; stop once 2000 have been made. Searching for a
    // face that is not there is slow (above), so with tracking, 16 frames (2 windows).
    const int max_frames = options.face.whole_frame ? 2000 : 16;
    for (int op = 0; op < 512 && !in.empty() && maker.report().frames < max_frames; ++op) {
      switch (in.byte() % 5) {
        case 0:
        case 1: {
          const bool absolute = in.data[in.at - 1] % 5 == 0;
          const int w = 1 + in.byte() % 48, h = 1 + in.byte() % 48;
          double time, scale = 1.0;
          if (absolute) {
            time = in.raw<double>();
            if (in.byte() & 1) scale = in.raw<double>();
          } else {
            time = latest + in.byte() / 32.0;
          }
          const int stride = w * 3 + 1;  // rows are not packed
          rgb.resize(static_cast<size_t>(stride) * h);
          for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(in.data[(in.at + i) % size] + i / 7);
          maker.push_frame(rgb.data(), w, h, stride, time, scale);
          if (std::isfinite(time)) latest = time;
          break;
        }
        case 2: {
          const size_t count = in.raw<uint16_t>() % 4096;
          audio.resize(count);
          for (size_t i = 0; i < count; ++i)
            audio[i] = in.size - in.at >= 4 ? in.raw<float>() : static_cast<float>(std::sin(i * 0.1));
          maker.push_audio(audio.data(), audio.size());
          break;
        }
        case 3:
          maker.finish(in.raw<double>());
          while (maker.pop(window)) {
          }
          return 0;
        default:
          while (maker.pop(window)) {
          }
      }
    }
    maker.finish();
    while (maker.pop(window)) {
    }
  } catch (const avlens::Error&) {
  }
  return 0;
}
