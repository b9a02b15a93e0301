// The geometry of one network input window. It has one source of truth: the exported model's
// metadata (see model_export/). Everything in the core takes it as a parameter.
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace avlens {

enum class AudioNorm {
  kMinMaxClip,    // min-max scaled to [-1, 1] over the whole clip (or, live, all heard so far)
  kMinMaxWindow,  // min-max over each 1 s window on its own (the reference; docs/METHOD.md)
  kNone,
};

struct WindowGeometry {
  int frames = 30;           // T
  int height = 224;          // H
  int width = 224;           // W
  double fps = 30.0;         // frames are resampled to this constant rate
  int sample_rate = 48000;   // audio is resampled to this rate, mono
  float video_mean = 0.5f;   // video value = (x/255 - mean) / std
  float video_std = 0.5f;
  AudioNorm audio_norm = AudioNorm::kMinMaxWindow;
  // The face crop the network sees: a square of crop_scale x the tracked face box's side, centred
  // crop_shift_down box sides below the box's centre. The reference: 1.4 and 0.2, the whole face
  // (docs/METHOD.md §1); the `mouth` preset: the lower face, nose to chin, at twice the pixels.
  double crop_scale = 1.4;
  double crop_shift_down = 0.2;

  // Samples of audio in one window: the same duration as the frames.
  int samples() const;
  double duration() const { return frames / fps; }
  // Bytes one window holds: T*H*W*3 of crops plus 4 per audio sample (its float tensors are 4x the crops).
  double window_bytes() const;
  // Throws Error(kInvalidArgument) naming the bad field (its metadata key) and its value: the ranges
  // below, and the memory budget (kMaxWindowBytes, kMaxCropBytesPerSecond).
  void validate() const;

  // Ranges of the fields (inclusive).
  static constexpr int kMinFrames = 2, kMaxFrames = 512;
  static constexpr int kMinSide = 16, kMaxSide = 1024;  // height, width
  static constexpr double kMinFps = 1, kMaxFps = 240;
  static constexpr int kMinSampleRate = 4000, kMaxSampleRate = 192000;
  static constexpr int kMinSamples = 1000;               // per window
  static constexpr double kMaxVideoMean = 1e6;           // |video_mean| <=
  static constexpr double kMinCropScale = 0.5, kMaxCropScale = 4;
  static constexpr double kMaxCropShift = 1;              // |crop_shift_down| <=
  static constexpr double kMinVideoStd = 1e-6, kMaxVideoStd = 1e6;
  // Memory budget, whatever the ranges allow (512x1024x1024 at 240 fps would be 1.5 GB a window).
  // One window: T*H*W*3 bytes of crops + 4 bytes per sample <= 64 MiB (paper: 4.5 MB + 0.19 MB, 14x
  // headroom); its float video tensor is then <= 256 MiB.
  static constexpr double kMaxWindowBytes = 64.0 * 1024 * 1024;
  // Crops per second of clip: fps*H*W*3 <= 16 MiB/s (paper: 4.3 MiB/s). The window maker keeps at most
  // kMaxStreamGapSeconds (60 s) + one window of crops waiting for the other stream: <= ~1 GB.
  static constexpr double kMaxCropBytesPerSecond = 16.0 * 1024 * 1024;

  // Presets: "paper" (30x224x224 @30 fps, 48 kHz), "small" (16x112x112 @16 fps, 16 kHz),
  // "tiny" (8x64x64 @8 fps, 16 kHz), "mouth" (tiny's, on the lower face: crop 0.8 x the box, 0.3
  // down). Every preset covers one second.
  static WindowGeometry preset(const std::string& name);
  // The preset whose window and face crop this is (its normalisation may differ), "" for none.
  std::string preset_name() const;

  // Model metadata (ONNX metadata_props) <-> geometry. Keys: frames, height, width, fps,
  // sample_rate, samples, video_mean, video_std, audio_norm, crop_scale, crop_shift_down (the last
  // two may be absent: models made before them crop as the reference). The one reader of a model's geometry
  // (native and wasm): integers must be written as integers ("30", not "30.0", "8.9", "1e10",
  // "8abc" or " 8"), numbers as plain decimals (finite: no "nan", "inf", hex); then validate().
  // Throws Error(kInvalidArgument) naming the key and its value.
  static WindowGeometry from_metadata(const std::map<std::string, std::string>& meta);
  std::map<std::string, std::string> to_metadata() const;
};

const char* audio_norm_name(AudioNorm n);
AudioNorm audio_norm_from_name(const std::string& name);

// The network's video input from one window's face crops: crops are T x H x W x 3 (RGB bytes),
// out is 3 x T x H x W floats, each (x/255 - video_mean) / video_std (docs/METHOD.md §1). The one
// pixel normalisation: the core's windows (native and wasm), the trainer's batches and scan use it.
void normalise_crops(const uint8_t* crops, const WindowGeometry& g, float* out);

}  // namespace avlens
