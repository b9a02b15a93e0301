#include <algorithm>

#include "avlens/windows.hpp"
#include "media_decoder.hpp"

namespace avlens {

struct ClipWindowReader::Impl {
  MediaSource source;
  WindowMakerOptions options;
  std::unique_ptr<MediaDecoder> decoder;
  std::unique_ptr<WindowMaker> maker;
  ClipReport report;  // the maker's, with the decoder's error count
  bool ended = false;
};

namespace {

// Every error names the clip it is about.
[[noreturn]] void rethrow_with_source(const Error& e, const std::string& name) {
  throw Error(e.code(), name + ": " + e.what());
}

// The clip's raw audio range for the per-clip min-max scaling (docs/METHOD.md §1): one cheap pass that
// decodes the audio only, through the same resampler as the main pass.
void measure_audio_range(const MediaSource& source, int sample_rate, float* lo, float* hi) {
  MediaDecoder::Options o;
  o.sample_rate = sample_rate;
  o.decode_video = false;
  MediaDecoder audio_only(source, o);
  bool any = false;
  float mn = 0, mx = 0;
  auto on_audio = [&](const float* s, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      if (!any) mn = mx = s[i], any = true;
      mn = std::min(mn, s[i]);
      mx = std::max(mx, s[i]);
    }
  };
  while (audio_only.step([](const PictureView&, double, double) {}, on_audio)) {
  }
  *lo = mn;
  *hi = mx;
}

std::unique_ptr<ClipWindowReader::Impl> open_source(const MediaSource& source, const WindowMakerOptions& options) {
  auto impl = std::make_unique<ClipWindowReader::Impl>();
  impl->source = source;
  impl->options = options;
  try {
    options.geometry.validate();
    MediaDecoder::Options o;
    o.sample_rate = options.geometry.sample_rate;
    o.max_frame_side = max_frame_side(options);
    impl->decoder = std::make_unique<MediaDecoder>(source, o);
    impl->maker = std::make_unique<WindowMaker>(options);
    if (options.geometry.audio_norm == AudioNorm::kMinMaxClip) {
      float lo, hi;
      measure_audio_range(source, options.geometry.sample_rate, &lo, &hi);
      impl->maker->set_audio_range(lo, hi);
    }
  } catch (const Error& e) {
    rethrow_with_source(e, source.name);
  }
  return impl;
}

}  // namespace

ClipWindowReader::ClipWindowReader() = default;
ClipWindowReader::~ClipWindowReader() = default;

std::unique_ptr<ClipWindowReader> ClipWindowReader::open_file(const std::string& path,
                                                              const WindowMakerOptions& options) {
  MediaSource source;
  source.path = path;
  source.name = path;
  std::unique_ptr<ClipWindowReader> reader(new ClipWindowReader());
  reader->impl_ = open_source(source, options);
  return reader;
}

std::unique_ptr<ClipWindowReader> ClipWindowReader::open_memory(std::shared_ptr<const std::vector<uint8_t>> bytes,
                                                                const std::string& name,
                                                                const WindowMakerOptions& options) {
  if (!bytes) throw Error(ErrorCode::kInvalidArgument, name + ": no data");
  return open_input(std::make_shared<MemoryInput>(std::move(bytes)), name, options);
}

std::unique_ptr<ClipWindowReader> ClipWindowReader::open_input(std::shared_ptr<MediaInput> input,
                                                               const std::string& name,
                                                               const WindowMakerOptions& options) {
  if (!input) throw Error(ErrorCode::kInvalidArgument, name + ": no data");
  MediaSource source;
  source.input = std::move(input);
  source.name = name;
  std::unique_ptr<ClipWindowReader> reader(new ClipWindowReader());
  reader->impl_ = open_source(source, options);
  return reader;
}

const MediaInfo& ClipWindowReader::info() const { return impl_->decoder->info(); }
const ClipReport& ClipWindowReader::report() const {
  impl_->report = impl_->maker->report();
  impl_->report.decode_errors = impl_->decoder->decode_errors();
  return impl_->report;
}

bool ClipWindowReader::next(Window& out) {
  Impl& im = *impl_;
  try {
    while (!im.maker->pop(out)) {
      if (im.ended) return false;
      if (im.options.abort && im.options.abort()) throw Error(ErrorCode::kAborted, "aborted by the caller");
      auto on_video = [&](const PictureView& frame, double t, double source_scale) {
        im.maker->push_picture(frame, t, source_scale);
      };
      auto on_audio = [&](const float* s, size_t n) { im.maker->push_audio(s, n); };
      if (!im.decoder->step(on_video, on_audio)) {
        im.ended = true;
        im.maker->finish(im.decoder->video_end());
      }
      if (im.options.progress && im.decoder->info().duration > 0)
        im.options.progress(std::min(1.0, im.decoder->position() / im.decoder->info().duration));
    }
  } catch (const Error& e) {
    im.ended = true;
    rethrow_with_source(e, im.source.name);
  }
  return true;
}

}  // namespace avlens
