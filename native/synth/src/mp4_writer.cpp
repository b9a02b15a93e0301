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
  const std::string size = std::to_string(s.width) + "x" + std::to_string(s.height);
  std::vector<std::string> argv = {
      "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
      "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-framerate", std::to_string(s.fps), "-i", "pipe:0",
      "-f", "f32le", "-ar", std::to_string(s.sample_rate), "-ac", "1", "-i", tmp_audio_,
      "-map", "0:v", "-map", "1:a",
      // One encoder thread: x264's output then depends on nothing but its input and settings.
      "-c:v", "libx264", "-preset", s.preset, "-crf", std::to_string(s.crf), "-profile:v", s.profile,
      "-g", std::to_string(s.gop), "-pix_fmt", "yuv420p", "-threads", "1",
      "-c:a", "aac", "-b:a", std::to_string(s.audio_bitrate_k) + "k", "-ar", std::to_string(s.sample_rate),
      "-ac", "1",
      // No encoder version strings, creation times or other metadata in the file.
      "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1",
      "-movflags", "+faststart", "-f", "mp4", tmp_video_};
  ffmpeg_ = std::make_unique<PipeWriter>(argv);
}

Mp4Writer::~Mp4Writer() {
  ffmpeg_.reset();
  std::remove(tmp_audio_.c_str());
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
  std::remove(tmp_audio_.c_str());
  if (std::rename(tmp_video_.c_str(), path_.c_str()) != 0) throw std::runtime_error("cannot rename to " + path_);
  done_ = true;
}

}  // namespace avlens::synth
