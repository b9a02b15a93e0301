// FFmpeg demuxing and decoding from a file or a MediaInput (custom AVIO): video frames (rotation
// applied) with presentation times, audio as mono float32 at the model's rate (libswresample), both
// on one timeline starting at the container's start. Video frames stay in 8-bit planar YUV, as
// most decoders give them (no conversion at all); other YUV layouts are converted to 4:2:0 and RGB
// layouts to packed RGB24, by swscale. Frames larger than Options::max_frame_side are downscaled in
// that swscale pass, so what the core holds per frame does not grow with the source resolution.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "avlens/media_input.hpp"
#include "avlens/windows.hpp"
#include "picture.hpp"

namespace avlens {

struct MediaSource {
  std::string path;                    // a file, or
  std::shared_ptr<MediaInput> input;   // bytes read at offsets (a memory buffer, a browser File)
  std::string name;                    // for messages (the path, or a file name)
};

class MediaDecoder {
 public:
  struct Options {
    int sample_rate = 48000;
    bool decode_video = true;
    bool decode_audio = true;
    int threads = 1;  // decoder threads; 1 keeps the core single-threaded and reproducible
    // A frame whose longer side exceeds this is delivered scaled down to it (aspect kept); 0: never.
    int max_frame_side = 0;
  };
  // source_scale: source pixels per delivered pixel (1, or > 1 for a downscaled frame), so
  // coordinates found in the delivered picture can be given back in source pixels.
  using VideoFn = std::function<void(const PictureView& frame, double time, double source_scale)>;
  using AudioFn = std::function<void(const float* samples, size_t count)>;

  // Throws avlens::Error: kFileNotFound, kUnreadable, kNoVideoStream, kNoAudioStream, kUnsupportedCodec.
  // An input whose read fails (a File changed or deleted while it is read) is kUnreadable, with the
  // input's reason, here or from step().
  MediaDecoder(const MediaSource& source, const Options& options);
  ~MediaDecoder();

  const MediaInfo& info() const;
  // Reads and decodes one packet, calling the callbacks for what it yields. Returns false once
  // the stream has ended and the decoders are flushed. Throws kUnreadable for a truncated stream.
  bool step(const VideoFn& on_video, const AudioFn& on_audio);
  // Presentation time (s) where the last decoded video frame ends.
  double video_end() const;
  // Seconds of the clip read so far (for progress).
  double position() const;
  // Packets and frames the decoders rejected and skipped so far (damaged data).
  int decode_errors() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace avlens
