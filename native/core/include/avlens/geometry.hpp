// The geometry of one network input window. It has one source of truth: the exported model's
// metadata (see model_export/). Everything in the core takes it as a parameter.
#pragma once
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

  // Samples of audio in one window: the same duration as the frames.
  int samples() const;
  double duration() const { return frames / fps; }
  // Throws Error(kInvalidArgument) naming the bad field.
  void validate() const;

  // Presets: "paper" (30x224x224 @30 fps, 48 kHz), "small" (16x112x112 @16 fps, 16 kHz),
  // "tiny" (8x64x64 @8 fps, 16 kHz). Every preset covers one second.
  static WindowGeometry preset(const std::string& name);

  // Model metadata (ONNX metadata_props) <-> geometry. Keys: frames, height, width, fps,
  // sample_rate, samples, video_mean, video_std, audio_norm.
  static WindowGeometry from_metadata(const std::map<std::string, std::string>& meta);
  std::map<std::string, std::string> to_metadata() const;
};

const char* audio_norm_name(AudioNorm n);
AudioNorm audio_norm_from_name(const std::string& name);

}  // namespace avlens
