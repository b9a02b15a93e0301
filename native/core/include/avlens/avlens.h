/* avlens C API: the window maker for any language (ctypes, FFI). A small surface in the style of
 * whisper.cpp: open a clip, pull windows, read errors, close; with progress and abort callbacks.
 * Every function is safe to call with bad input: errors come back as codes and messages. */
#ifndef AVLENS_H
#define AVLENS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: the same numbers as avlens::ErrorCode. */
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

typedef struct avlens_geometry {
  int frames, height, width;
  double fps;
  int sample_rate;
  float video_mean, video_std;
  int audio_norm; /* 0 = per clip min-max, 1 = per window, 2 = none */
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

/* Parameters of a preset ("paper", "small", "tiny"); NULL or unknown gives "paper". */
avlens_params avlens_default_params(const char* preset);
/* Geometry from an ONNX model's metadata. Returns an error code; message in err (may be NULL). */
int avlens_geometry_from_onnx(const uint8_t* model, size_t size, avlens_geometry* out, char* err, size_t err_size);

/* Open a clip; NULL on error, with *error_code set and the message in err (when not NULL). */
avlens_clip* avlens_open_file(const char* path, const avlens_params* params, int* error_code, char* err,
                              size_t err_size);
avlens_clip* avlens_open_memory(const uint8_t* data, size_t size, const char* name, const avlens_params* params,
                                int* error_code, char* err, size_t err_size);
/* 1: a window was written to *out; 0: the clip has ended; < 0: minus an error code. */
int avlens_next_window(avlens_clip* clip, avlens_window* out);
/* Message of the last error of this clip ("" when none). */
const char* avlens_clip_error(const avlens_clip* clip);
/* Stable name of an error code ("no_face"). */
const char* avlens_error_name(int code);
void avlens_close(avlens_clip* clip);

#ifdef __cplusplus
}
#endif

#endif /* AVLENS_H */
