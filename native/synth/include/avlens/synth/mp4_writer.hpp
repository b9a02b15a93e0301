// Encodes a synthetic clip to H.264 + AAC in MP4 with the ffmpeg command-line tool: raw RGB frames
// go through a pipe, the audio through a temporary raw file. Output is bit-exact for the same
// input and ffmpeg build (one encoder thread, bitexact muxing, no metadata), and appears
// atomically (written under a temporary name, then renamed).
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace avlens::synth {

struct EncodeSettings {
  int width = 480, height = 360;
  int fps = 30;
  int sample_rate = 48000;
  int crf = 23;
  std::string preset = "veryfast";
  std::string profile = "high";
  int gop = 60;
  int audio_bitrate_k = 96;
};

class PipeWriter;

class Mp4Writer {
 public:
  // `audio`: mono float samples at settings.sample_rate for the whole clip.
  Mp4Writer(const std::string& path, const EncodeSettings& settings, const std::vector<float>& audio);
  // The audio of another media file instead (its first audio stream, its whole length, on the same
  // timeline): stream-copied when copy_audio (an AAC mono source keeps its exact samples), otherwise
  // encoded to AAC mono at the source's rate. settings.sample_rate is then unused.
  Mp4Writer(const std::string& path, const EncodeSettings& settings, const std::string& audio_from, bool copy_audio);
  ~Mp4Writer();  // without finish(): the partial output is removed
  Mp4Writer(const Mp4Writer&) = delete;
  Mp4Writer& operator=(const Mp4Writer&) = delete;

  void add_frame(const std::vector<uint8_t>& rgb);  // width * height * 3 bytes
  void finish();

 private:
  void start(const std::vector<std::string>& audio_input, const std::vector<std::string>& audio_codec);

  std::string path_, tmp_video_, tmp_audio_;
  EncodeSettings settings_;
  std::unique_ptr<PipeWriter> ffmpeg_;
  bool done_ = false;
};

}  // namespace avlens::synth
