// Embind glue: the avlens core (native/core) as a JavaScript API. Thin by design: it converts
// JavaScript values to the core's types and back and turns avlens::Error into JavaScript
// exceptions; every decision about media, faces and windows stays in the core.
//
// JavaScript sees (the friendly entry points live in post.js / extern_post.js):
//   ClipReader.open(input: {size, read(offset, length)}, name, options) -> reader
//     (pull API over a whole clip, read slice by slice: post.js makes `input` from a File, Blob or
//     bytes; read returns a Uint8Array, or a string saying why it could not read)
//     reader.next(withVideo) -> window | null, reader.info(), reader.report(),
//     reader.coverage(scoredWindows), reader.delete()
//   WindowMaker.create(options) -> maker                          (push API: the browser decodes)
//     maker.setAudioRange(min, max), maker.pushFrame(pixels, width, height, time),
//     maker.pushAudio(samples), maker.finish(endTime), maker.pop(withVideo), maker.report(),
//     maker.coverage(scoredWindows)
//   geometry(options), aggregateScores(windows, clipDuration), clipCoverage(report, scoredWindows,
//   options), readOnnxMetadata(bytes), memoryStats(), version()
// A window is {index, firstFrame, startTime, framesWithoutFace, hasFace, crops (Uint8Array
// T*H*W*3), video (Float32Array 3*T*H*W, the network's (C,T,H,W) layout), audio (Float32Array S),
// boxes (Float32Array T*4: x, y, w, h in source pixels), faceFound (Uint8Array T)}; its arrays are
// copies owned by JavaScript. Coverage (avlens::clip_coverage: what a clip's score rests on, and
// the one rule for withholding a verdict) is {videoSeconds, audioSeconds, scoredSeconds, windows,
// windowsScored, windowsWithoutFace, decodeErrors, verdictWithheld (null, or why there is no
// verdict), warning (null, or what was left out), windowsForVerdict (kMinWindowsForVerdict)}.
#include <emscripten.h>
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "avlens/error.hpp"
#include "avlens/version.h"
#include "avlens/geometry.hpp"
#include "avlens/model_metadata.hpp"
#include "avlens/windows.hpp"

using emscripten::val;

namespace {

using avlens::Error;
using avlens::ErrorCode;

// ---- errors -----------------------------------------------------------------------------------

// Throws a JavaScript Error {name: 'AvlensError', code: 'no_face', message}. Called only after
// the C++ handler has finished, so no C++ exception stays alive; post.js restores the wasm stack
// pointer that the unwound frames leave behind.
EM_JS(void, avlens_throw_js_error, (const char* code, const char* message), {
  const error = new Error(UTF8ToString(message));
  error.name = 'AvlensError';
  error.code = UTF8ToString(code);
  throw error;
});

// The error being reported: it must outlive the C++ handler, as the JS throw reads it.
struct PendingError {
  std::string code, message;
};
PendingError& pending_error() {
  static PendingError e;
  return e;
}

[[noreturn]] void throw_pending_error() {
  avlens_throw_js_error(pending_error().code.c_str(), pending_error().message.c_str());
  __builtin_unreachable();
}

// Runs f and converts any C++ exception into a JavaScript one.
template <typename F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    pending_error() = {avlens::error_code_name(e.code()), e.what()};
  } catch (const std::bad_alloc&) {
    pending_error() = {avlens::error_code_name(ErrorCode::kInternal), "out of memory"};
  } catch (const std::exception& e) {
    pending_error() = {avlens::error_code_name(ErrorCode::kInternal), e.what()};
  }
  throw_pending_error();
}

[[noreturn]] void invalid(const std::string& what) { throw Error(ErrorCode::kInvalidArgument, what); }

// ---- JavaScript values <-> C++ ----------------------------------------------------------------

template <typename T>
val copy_to_js(const T* data, size_t count) {
  // slice() copies out of the wasm heap, so the result survives heap growth and later calls.
  return val(emscripten::typed_memory_view(count, data)).call<val>("slice");
}

template <typename T>
val copy_to_js(const std::vector<T>& v) {
  return copy_to_js(v.data(), v.size());
}

bool is_instance(const val& v, const char* constructor) { return v.instanceof(val::global(constructor)); }

// Copies a typed array of the right kind into `out`.
template <typename T>
void copy_from_js(const val& array, std::initializer_list<const char*> kinds, const char* what, std::vector<T>& out) {
  bool ok = false;
  for (const char* k : kinds) ok = ok || is_instance(array, k);
  if (!ok) {
    std::string names;
    for (const char* k : kinds) names += (names.empty() ? "" : " or ") + std::string(k);
    invalid(std::string(what) + " must be a " + names);
  }
  const size_t n = array["length"].as<size_t>();
  out.resize(n);
  if (n) val(emscripten::typed_memory_view(n, out.data())).call<void>("set", array);
}

double number_option(const val& options, const char* key, double fallback) {
  const val v = options[key];
  if (v.isUndefined() || v.isNull()) return fallback;
  if (!v.isNumber()) invalid(std::string("option '") + key + "' must be a number");
  return v.as<double>();
}

int int_option(const val& options, const char* key, int fallback) {
  const double d = number_option(options, key, fallback);
  if (d != static_cast<double>(static_cast<int>(d))) invalid(std::string("option '") + key + "' must be an integer");
  return static_cast<int>(d);
}

// {key: value} -> std::map<string, string> (values through String(), as ONNX metadata are strings).
std::map<std::string, std::string> string_map(const val& object) {
  std::map<std::string, std::string> out;
  const val entries = val::global("Object").call<val>("entries", object);
  const size_t n = entries["length"].as<size_t>();
  const val to_string = val::global("String");
  for (size_t i = 0; i < n; ++i) {
    const val kv = entries[i];
    out[kv[0].as<std::string>()] = to_string(kv[1]).as<std::string>();
  }
  return out;
}

// options: {metadata: {...ONNX metadata_props} | preset: 'paper'|'small'|'tiny'|'mouth', strideFrames,
//           detectEvery, detectMaxSide, medianFrames, maxGapSeconds (the crop is the geometry's),
//           onProgress(fraction), signal: AbortSignal}
avlens::WindowMakerOptions options_from_js(const val& options) {
  avlens::WindowMakerOptions o;
  if (options.isUndefined() || options.isNull()) return o;
  if (options.typeOf().as<std::string>() != "object") invalid("options must be an object");
  const val metadata = options["metadata"], preset = options["preset"];
  if (!metadata.isUndefined() && !preset.isUndefined())
    invalid("give metadata or preset, not both (the model's metadata sets the geometry)");
  if (!metadata.isUndefined()) {
    if (metadata.typeOf().as<std::string>() != "object" || metadata.isNull()) invalid("metadata must be an object");
    o.geometry = avlens::WindowGeometry::from_metadata(string_map(metadata));
  } else if (!preset.isUndefined()) {
    if (!preset.isString()) invalid("preset must be a string");
    o.geometry = avlens::WindowGeometry::preset(preset.as<std::string>());
  }
  o.stride_frames = int_option(options, "strideFrames", o.stride_frames);
  o.face.detect_every = int_option(options, "detectEvery", o.face.detect_every);
  o.face.detect_max_side = int_option(options, "detectMaxSide", o.face.detect_max_side);
  o.face.median_frames = int_option(options, "medianFrames", o.face.median_frames);
  o.face.max_gap_seconds = number_option(options, "maxGapSeconds", o.face.max_gap_seconds);

  const val progress = options["onProgress"];
  if (!progress.isUndefined() && !progress.isNull()) {
    if (progress.typeOf().as<std::string>() != "function") invalid("onProgress must be a function");
    // The core reports after every packet; JavaScript hears about each 0.5 % step.
    auto last = std::make_shared<double>(-1.0);
    o.progress = [progress, last](double fraction) {
      if (fraction - *last >= 0.005 || (fraction >= 1.0 && *last < 1.0)) {
        *last = fraction;
        progress(fraction);
      }
    };
  }
  const val signal = options["signal"];
  if (!signal.isUndefined() && !signal.isNull()) {
    if (signal["aborted"].isUndefined()) invalid("signal must be an AbortSignal");
    o.abort = [signal]() { return signal["aborted"].as<bool>(); };
  }
  o.geometry.validate();
  return o;
}

val geometry_to_js(const avlens::WindowGeometry& g) {
  val out = val::object();
  out.set("frames", g.frames);
  out.set("height", g.height);
  out.set("width", g.width);
  out.set("fps", g.fps);
  out.set("sampleRate", g.sample_rate);
  out.set("samples", g.samples());
  out.set("videoMean", g.video_mean);
  out.set("videoStd", g.video_std);
  out.set("audioNorm", std::string(avlens::audio_norm_name(g.audio_norm)));
  out.set("cropScale", g.crop_scale);
  out.set("cropShiftDown", g.crop_shift_down);
  val video_shape = val::array();
  for (int d : {1, 3, g.frames, g.height, g.width}) video_shape.call<void>("push", d);
  val audio_shape = val::array();
  for (int d : {1, 1, g.samples()}) audio_shape.call<void>("push", d);
  out.set("videoShape", video_shape);  // one window, in the network's (N, C, T, H, W) layout
  out.set("audioShape", audio_shape);  // (N, 1, S)
  return out;
}

val window_to_js(const avlens::Window& w, const avlens::WindowGeometry& g, bool with_video,
                 std::vector<float>& scratch) {
  val out = val::object();
  out.set("index", w.index);
  out.set("firstFrame", w.first_frame);
  out.set("startTime", w.start_time);
  out.set("duration", g.duration());
  out.set("framesWithoutFace", w.frames_without_face);
  out.set("hasFace", w.has_face());
  out.set("crops", copy_to_js(w.crops));
  out.set("audio", copy_to_js(w.audio));
  static_assert(sizeof(avlens::FaceBox) == 4 * sizeof(float), "FaceBox is four packed floats");
  out.set("boxes", copy_to_js(reinterpret_cast<const float*>(w.boxes.data()), w.boxes.size() * 4));
  out.set("faceFound", copy_to_js(w.face_found));
  if (with_video) {
    scratch.resize(static_cast<size_t>(3) * g.frames * g.height * g.width);
    w.video_tensor(g, scratch.data());
    out.set("video", copy_to_js(scratch));
  }
  return out;
}

val report_to_js(const avlens::ClipReport& r) {
  val out = val::object();
  out.set("frames", r.frames);
  out.set("framesWithoutFace", r.frames_without_face);
  out.set("framesWithoutFaceList", copy_to_js(r.frames_without_face_list));
  out.set("windows", r.windows);
  out.set("windowsWithoutFace", r.windows_without_face);
  out.set("audioSamples", static_cast<double>(r.audio_samples));
  out.set("audioMin", r.audio_min);
  out.set("audioMax", r.audio_max);
  out.set("decodedSeconds", r.decoded_seconds);
  out.set("decodeErrors", r.decode_errors);
  return out;
}

// A count in a report object: a whole number >= 0 (absent: 0).
double count_field(const val& object, const char* key, const char* what) {
  const double d = number_option(object, key, 0);
  if (!(d >= 0 && d <= 9007199254740992.0) || d != static_cast<double>(static_cast<long long>(d)))
    invalid(std::string(what) + ": '" + key + "' must be a whole number >= 0");
  return d;
}

// {frames, audioSamples, windows, windowsWithoutFace, decodeErrors} (what report() returns, or a
// sum of several) -> the ClipReport fields clip_coverage reads.
avlens::ClipReport report_from_js(const val& r) {
  if (r.typeOf().as<std::string>() != "object" || r.isNull()) invalid("clipCoverage: the report must be an object");
  const auto int_count = [&](const char* key) {
    const double d = count_field(r, key, "clipCoverage: the report");
    if (d > 2147483647.0) invalid(std::string("clipCoverage: the report: '") + key + "' is too large");
    return static_cast<int>(d);
  };
  avlens::ClipReport out;
  out.frames = int_count("frames");
  out.windows = int_count("windows");
  out.windows_without_face = int_count("windowsWithoutFace");
  out.decode_errors = int_count("decodeErrors");
  const double samples = count_field(r, "audioSamples", "clipCoverage: the report");
  if (samples > static_cast<double>(std::numeric_limits<size_t>::max())) invalid("clipCoverage: the report: 'audioSamples' is too large");
  out.audio_samples = static_cast<size_t>(samples);
  return out;
}

// [{startTime, duration, score}] -> WindowScore (what aggregateScores and coverage take).
std::vector<avlens::WindowScore> scores_from_js(const val& windows, const char* fn) {
  if (!windows.isArray()) invalid(std::string(fn) + " expects an array of {startTime, duration, score}");
  std::vector<avlens::WindowScore> scores(windows["length"].as<size_t>());
  for (size_t i = 0; i < scores.size(); ++i) {
    const val w = windows[i];
    if (w.typeOf().as<std::string>() != "object" || w.isNull()) invalid(std::string(fn) + ": window " + std::to_string(i) + " is not an object");
    scores[i].start_time = number_option(w, "startTime", 0);
    scores[i].duration = number_option(w, "duration", 1);
    scores[i].score = number_option(w, "score", 0);
  }
  return scores;
}

val coverage_to_js(const avlens::ClipCoverage& c) {
  const auto text_or_null = [](const std::string& s) { return s.empty() ? val::null() : val(s); };
  val out = val::object();
  out.set("videoSeconds", c.video_seconds);
  out.set("audioSeconds", c.audio_seconds);
  out.set("scoredSeconds", c.scored_seconds);
  out.set("windows", c.windows);
  out.set("windowsScored", c.windows_scored);
  out.set("windowsWithoutFace", c.windows_without_face);
  out.set("decodeErrors", c.decode_errors);
  out.set("verdictWithheld", text_or_null(c.verdict_withheld));
  out.set("warning", text_or_null(c.warning));
  out.set("windowsForVerdict", avlens::kMinWindowsForVerdict);
  return out;
}

val info_to_js(const avlens::MediaInfo& m) {
  val out = val::object();
  out.set("source", m.source);
  out.set("container", m.container);
  out.set("videoCodec", m.video_codec);
  out.set("audioCodec", m.audio_codec);
  out.set("width", m.width);
  out.set("height", m.height);
  out.set("rotation", m.rotation);
  out.set("sourceFps", m.source_fps);
  out.set("duration", m.duration);
  out.set("audioSampleRate", m.audio_sample_rate);
  out.set("audioChannels", m.audio_channels);
  return out;
}

// ---- a clip read from JavaScript, chunk by chunk ----------------------------------------------

// The clip's bytes come from JavaScript as the decoder asks for them, a chunk at a time, so the
// wasm heap holds a few chunks of a clip, never the whole file (a 1.3 GB File no longer needs
// 1.3 GB of heap). Chunks are aligned and the last few are kept: each call into JavaScript (a
// FileReaderSync read of a Blob slice) costs far more than a copy, and a demuxer reading two
// streams that lie apart in the file (an MP4 badly interleaved) alternates between them.
class JsInput final : public avlens::MediaInput {
 public:
  static constexpr size_t kChunksKept = 4;

  JsInput(val input, int64_t size, size_t chunk_bytes) : input_(std::move(input)), size_(size), chunk_bytes_(chunk_bytes) {}

  int64_t size() const override { return size_; }

  int64_t read_at(int64_t offset, uint8_t* out, size_t count) override {
    if (offset < 0 || offset >= size_) return 0;
    const Chunk* c = chunk_at(offset);
    if (!c) return -1;
    const size_t from = static_cast<size_t>(offset - c->start);
    const size_t n = std::min(count, c->bytes.size() - from);
    std::memcpy(out, c->bytes.data() + from, n);
    return static_cast<int64_t>(n);
  }

  std::string failure() const override { return failure_; }

 private:
  struct Chunk {
    int64_t start = -1;
    std::vector<uint8_t> bytes;
    uint64_t used = 0;  // when it was last read, for replacing the least recently used
  };

  const Chunk* chunk_at(int64_t offset) {
    const int64_t start = offset - offset % static_cast<int64_t>(chunk_bytes_);
    ++clock_;
    Chunk* oldest = nullptr;
    for (Chunk& c : chunks_) {
      if (c.start == start) {
        c.used = clock_;
        return covering(c, offset);
      }
      if (!oldest || c.used < oldest->used) oldest = &c;
    }
    Chunk& c = *oldest;
    c.start = -1;
    const size_t wanted = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(chunk_bytes_), size_ - start));
    const val got = input_.call<val>("read", static_cast<double>(start), static_cast<double>(wanted));
    if (!is_instance(got, "Uint8Array")) {
      failure_ = got.isString() ? got.as<std::string>() : "the reader returned no bytes";
      return nullptr;
    }
    // A shorter slice than asked for is what is there (the file shrank): what came is read, and
    // a read past it fails.
    const size_t n = std::min(wanted, got["length"].as<size_t>());
    c.bytes.resize(n);
    if (n) val(emscripten::typed_memory_view(n, c.bytes.data())).call<void>("set", got.call<val>("subarray", 0, n));
    c.start = start;
    c.used = clock_;
    return covering(c, offset);
  }

  const Chunk* covering(const Chunk& c, int64_t offset) {
    const int64_t end = c.start + static_cast<int64_t>(c.bytes.size());
    if (offset < end) return &c;
    failure_ = "the file ended at byte " + std::to_string(end) + " although it has " + std::to_string(size_) + " bytes";
    return nullptr;
  }

  val input_;
  int64_t size_;
  size_t chunk_bytes_;
  Chunk chunks_[kChunksKept];
  uint64_t clock_ = 0;
  std::string failure_;
};

constexpr double kDefaultReadChunkBytes = 1 << 20;
constexpr double kMaxReadChunkBytes = 64 << 20;

// ---- the exported classes and functions -------------------------------------------------------

class ClipReader {
 public:
  // input: {size, read(offset, length)} (post.js); options.readChunkBytes: how much one read asks for.
  static std::unique_ptr<ClipReader> open(const val& input, const std::string& name, const val& options) {
    return guarded([&] {
      std::unique_ptr<ClipReader> r(new ClipReader());
      r->options_ = options_from_js(options);
      if (input.typeOf().as<std::string>() != "object" || input.isNull() || input["read"].typeOf().as<std::string>() != "function")
        invalid("the clip must be read through an object with size and read(offset, length)");
      const double size = number_option(input, "size", -1);
      if (!(size >= 0 && size <= 9007199254740992.0) || size != static_cast<double>(static_cast<int64_t>(size)))
        invalid("the clip's size must be a whole number of bytes");
      const double chunk = number_option(options, "readChunkBytes", kDefaultReadChunkBytes);
      if (!(chunk >= 1 && chunk <= kMaxReadChunkBytes) || chunk != static_cast<double>(static_cast<int64_t>(chunk)))
        invalid("option 'readChunkBytes' must be a whole number from 1 to " + std::to_string(static_cast<int64_t>(kMaxReadChunkBytes)));
      auto js_input = std::make_shared<JsInput>(input, static_cast<int64_t>(size), static_cast<size_t>(chunk));
      r->reader_ = avlens::ClipWindowReader::open_input(std::move(js_input), name, r->options_);
      return r;
    });
  }

  val next(bool with_video) {
    return guarded([&] {
      if (!reader_->next(window_)) return val::null();
      return window_to_js(window_, options_.geometry, with_video, scratch_);
    });
  }
  val info() const { return guarded([&] { return info_to_js(reader_->info()); }); }
  val report() const { return guarded([&] { return report_to_js(reader_->report()); }); }
  // scored: the windows that were scored, [{startTime, duration, score}]; read to the end first.
  val coverage(const val& scored) const {
    return guarded([&] {
      return coverage_to_js(avlens::clip_coverage(reader_->report(), scores_from_js(scored, "coverage"), options_.geometry));
    });
  }
  val geometry() const { return guarded([&] { return geometry_to_js(options_.geometry); }); }

 private:
  ClipReader() = default;
  avlens::WindowMakerOptions options_;
  std::unique_ptr<avlens::ClipWindowReader> reader_;
  avlens::Window window_;       // reused: its buffers keep their capacity between windows
  std::vector<float> scratch_;  // the float video tensor before it is copied out
};

class WindowMaker {
 public:
  static std::unique_ptr<WindowMaker> create(const val& options) {
    return guarded([&] {
      std::unique_ptr<WindowMaker> m(new WindowMaker());
      const avlens::WindowMakerOptions o = options_from_js(options);
      m->geometry_ = o.geometry;
      m->maker_ = std::make_unique<avlens::WindowMaker>(o);
      return m;
    });
  }

  void set_audio_range(float lo, float hi) { guarded([&] { maker_->set_audio_range(lo, hi); }); }

  // pixels: RGBA (ImageData, VideoFrame.copyTo) or packed RGB, width*height*4 or *3 bytes.
  void push_frame(const val& pixels, int width, int height, double time) {
    guarded([&] {
      if (width <= 0 || height <= 0) invalid("frame size must be positive");
      copy_from_js(pixels, {"Uint8Array", "Uint8ClampedArray"}, "frame pixels", pixels_);
      const size_t n = static_cast<size_t>(width) * height;
      if (pixels_.size() == n * 4) {
        for (size_t i = 0; i < n; ++i) {  // RGBA -> RGB in place: the write never overtakes the read
          pixels_[i * 3] = pixels_[i * 4];
          pixels_[i * 3 + 1] = pixels_[i * 4 + 1];
          pixels_[i * 3 + 2] = pixels_[i * 4 + 2];
        }
      } else if (pixels_.size() != n * 3) {
        invalid("frame pixels: " + std::to_string(pixels_.size()) + " bytes is neither RGBA nor RGB for " +
                std::to_string(width) + "x" + std::to_string(height));
      }
      maker_->push_frame(pixels_.data(), width, height, width * 3, time);
    });
  }

  void push_audio(const val& samples) {
    guarded([&] {
      copy_from_js(samples, {"Float32Array"}, "audio samples", audio_);
      maker_->push_audio(audio_.data(), audio_.size());
    });
  }

  void finish(double end_time) { guarded([&] { maker_->finish(end_time); }); }

  val pop(bool with_video) {
    return guarded([&] {
      if (!maker_->pop(window_)) return val::null();
      return window_to_js(window_, geometry_, with_video, scratch_);
    });
  }
  val report() const { return guarded([&] { return report_to_js(maker_->report()); }); }
  // What has been pushed so far against the scored windows, [{startTime, duration, score}].
  val coverage(const val& scored) const {
    return guarded([&] {
      return coverage_to_js(avlens::clip_coverage(maker_->report(), scores_from_js(scored, "coverage"), geometry_));
    });
  }
  val geometry() const { return guarded([&] { return geometry_to_js(geometry_); }); }

 private:
  WindowMaker() = default;
  avlens::WindowGeometry geometry_;
  std::unique_ptr<avlens::WindowMaker> maker_;
  std::vector<uint8_t> pixels_;
  std::vector<float> audio_;
  avlens::Window window_;
  std::vector<float> scratch_;
};

val geometry(const val& options) { return guarded([&] { return geometry_to_js(options_from_js(options).geometry); }); }

// The longer side to scale frames to before pushFrame, for these options (those of
// createWindowMaker): avlens::push_frame_side, the one rule (the extension's content script asks).
int push_frame_side(const val& options) { return guarded([&] { return avlens::push_frame_side(options_from_js(options)); }); }

// windows: [{startTime, duration, score}] -> {mean, max, windows, timeline: Float64Array (NaN where
// no window covers a second)}.
val aggregate_scores(const val& windows, double clip_duration) {
  return guarded([&] {
    const avlens::VideoScore v = avlens::aggregate_scores(scores_from_js(windows, "aggregateScores"), clip_duration);
    val out = val::object();
    out.set("mean", v.mean);
    out.set("max", v.max);
    out.set("windows", v.windows);
    out.set("timeline", copy_to_js(v.timeline));
    return out;
  });
}

// report: {frames, audioSamples, windows, windowsWithoutFace, decodeErrors} — a report() of a
// reader or a window maker that is gone, or the sum of several (the extension: one video played in
// several stretches, each with its own maker); options: as geometry(options).
val clip_coverage(const val& report, const val& scored, const val& options) {
  return guarded([&] {
    const avlens::ClipReport r = report_from_js(report);
    return coverage_to_js(avlens::clip_coverage(r, scores_from_js(scored, "clipCoverage"), options_from_js(options).geometry));
  });
}

val read_onnx_metadata(const val& bytes) {
  return guarded([&] {
    std::vector<uint8_t> data;
    copy_from_js(bytes, {"Uint8Array"}, "the model's bytes", data);
    val out = val::object();
    for (const auto& [key, value] : avlens::read_onnx_metadata(data.data(), data.size())) out.set(key, value);
    return out;
  });
}

// heapBytes: the wasm memory's size (it only grows, in steps); peakBytes: the most malloc ever held
// from it (dlmalloc's max footprint); usedBytes: what is allocated now.
val memory_stats() {
  const struct mallinfo mi = mallinfo();
  val out = val::object();
  out.set("heapBytes", static_cast<double>(emscripten_get_heap_size()));
  out.set("peakBytes", static_cast<double>(mi.usmblks));
  out.set("usedBytes", static_cast<double>(mi.uordblks));
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(avlens_core) {
  using namespace emscripten;
  class_<ClipReader>("ClipReader")
      .class_function("open", &ClipReader::open)
      .function("next", &ClipReader::next)
      .function("info", &ClipReader::info)
      .function("report", &ClipReader::report)
      .function("coverage", &ClipReader::coverage)
      .function("geometry", &ClipReader::geometry);
  class_<WindowMaker>("WindowMaker")
      .class_function("create", &WindowMaker::create)
      .function("setAudioRange", &WindowMaker::set_audio_range)
      .function("pushFrame", &WindowMaker::push_frame)
      .function("pushAudio", &WindowMaker::push_audio)
      .function("finish", &WindowMaker::finish)
      .function("pop", &WindowMaker::pop)
      .function("report", &WindowMaker::report)
      .function("coverage", &WindowMaker::coverage)
      .function("geometry", &WindowMaker::geometry);
  function("geometry", &geometry);
  function("pushFrameSide", &push_frame_side);
  function("aggregateScores", &aggregate_scores);
  function("clipCoverage", &clip_coverage);
  function("readOnnxMetadata", &read_onnx_metadata);
  function("memoryStats", &memory_stats);
  function("version", +[]() { return std::string(AVLENS_VERSION); });
  // The core's stable error names, from the one list (avlens/error.hpp), "ok" excluded.
  function("errorCodes", +[]() {
    val names = val::array();
#define AVLENS_ERROR_JS_NAME(cxx, c, number, name) \
  if (number != 0) names.call<void>("push", std::string(name));
    AVLENS_ERROR_CODES(AVLENS_ERROR_JS_NAME)
#undef AVLENS_ERROR_JS_NAME
    return names;
  });
}
