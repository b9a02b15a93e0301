// The window maker: media -> constant-rate frames -> tracked face crops -> network windows.
// This is the one code path that produces what the network sees, natively (trainer, CLI) and in
// WebAssembly (page, extension). It streams: memory is bounded by a few frames, whatever the
// length of the clip.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "avlens/error.hpp"
#include "avlens/geometry.hpp"
#include "avlens/media_input.hpp"

namespace avlens {

struct FaceBox {
  float x = 0, y = 0, w = 0, h = 0;  // source-frame pixels (after rotation)
};

struct FaceTrackerOptions {
  int detect_every = 5;         // run the HOG detector on every k-th frame (with anchors: at most k apart)
  int detect_max_side = 640;    // frames are downscaled so their longer side is at most this
  int median_frames = 13;       // median filter length over the box track (odd)
  uint8_t pad_value = 110;      // grey outside the frame where the crop extends past it (reference)
  double max_gap_seconds = 1.0; // boxes are interpolated/held across at most this much missing detection
  // No face tracking: every frame whole, resized to the window (the reference evaluates
  // FakeAVCeleb, whose clips are face-centred, this way). Every frame counts as having a face.
  bool whole_frame = false;
};

struct WindowMakerOptions {
  WindowGeometry geometry;
  int stride_frames = 0;  // distance between window starts; 0 = geometry.frames (non-overlapping)
  // Frames between the face tracker's anchors (docs/METHOD.md §1, "Anchors"); 0 = every window start,
  // when windows are at least face.detect_every frames apart (else none).
  int anchor_every_frames = 0;
  FaceTrackerOptions face;
  // Progress in [0, 1] of the clip; return value ignored. Called from the decoding thread.
  std::function<void(double)> progress;
  // Polled between frames; returning true stops with Error(kAborted).
  std::function<bool()> abort;
};

struct MediaInfo {
  std::string source;            // file path or the name given to a memory buffer
  std::string container;
  std::string video_codec, audio_codec;
  int width = 0, height = 0;     // after rotation
  int rotation = 0;              // degrees, from the display matrix
  double source_fps = 0;         // average frame rate of the stream (may be variable)
  // Seconds, as the container declares it; once the clip has been read to the end, no more than
  // one second past what was decoded (containers may declare anything).
  double duration = 0;
  int audio_sample_rate = 0, audio_channels = 0;
};

// One network input window.
struct Window {
  int index = 0;                   // 0, 1, 2, ... in clip order
  int first_frame = 0;             // index of its first frame at geometry.fps
  double start_time = 0;           // seconds from the start of the clip
  int frames_without_face = 0;     // frames whose box was not supported by a detection
  std::vector<uint8_t> crops;      // T x H x W x 3 RGB: the exact pixels the network sees
  std::vector<float> audio;        // S samples, already normalised (geometry.audio_norm)
  // The raw sample range that normalisation mapped to [-1, 1] (-1, 1 when geometry.audio_norm is
  // none): a trainer joining audio of two windows undoes the scaling first, so no step appears.
  float audio_low = -1.f, audio_high = 1.f;
  std::vector<FaceBox> boxes;      // T crop boxes in source pixels (square, enlarged), also when the
                                   // decoder scaled a very large frame down (max_frame_side)
  std::vector<uint8_t> face_found; // T flags

  bool has_face() const { return frames_without_face * 2 <= static_cast<int>(face_found.size()); }
  // Writes the (3, T, H, W) float tensor: (x/255 - mean) / std.
  void video_tensor(const WindowGeometry& g, float* out) const;
  std::vector<float> video_tensor(const WindowGeometry& g) const;
};

struct ClipReport {
  int frames = 0;                          // constant-rate frames produced
  int frames_without_face = 0;
  std::vector<int> frames_without_face_list;  // frame indices (capped at 100 000 entries)
  int windows = 0;
  int windows_without_face = 0;
  size_t audio_samples = 0;
  float audio_min = 0, audio_max = 0;      // raw range used for the min-max scaling
  double decoded_seconds = 0;              // picture, at the geometry's frame rate
  int decode_errors = 0;                   // damaged packets and frames the decoders skipped (files)
};

// Push API: feed frames (any rate, with timestamps) and audio; pop finished windows.
// Used by the extension (the browser decodes) and internally by ClipWindowReader.
struct PictureView;

class WindowMaker {
 public:
  explicit WindowMaker(const WindowMakerOptions& options);
  ~WindowMaker();
  WindowMaker(const WindowMaker&) = delete;
  WindowMaker& operator=(const WindowMaker&) = delete;

  // For AudioNorm::kMinMaxClip: the clip's raw audio range, when known in advance (files).
  // Without it the range grows with what has been pushed so far (live capture).
  void set_audio_range(float min_value, float max_value);

  // rgb: packed RGB24 rows of `stride` bytes. time: presentation time in seconds (>= 0).
  // source_scale: source pixels per pixel of this picture, for a caller that scaled the frame down
  // before pushing it (see max_frame_side): Window::boxes are then given in source pixels.
  void push_frame(const uint8_t* rgb, int width, int height, int stride, double time, double source_scale = 1.0);
  // The same for a frame in the decoder's own layout (the core's planar YUV, see picture.hpp): only
  // the face crop is converted to RGB.
  void push_picture(const PictureView& frame, double time, double source_scale = 1.0);
  // Mono float samples at geometry.sample_rate, contiguous from time 0 (gaps padded by the caller).
  void push_audio(const float* samples, size_t count);
  // Flush: the last frames are tracked with what is known; a trailing partial window is dropped.
  // end_time: where the last pushed frame ends (seconds); < 0 = one frame interval after it.
  // Throws kTooShort when no window was made, kNoFace when no frame had a face.
  void finish(double end_time = -1);

  bool pop(Window& out);
  const ClipReport& report() const;
  const WindowMakerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The largest frame side face tracking and cropping can use at these options (2560 for the paper
// geometry, 1920 for small and tiny, at most 4096): ClipWindowReader has the decoder scale larger
// frames down to it (aspect kept) while converting them to RGB, so memory per frame is bounded by
// the geometry, not the source resolution. Window::boxes stay in source pixels.
constexpr int kFrameSideFloor = 1920, kFrameSideCeiling = 4096;
int max_frame_side(const WindowMakerOptions& options);

// The longer side to which a caller that decodes frames itself (the browser extension) should
// scale them before push_frame: what tracking and cropping need for every face the detector's
// ordinary full-frame pass finds (the detection side, or more for large windows: 640 for the
// small and tiny geometries, 1280 for the paper one). Larger frames only cost copying; see
// window_maker.cpp for what a smaller frame changes.
int push_frame_side(const WindowMakerOptions& options);

// Pull API over a whole clip from a file, a memory buffer or a MediaInput (FFmpeg demux + decode).
class ClipWindowReader {
 public:
  static std::unique_ptr<ClipWindowReader> open_file(const std::string& path,
                                                     const WindowMakerOptions& options);
  static std::unique_ptr<ClipWindowReader> open_memory(std::shared_ptr<const std::vector<uint8_t>> bytes,
                                                       const std::string& name,
                                                       const WindowMakerOptions& options);
  // Reads the clip through `input` as the decoder needs it (the browser: a File, slice by slice).
  static std::unique_ptr<ClipWindowReader> open_input(std::shared_ptr<MediaInput> input, const std::string& name,
                                                      const WindowMakerOptions& options);
  ~ClipWindowReader();

  const MediaInfo& info() const;
  // Next window in clip order; false at the end. Throws avlens::Error (e.g. kNoFace, kTooShort
  // at the end of a clip that gave none, kUnreadable for a truncated stream).
  bool next(Window& out);
  const ClipReport& report() const;

  struct Impl;  // opaque

 private:
  ClipWindowReader();
  std::unique_ptr<Impl> impl_;
};

// Score aggregation (docs/METHOD.md §5: a video's score is the mean of its window scores).
struct WindowScore {
  double start_time = 0;
  double duration = 1;
  double score = 0;  // P(fake)
};
struct VideoScore {
  double mean = 0;  // the video score
  double max = 0;
  int windows = 0;
  // Per whole second of the clip: mean score of the windows that overlap it; NaN where none.
  std::vector<double> timeline;
};
// clip_duration: where the clip ends (seconds decoded); the timeline has one entry per second of
// it (NaN or negative: unknown). Throws kInvalidArgument for an infinite or absurd (over INT_MAX s) one.
VideoScore aggregate_scores(const std::vector<WindowScore>& windows, double clip_duration);

// What a clip's score rests on, and the one rule (for the CLI, the page and the extension) for when
// that is too little to give a verdict or enough but only part of the clip (docs/METHOD.md §5).
struct ClipCoverage {
  double video_seconds = 0;   // picture decoded
  double audio_seconds = 0;   // sound decoded
  double scored_seconds = 0;  // covered by the scored windows
  int windows = 0;            // complete windows made
  int windows_scored = 0;
  int windows_without_face = 0;  // made but not scored: no face in most of their frames
  int decode_errors = 0;
  // Non-empty: no verdict, only the score, and this says why (too few windows scored).
  std::string verdict_withheld;
  // Non-empty: the verdict stands for the part that was scored; this says what was left out.
  std::string warning;
};
// A verdict needs at least this many scored windows.
constexpr int kMinWindowsForVerdict = 3;
// Below this share of the clip scored, the verdict carries a warning.
constexpr double kMinScoredShare = 0.5;
ClipCoverage clip_coverage(const ClipReport& report, const std::vector<WindowScore>& scored, const WindowGeometry& g);

}  // namespace avlens
