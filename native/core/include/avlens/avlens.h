/* avlens C API: the window maker for any language (ctypes, FFI). A small surface in the style of
 * whisper.cpp: open a clip, pull windows, read errors, close; with progress and abort callbacks.
 * Every function is safe to call with bad input: errors come back as codes and messages.
 * Installed with the core (`cmake --install`); `find_package(avlens)` gives the target avlens::core. */
#ifndef AVLENS_H
#define AVLENS_H

#include <stddef.h>
#include <stdint.h>

#include "avlens/version.h"

/* Symbols of the C API (default visibility; dllexport/dllimport on Windows shared builds). */
#if defined(_WIN32) && defined(AVLENS_SHARED)
#  ifdef AVLENS_BUILDING
#    define AVLENS_API __declspec(dllexport)
#  else
#    define AVLENS_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define AVLENS_API __attribute__((visibility("default")))
#else
#  define AVLENS_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: the same numbers as avlens::ErrorCode (c_api.cpp checks each at compile time);
 * avlens_error_name() gives the stable name used in JSON and by the wasm module. */
enum avlens_error {
  AVLENS_OK = 0,
  AVLENS_FILE_NOT_FOUND = 1,
  AVLENS_UNREADABLE = 2,
  AVLENS_NO_VIDEO_STREAM = 3,
  AVLENS_NO_AUDIO_STREAM = 4,
  AVLENS_UNSUPPORTED_CODEC = 5,
  AVLENS_TOO_SHORT = 6,
  AVLENS_NO_FACE = 7,
  AVLENS_INVALID_ARGUMENT = 8,
  AVLENS_ABORTED = 9,
  AVLENS_INTERNAL = 10
};

/* How each window's audio is scaled to [-1, 1] (docs/METHOD.md). */
enum avlens_audio_norm {
  AVLENS_AUDIO_NORM_CLIP = 0,   /* min-max over the whole clip */
  AVLENS_AUDIO_NORM_WINDOW = 1, /* min-max over each window */
  AVLENS_AUDIO_NORM_NONE = 2
};

/* What avlens_next_window returns besides minus an error code. */
enum avlens_next_result { AVLENS_CLIP_ENDED = 0, AVLENS_WINDOW_READY = 1 };

typedef struct avlens_geometry {
  int frames, height, width;
  double fps;
  int sample_rate;
  float video_mean, video_std;
  int audio_norm; /* an avlens_audio_norm */
  /* The face crop: crop_scale x the tracked face box's side, centred crop_shift_down box sides below
     its centre. 0 for crop_scale means the reference's crop (1.4, 0.2), whatever crop_shift_down says. */
  double crop_scale, crop_shift_down;
} avlens_geometry;

typedef void (*avlens_progress_callback)(double progress, void* user_data);
typedef int (*avlens_abort_callback)(void* user_data); /* non-zero: stop */

typedef struct avlens_params {
  avlens_geometry geometry;
  int stride_frames;   /* 0 = non-overlapping */
  int detect_every;    /* face detector on every k-th frame */
  int detect_max_side; /* full-frame detection size */
  avlens_progress_callback progress;
  void* progress_user_data;
  avlens_abort_callback abort;
  void* abort_user_data;
} avlens_params;

/* One window; its arrays stay valid until the next avlens_next_window or avlens_close. */
typedef struct avlens_window {
  int index;
  double start_time;
  int frames_without_face;
  const uint8_t* crops; /* frames x height x width x 3, RGB */
  const float* video;   /* 3 x frames x height x width, normalised: the network's input */
  const float* audio;   /* samples, normalised */
  size_t samples;
  const float* boxes;   /* frames x 4: x, y, w, h of each crop in source pixels */
} avlens_window;

typedef struct avlens_clip avlens_clip;

/* The library's version, "MAJOR.MINOR.PATCH" (AVLENS_VERSION of the headers it was built with). */
AVLENS_API const char* avlens_version(void);

/* Parameters of a preset ("paper", "small", "tiny", "mouth"); NULL or unknown gives "paper". */
AVLENS_API avlens_params avlens_default_params(const char* preset);
/* Geometry from an ONNX model's metadata. Returns an error code; message in err (may be NULL). */
AVLENS_API int avlens_geometry_from_onnx(const uint8_t* model, size_t size, avlens_geometry* out, char* err, size_t err_size);

/* The longer side, in pixels, to scale frames down to before giving them to the core, for a
 * caller that decodes them itself (the browser extension): what face tracking and cropping at these
 * parameters need for the faces the detector's ordinary pass finds (larger frames only cost copying).
 * Minus AVLENS_INVALID_ARGUMENT when params is NULL or its geometry is invalid. */
AVLENS_API int avlens_push_frame_side(const avlens_params* params);

/* Open a clip; NULL on error, with *error_code set and the message in err (when not NULL). */
AVLENS_API avlens_clip* avlens_open_file(const char* path, const avlens_params* params, int* error_code, char* err,
                              size_t err_size);
AVLENS_API avlens_clip* avlens_open_memory(const uint8_t* data, size_t size, const char* name, const avlens_params* params,
                                int* error_code, char* err, size_t err_size);
/* AVLENS_WINDOW_READY: a window was written to *out; AVLENS_CLIP_ENDED: the clip has ended;
 * < 0: minus an avlens_error. */
AVLENS_API int avlens_next_window(avlens_clip* clip, avlens_window* out);
/* Message of the last error of this clip ("" when none). */
AVLENS_API const char* avlens_clip_error(const avlens_clip* clip);
/* Stable name of an error code ("no_face"). */
AVLENS_API const char* avlens_error_name(int code);
AVLENS_API void avlens_close(avlens_clip* clip);

#ifdef __cplusplus
}
#endif

#endif /* AVLENS_H */
