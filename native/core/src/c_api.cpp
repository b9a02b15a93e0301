#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "avlens/avlens.h"
#include "avlens/model_metadata.hpp"
#include "avlens/windows.hpp"

using namespace avlens;

// The C enums are the C++ ones, number for number (the list lives in avlens/error.hpp).
#define AVLENS_CHECK_ERROR(cxx, c, number, name)                          \
  static_assert(static_cast<int>(c) == static_cast<int>(ErrorCode::cxx), \
                "avlens.h's " #c " must equal avlens::ErrorCode::" #cxx);
AVLENS_ERROR_CODES(AVLENS_CHECK_ERROR)
#undef AVLENS_CHECK_ERROR

struct avlens_clip {
  std::unique_ptr<ClipWindowReader> reader;
  WindowGeometry geometry;
  Window window;
  std::vector<float> video;
  std::vector<float> boxes;
  std::string error;
};

namespace {

void copy_message(const std::string& msg, char* err, size_t err_size) {
  if (!err || err_size == 0) return;
  const size_t n = std::min(msg.size(), err_size - 1);
  std::memcpy(err, msg.data(), n);
  err[n] = '\0';
}

WindowGeometry to_geometry(const avlens_geometry& g) {
  WindowGeometry out;
  out.frames = g.frames;
  out.height = g.height;
  out.width = g.width;
  out.fps = g.fps;
  out.sample_rate = g.sample_rate;
  out.video_mean = g.video_mean;
  out.video_std = g.video_std;
  out.audio_norm = g.audio_norm == AVLENS_AUDIO_NORM_WINDOW ? AudioNorm::kMinMaxWindow
                   : g.audio_norm == AVLENS_AUDIO_NORM_NONE ? AudioNorm::kNone
                                                            : AudioNorm::kMinMaxClip;
  if (g.crop_scale != 0) {  // 0: the reference's crop, WindowGeometry's defaults
    out.crop_scale = g.crop_scale;
    out.crop_shift_down = g.crop_shift_down;
  }
  return out;
}

avlens_geometry from_geometry(const WindowGeometry& g) {
  return {g.frames, g.height, g.width, g.fps, g.sample_rate, g.video_mean, g.video_std,
          g.audio_norm == AudioNorm::kMinMaxWindow ? AVLENS_AUDIO_NORM_WINDOW
          : g.audio_norm == AudioNorm::kNone       ? AVLENS_AUDIO_NORM_NONE
                                                   : AVLENS_AUDIO_NORM_CLIP,
          g.crop_scale, g.crop_shift_down};
}

WindowMakerOptions to_options(const avlens_params* p) {
  WindowMakerOptions o;
  if (!p) return o;
  o.geometry = to_geometry(p->geometry);
  o.stride_frames = p->stride_frames;
  if (p->detect_every > 0) o.face.detect_every = p->detect_every;
  if (p->detect_max_side > 0) o.face.detect_max_side = p->detect_max_side;
  if (p->progress) {
    auto cb = p->progress;
    void* user = p->progress_user_data;
    o.progress = [cb, user](double v) { cb(v, user); };
  }
  if (p->abort) {
    auto cb = p->abort;
    void* user = p->abort_user_data;
    o.abort = [cb, user] { return cb(user) != 0; };
  }
  return o;
}

template <typename Open>
avlens_clip* open_clip(Open open, const avlens_params* params, int* error_code, char* err, size_t err_size) {
  try {
    auto clip = std::make_unique<avlens_clip>();
    const WindowMakerOptions options = to_options(params);
    clip->geometry = options.geometry;
    clip->reader = open(options);
    if (error_code) *error_code = AVLENS_OK;
    copy_message("", err, err_size);
    return clip.release();
  } catch (const Error& e) {
    if (error_code) *error_code = static_cast<int>(e.code());
    copy_message(e.what(), err, err_size);
  } catch (const std::exception& e) {
    if (error_code) *error_code = AVLENS_INTERNAL;
    copy_message(e.what(), err, err_size);
  }
  return nullptr;
}

}  // namespace

extern "C" {

avlens_params avlens_default_params(const char* preset) {
  avlens_params p{};
  WindowGeometry g;
  try {
    g = WindowGeometry::preset(preset ? preset : "paper");
  } catch (const Error&) {
  }
  p.geometry = from_geometry(g);
  p.detect_every = FaceTrackerOptions().detect_every;
  p.detect_max_side = FaceTrackerOptions().detect_max_side;
  return p;
}

int avlens_geometry_from_onnx(const uint8_t* model, size_t size, avlens_geometry* out, char* err, size_t err_size) {
  try {
    const WindowGeometry g = WindowGeometry::from_metadata(read_onnx_metadata(model, size));
    if (out) *out = from_geometry(g);
    copy_message("", err, err_size);
    return AVLENS_OK;
  } catch (const Error& e) {
    copy_message(e.what(), err, err_size);
    return static_cast<int>(e.code());
  }
}

int avlens_push_frame_side(const avlens_params* params) {
  if (!params) return -AVLENS_INVALID_ARGUMENT;
  try {
    const WindowMakerOptions o = to_options(params);
    o.geometry.validate();
    return push_frame_side(o);
  } catch (const Error& e) {
    return -static_cast<int>(e.code());
  } catch (const std::exception&) {
    return -AVLENS_INTERNAL;
  }
}

avlens_clip* avlens_open_file(const char* path, const avlens_params* params, int* error_code, char* err,
                              size_t err_size) {
  if (!path) {
    if (error_code) *error_code = AVLENS_INVALID_ARGUMENT;
    copy_message("no path given", err, err_size);
    return nullptr;
  }
  return open_clip([&](const WindowMakerOptions& o) { return ClipWindowReader::open_file(path, o); }, params,
                   error_code, err, err_size);
}

avlens_clip* avlens_open_memory(const uint8_t* data, size_t size, const char* name, const avlens_params* params,
                                int* error_code, char* err, size_t err_size) {
  const std::string label = name ? name : "buffer";
  return open_clip(
      [&](const WindowMakerOptions& o) {
        auto bytes = std::make_shared<const std::vector<uint8_t>>(data ? data : nullptr, data ? data + size : nullptr);
        return ClipWindowReader::open_memory(bytes, label, o);
      },
      params, error_code, err, err_size);
}

int avlens_next_window(avlens_clip* clip, avlens_window* out) {
  if (!clip || !out) return -AVLENS_INVALID_ARGUMENT;
  try {
    if (!clip->reader->next(clip->window)) return AVLENS_CLIP_ENDED;
  } catch (const Error& e) {
    clip->error = e.what();
    return -static_cast<int>(e.code());
  } catch (const std::exception& e) {
    clip->error = e.what();
    return -AVLENS_INTERNAL;
  }
  const Window& w = clip->window;
  clip->video = w.video_tensor(clip->geometry);
  clip->boxes.clear();
  for (const auto& b : w.boxes) clip->boxes.insert(clip->boxes.end(), {b.x, b.y, b.w, b.h});
  out->index = w.index;
  out->start_time = w.start_time;
  out->frames_without_face = w.frames_without_face;
  out->crops = w.crops.data();
  out->video = clip->video.data();
  out->audio = w.audio.data();
  out->samples = w.audio.size();
  out->boxes = clip->boxes.data();
  return AVLENS_WINDOW_READY;
}

const char* avlens_version(void) { return AVLENS_VERSION; }

const char* avlens_clip_error(const avlens_clip* clip) { return clip ? clip->error.c_str() : ""; }

const char* avlens_error_name(int code) {
  if (code < 0 || code > AVLENS_INTERNAL) return "internal";
  return error_code_name(static_cast<ErrorCode>(code));
}

void avlens_close(avlens_clip* clip) { delete clip; }

}  // extern "C"
