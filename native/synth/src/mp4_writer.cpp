#include "avlens/synth/mp4_writer.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "avlens/synth/subprocess.hpp"

namespace avlens::synth {

Mp4Writer::Mp4Writer(const std::string& path, const EncodeSettings& s, const std::vector<float>& audio)
    : path_(path), tmp_video_(path + ".part.mp4"), tmp_audio_(path + ".part.f32"), settings_(s) {
  {
    std::ofstream a(tmp_audio_, std::ios::binary);
    a.write(reinterpret_cast<const char*>(audio.data()), static_cast<std::streamsize>(audio.size() * sizeof(float)));
    if (!a) throw std::runtime_error("cannot write " + tmp_audio_);
  }
  start({"-f", "f32le", "-ar", std::to_string(s.sample_rate), "-ac", "1", "-i", tmp_audio_},
        {"-c:a", "aac", "-b:a", std::to_string(s.audio_bitrate_k) + "k", "-ar", std::to_string(s.sample_rate), "-ac", "1"});
}

Mp4Writer::Mp4Writer(const std::string& path, const EncodeSettings& s, const std::string& audio_from, bool copy_audio)
    : path_(path), tmp_video_(path + ".part.mp4"), settings_(s) {
  if (copy_audio)
    start({"-i", audio_from}, {"-c:a", "copy"});
  else
    start({"-i", audio_from}, {"-c:a", "aac", "-b:a", std::to_string(s.audio_bitrate_k) + "k", "-ac", "1"});
}

void Mp4Writer::start(const std::vector<std::string>& audio_input, const std::vector<std::string>& audio_codec) {
  const EncodeSettings& s = settings_;
  const std::string size = std::to_string(s.width) + "x" + std::to_string(s.height);
  std::vector<std::string> argv = {
      "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
      "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-framerate", std::to_string(s.fps), "-i", "pipe:0"};
  argv.insert(argv.end(), audio_input.begin(), audio_input.end());
  const std::vector<std::string> rest = {
      "-map", "0:v", "-map", "1:a:0",
      // One encoder thread: x264's output then depends on nothing but its input and settings.
      "-c:v", "libx264", "-preset", s.preset, "-crf", std::to_string(s.crf), "-profile:v", s.profile,
      "-g", std::to_string(s.gop), "-pix_fmt", "yuv420p", "-threads", "1"};
  argv.insert(argv.end(), rest.begin(), rest.end());
  argv.insert(argv.end(), audio_codec.begin(), audio_codec.end());
  const std::vector<std::string> tail = {
      // No encoder version strings, creation times or other metadata in the file.
      "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1",
      "-movflags", "+faststart", "-f", "mp4", tmp_video_};
  argv.insert(argv.end(), tail.begin(), tail.end());
  ffmpeg_ = std::make_unique<PipeWriter>(argv);
}

Mp4Writer::~Mp4Writer() {
  ffmpeg_.reset();
  if (!tmp_audio_.empty()) std::remove(tmp_audio_.c_str());
  if (!done_) std::remove(tmp_video_.c_str());
}

void Mp4Writer::add_frame(const std::vector<uint8_t>& rgb) {
  if (rgb.size() != static_cast<size_t>(settings_.width) * settings_.height * 3)
    throw std::invalid_argument("Mp4Writer: frame of the wrong size");
  ffmpeg_->write(rgb.data(), rgb.size());
}

void Mp4Writer::finish() {
  ffmpeg_->finish();
  ffmpeg_.reset();
  if (!tmp_audio_.empty()) std::remove(tmp_audio_.c_str());
  if (std::rename(tmp_video_.c_str(), path_.c_str()) != 0) throw std::runtime_error("cannot rename to " + path_);
  done_ = true;
}

}  // namespace avlens::synth
