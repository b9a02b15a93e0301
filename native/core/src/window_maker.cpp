#include <algorithm>
#include <cmath>
#include <deque>
#include <sstream>
#include <tuple>

#include "avlens/audio_scale.hpp"
#include "avlens/windows.hpp"
#include "face_tracker.hpp"
#include "frame_rate.hpp"
#include "picture.hpp"
#include "stream_limits.hpp"

namespace avlens {

void Window::video_tensor(const WindowGeometry& g, float* out) const { normalise_crops(crops.data(), g, out); }

std::vector<float> Window::video_tensor(const WindowGeometry& g) const {
  std::vector<float> out(static_cast<size_t>(3) * g.frames * g.height * g.width);
  video_tensor(g, out.data());
  return out;
}

namespace {
// Every window start is a tracker anchor, so a window's crops are the same whether reading began at
// it (a live stretch that starts on the clip's window grid, a clip cut there) or earlier. Windows
// closer together than the detector's interval are not anchored (each keyframe would search the
// whole frame) unless the caller names the anchors (`avlens crops`: those of 1 s windows).
int anchor_every(const WindowMakerOptions& o) {
  if (o.anchor_every_frames < 0) throw Error(ErrorCode::kInvalidArgument, "anchor_every_frames must be >= 0");
  if (o.anchor_every_frames > 0) return o.anchor_every_frames;
  const int stride = o.stride_frames > 0 ? o.stride_frames : o.geometry.frames;
  return stride >= o.face.detect_every ? stride : 0;
}
}  // namespace

struct WindowMaker::Impl {
  WindowMakerOptions opt;
  WindowGeometry g;
  int stride;
  int samples;
  FaceDetector detector;
  FaceTracker tracker;
  ConstantRateFrames frames;

  struct Crop {
    std::vector<uint8_t> pixels;
    FaceBox box;
    bool found;
  };
  std::deque<Crop> crops;  // frames [crops_base, crops_base + size)
  int crops_base = 0;
  std::deque<float> audio;  // samples [audio_base, audio_base + size)
  size_t audio_base = 0;
  size_t audio_total = 0;

  bool has_clip_range = false;
  float clip_min = 0, clip_max = 0;
  // Range of the samples seen up to the end of the last window made (live capture).
  size_t range_upto = 0;
  float seen_min = 0, seen_max = 0;
  bool seen_any = false;

  int next_window = 0;
  std::deque<Window> ready;
  ClipReport report;
  bool finished = false;

  explicit Impl(const WindowMakerOptions& o)
      : opt(o),
        g(o.geometry),
        stride(o.stride_frames > 0 ? o.stride_frames : o.geometry.frames),
        samples(o.geometry.samples()),
        detector(o.face.detect_max_side),
        tracker(o.face, o.geometry,
                [this](const PictureView& frame, const FaceBox* near, int searches) {
                  if (near) return detector.detect_near(frame, *near);
                  // While searching, every other keyframe looks at twice the resolution for small faces.
                  return detector.detect(frame, searches % 2 ? FaceDetector::kSearchZoom : 1.0);
                },
                anchor_every(o)),
        frames(o.geometry.fps, [this](int index, const ConstantRateFrames::Shared& picture, double scale) {
          on_frame(index, picture, scale);
        }) {}

  void on_frame(int index, const ConstantRateFrames::Shared& picture, double source_scale) {
    tracker.add(index, picture, source_scale);
    drain_tracker();
  }

  void drain_tracker() {
    TrackedFrame t;
    while (tracker.pop(t)) {
      ++report.frames;
      if (!t.face_found) {
        ++report.frames_without_face;
        if (report.frames_without_face_list.size() < 100000) report.frames_without_face_list.push_back(t.index);
      }
      crops.push_back({std::move(t.crop), t.crop_box, t.face_found});
    }
    make_windows();
  }

  size_t audio_start_of(int first_frame) const {
    return static_cast<size_t>(std::llround(first_frame / g.fps * g.sample_rate));
  }

  void make_windows() {
    emit_ready_windows();
    bound_buffers();
  }

  void emit_ready_windows() {
    for (;;) {
      const int first = next_window * stride;
      const size_t a0 = audio_start_of(first);
      if (crops_base + static_cast<int>(crops.size()) < first + g.frames) return;
      if (audio_total < a0 + static_cast<size_t>(samples)) return;
      emit_window(first, a0);
      ++next_window;
      release_before_next_window();
    }
  }

  // Drops what no later window needs.
  void release_before_next_window() {
    const int next_first = next_window * stride;
    while (!crops.empty() && crops_base < next_first) crops.pop_front(), ++crops_base;
    const size_t next_a0 = audio_start_of(next_first);
    while (!audio.empty() && audio_base < next_a0) audio.pop_front(), ++audio_base;
  }

  // One stream's data waits at most kMaxStreamGapSeconds (plus a window) for the other's: when
  // the audio ends long before the video, or the reverse, or a file is interleaved that badly,
  // the oldest data is given up and the windows it belonged to are skipped. Memory stays bounded
  // whatever the streams do; ordinary clips never come near the limit.
  void bound_buffers() {
    const size_t max_frames = static_cast<size_t>(std::ceil(kMaxStreamGapSeconds * g.fps)) + g.frames;
    const size_t max_samples = static_cast<size_t>(std::ceil(kMaxStreamGapSeconds * g.sample_rate)) + samples;
    if (crops.size() <= max_frames && audio.size() <= max_samples) return;
    int skip_to = next_window;
    if (crops.size() > max_frames) {
      const int keep_from = crops_base + static_cast<int>(crops.size() - max_frames);
      skip_to = std::max(skip_to, (keep_from + stride - 1) / stride);
    }
    if (audio.size() > max_samples) {
      const size_t keep_from = audio_base + audio.size() - max_samples;
      while (audio_start_of(skip_to * stride) < keep_from) ++skip_to;
    }
    next_window = skip_to;
    release_before_next_window();
  }

  void emit_window(int first, size_t a0) {
    Window w;
    w.index = next_window;
    w.first_frame = first;
    w.start_time = first / g.fps;
    const size_t frame_bytes = static_cast<size_t>(g.height) * g.width * 3;
    w.crops.resize(frame_bytes * g.frames);
    for (int t = 0; t < g.frames; ++t) {
      const Crop& c = crops[first - crops_base + t];
      std::copy(c.pixels.begin(), c.pixels.end(), w.crops.begin() + t * frame_bytes);
      w.boxes.push_back(c.box);
      w.face_found.push_back(c.found ? 1 : 0);
      if (!c.found) ++w.frames_without_face;
    }
    w.audio.resize(samples);
    const size_t offset = a0 - audio_base;
    for (int s = 0; s < samples; ++s) w.audio[s] = audio[offset + s];
    normalise_audio(w, a0 + samples);
    ++report.windows;
    if (!w.has_face()) ++report.windows_without_face;
    ready.push_back(std::move(w));
  }

  void normalise_audio(Window& w, size_t window_end) {
    if (g.audio_norm == AudioNorm::kNone) return;
    float clip_lo = 0, clip_hi = 0;
    if (g.audio_norm == AudioNorm::kMinMaxClip) {
      if (has_clip_range) {
        clip_lo = clip_min, clip_hi = clip_max;
      } else {
        // Live capture: the range of everything heard up to the end of this window.
        for (size_t i = std::max(range_upto, audio_base); i < window_end; ++i) {
          const float v = audio[i - audio_base];
          if (!seen_any) seen_min = seen_max = v, seen_any = true;
          seen_min = std::min(seen_min, v), seen_max = std::max(seen_max, v);
        }
        range_upto = std::max(range_upto, window_end);
        clip_lo = seen_min, clip_hi = seen_max;
      }
    }
    std::tie(w.audio_low, w.audio_high) = scale_window_audio(w.audio, g.audio_norm, clip_lo, clip_hi);
  }
};

int max_frame_side(const WindowMakerOptions& o) {
  // The full-frame search looks at no more than kSearchZoom x detect_max_side pixels of the longer
  // side, where the smallest face it finds is kMinFacePixels: a face of kMinFacePixels / search of
  // that side. Its crop (crop_scale x the face) should still hold the window's pixels, not be upscaled
  // for lack of them: side >= max(H, W) x search / (crop_scale x kMinFacePixels). Never below the
  // search itself, nor below 1920 (1080p and smaller are read pixel for pixel, as before).
  const double search = FaceDetector::kSearchZoom * std::max(80, o.face.detect_max_side);
  const double crop_needs = std::max(o.geometry.height, o.geometry.width) * search /
                            (o.geometry.crop_scale * FaceDetector::kMinFacePixels);
  // (1.4 x 80 is not exactly 112 in floating point, which must not make 2560 into 2561)
  const double side = std::max({static_cast<double>(kFrameSideFloor), search, std::ceil(crop_needs - 1e-3)});
  return static_cast<int>(std::min(side, static_cast<double>(kFrameSideCeiling)));
}

int push_frame_side(const WindowMakerOptions& o) {
  // The full-frame pass (zoom 1) downscales to detect_max_side anyway: it sees the same frame.
  // Every face it can find (>= kMinFacePixels there, 1/8 of the longer side by default) keeps a
  // crop of at least the window's pixels, so its window is a downscale either way (only the
  // resampling steps differ). What sees fewer pixels: the every-other search at kSearchZoom while
  // no face is tracked (it upscales the frame, for faces under 1/8 of the side) and the region
  // search for faces under kRegionFacePixels; faces under 1/8 of the side get crops upscaled to the
  // window. docs/BENCHMARKS.md ("Frames at the core's push side") gives how much the scores move.
  const double detect = std::max(80, o.face.detect_max_side);
  const double crop_needs = std::max(o.geometry.height, o.geometry.width) * detect /
                            (o.geometry.crop_scale * FaceDetector::kMinFacePixels);
  const double side = std::max(detect, std::ceil(crop_needs - 1e-3));  // (1.4 x 80 is not exactly 112)
  return static_cast<int>(std::min(side, static_cast<double>(max_frame_side(o))));
}

void scale_audio(std::vector<float>& a, float lo, float hi) {
  const float span = hi - lo;
  if (!(span > 1e-12f)) {
    std::fill(a.begin(), a.end(), 0.f);
    return;
  }
  const float inv = 2.0f / span;
  for (float& v : a) v = std::clamp((v - lo) * inv - 1.0f, -1.0f, 1.0f);
}

void unscale_audio(std::vector<float>& a, float lo, float hi) {
  const float half = (hi - lo) / 2.0f;
  for (float& v : a) v = lo + (v + 1.0f) * half;
}

std::pair<float, float> scale_window_audio(std::vector<float>& a, AudioNorm norm, float clip_low, float clip_high) {
  float lo = -1.f, hi = 1.f;
  switch (norm) {
    case AudioNorm::kNone: return {lo, hi};
    case AudioNorm::kMinMaxWindow: {
      if (a.empty()) return {0.f, 0.f};
      const auto [mn, mx] = std::minmax_element(a.begin(), a.end());
      lo = *mn, hi = *mx;
      break;
    }
    case AudioNorm::kMinMaxClip: lo = clip_low, hi = clip_high; break;
  }
  scale_audio(a, lo, hi);
  return {lo, hi};
}

WindowMaker::WindowMaker(const WindowMakerOptions& options) {
  options.geometry.validate();
  if (options.stride_frames < 0) throw Error(ErrorCode::kInvalidArgument, "stride_frames must be >= 0");
  impl_ = std::make_unique<Impl>(options);
}
WindowMaker::~WindowMaker() = default;

void WindowMaker::set_audio_range(float min_value, float max_value) {
  impl_->has_clip_range = true;
  impl_->clip_min = min_value;
  impl_->clip_max = max_value;
  impl_->report.audio_min = min_value;
  impl_->report.audio_max = max_value;
}

void WindowMaker::push_frame(const uint8_t* rgb, int width, int height, int stride, double time,
                             double source_scale) {
  if (!rgb || width <= 0 || height <= 0 || stride < width * 3)
    throw Error(ErrorCode::kInvalidArgument, "push_frame: bad frame (" + std::to_string(width) + "x" +
                                                 std::to_string(height) + ", stride " + std::to_string(stride) + ")");
  push_picture(PictureView::rgb24(rgb, width, height, stride), time, source_scale);
}

void WindowMaker::push_picture(const PictureView& frame, double time, double source_scale) {
  if (impl_->finished) throw Error(ErrorCode::kInvalidArgument, "push_frame after finish");
  bool ok = frame.width > 0 && frame.height > 0 && frame.chroma_shift_x >= 0 && frame.chroma_shift_x <= 2 &&
            frame.chroma_shift_y >= 0 && frame.chroma_shift_y <= 2;
  for (int i = 0; ok && i < frame.planes(); ++i)
    ok = frame.data[i] && frame.stride[i] >= 0 && static_cast<size_t>(frame.stride[i]) >= frame.plane_row_bytes(i);
  if (!ok)
    throw Error(ErrorCode::kInvalidArgument,
                "push_frame: bad frame (" + std::to_string(frame.width) + "x" + std::to_string(frame.height) + ")");
  if (!std::isfinite(time) || time < 0) throw Error(ErrorCode::kInvalidArgument, "push_frame: bad timestamp");
  if (!(source_scale >= 1e-3 && source_scale <= 1e3))
    throw Error(ErrorCode::kInvalidArgument, "push_frame: bad source_scale " + std::to_string(source_scale));
  if (impl_->opt.abort && impl_->opt.abort()) throw Error(ErrorCode::kAborted, "aborted by the caller");
  impl_->frames.push(frame, time, source_scale);
}

void WindowMaker::push_audio(const float* samples, size_t count) {
  if (impl_->finished) throw Error(ErrorCode::kInvalidArgument, "push_audio after finish");
  auto& im = *impl_;
  for (size_t i = 0; i < count; ++i) {
    const float v = std::isfinite(samples[i]) ? samples[i] : 0.f;
    im.audio.push_back(v);
  }
  im.audio_total += count;
  im.report.audio_samples = im.audio_total;
  im.make_windows();
}

void WindowMaker::finish(double end_time) {
  auto& im = *impl_;
  if (im.finished) return;
  im.finished = true;
  im.frames.finish(end_time);
  im.tracker.finish();
  im.drain_tracker();
  im.report.decoded_seconds = im.report.frames / im.g.fps;
  if (!im.has_clip_range && im.seen_any) im.report.audio_min = im.seen_min, im.report.audio_max = im.seen_max;
  if (im.report.windows == 0) {
    std::ostringstream msg;
    msg.precision(3);
    msg << "clip is shorter than one window: " << im.report.frames / im.g.fps << " s of video and "
        << static_cast<double>(im.audio_total) / im.g.sample_rate << " s of audio, a window needs "
        << im.g.duration() << " s of both";
    throw Error(ErrorCode::kTooShort, msg.str());
  }
  if (im.report.frames_without_face == im.report.frames)
    throw Error(ErrorCode::kNoFace, "no face found in any of the " + std::to_string(im.report.frames) + " frames");
}

bool WindowMaker::pop(Window& out) {
  if (impl_->ready.empty()) return false;
  out = std::move(impl_->ready.front());
  impl_->ready.pop_front();
  return true;
}

const ClipReport& WindowMaker::report() const { return impl_->report; }
const WindowMakerOptions& WindowMaker::options() const { return impl_->opt; }

}  // namespace avlens
