#include "avlens/geometry.hpp"

#include <cmath>
#include <sstream>

#include "avlens/error.hpp"

namespace avlens {

int WindowGeometry::samples() const {
  return static_cast<int>(std::lround(frames / fps * sample_rate));
}

void WindowGeometry::validate() const {
  auto bad = [](const std::string& what) {
    throw Error(ErrorCode::kInvalidArgument, "invalid window geometry: " + what);
  };
  if (frames < 2 || frames > 512) bad("frames must be in [2, 512], got " + std::to_string(frames));
  if (height < 16 || height > 1024 || width < 16 || width > 1024)
    bad("height and width must be in [16, 1024], got " + std::to_string(height) + "x" + std::to_string(width));
  if (!(fps >= 1 && fps <= 240)) bad("fps must be in [1, 240]");
  if (sample_rate < 4000 || sample_rate > 192000) bad("sample_rate must be in [4000, 192000]");
  if (!(video_std > 0) || !std::isfinite(video_mean)) bad("video_std must be > 0 and video_mean finite");
  if (samples() < 1000) bad("a window must hold at least 1000 audio samples");
}

WindowGeometry WindowGeometry::preset(const std::string& name) {
  WindowGeometry g;
  if (name == "paper") return g;
  if (name == "small") {
    g.frames = 16; g.height = 112; g.width = 112; g.fps = 16; g.sample_rate = 16000;
    return g;
  }
  if (name == "tiny") {
    g.frames = 8; g.height = 64; g.width = 64; g.fps = 8; g.sample_rate = 16000;
    return g;
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown geometry preset '" + name + "' (paper, small, tiny)");
}

const char* audio_norm_name(AudioNorm n) {
  switch (n) {
    case AudioNorm::kMinMaxClip: return "minmax_clip";
    case AudioNorm::kMinMaxWindow: return "minmax_window";
    case AudioNorm::kNone: return "none";
  }
  return "none";
}

AudioNorm audio_norm_from_name(const std::string& name) {
  if (name == "minmax_clip") return AudioNorm::kMinMaxClip;
  if (name == "minmax_window") return AudioNorm::kMinMaxWindow;
  if (name == "none") return AudioNorm::kNone;
  throw Error(ErrorCode::kInvalidArgument,
              "unknown audio normalisation '" + name + "' (minmax_window, minmax_clip, none)");
}

namespace {
double parse_number(const std::map<std::string, std::string>& meta, const std::string& key, double fallback,
                    bool required) {
  auto it = meta.find(key);
  if (it == meta.end()) {
    if (required) throw Error(ErrorCode::kInvalidArgument, "model metadata lacks '" + key + "'");
    return fallback;
  }
  std::istringstream in(it->second);
  double v;
  if (!(in >> v) || !in.eof())
    throw Error(ErrorCode::kInvalidArgument, "model metadata '" + key + "' is not a number: '" + it->second + "'");
  return v;
}
}  // namespace

WindowGeometry WindowGeometry::from_metadata(const std::map<std::string, std::string>& meta) {
  WindowGeometry g;
  g.frames = static_cast<int>(parse_number(meta, "frames", 0, true));
  g.height = static_cast<int>(parse_number(meta, "height", 0, true));
  g.width = static_cast<int>(parse_number(meta, "width", 0, true));
  g.fps = parse_number(meta, "fps", 0, true);
  g.sample_rate = static_cast<int>(parse_number(meta, "sample_rate", 0, true));
  g.video_mean = static_cast<float>(parse_number(meta, "video_mean", 0.5, false));
  g.video_std = static_cast<float>(parse_number(meta, "video_std", 0.5, false));
  if (auto it = meta.find("audio_norm"); it != meta.end()) g.audio_norm = audio_norm_from_name(it->second);
  g.validate();
  if (meta.count("samples")) {
    int declared = static_cast<int>(parse_number(meta, "samples", 0, true));
    if (declared != g.samples())
      throw Error(ErrorCode::kInvalidArgument,
                  "model metadata is inconsistent: samples=" + std::to_string(declared) + " but frames/fps*sample_rate=" +
                      std::to_string(g.samples()));
  }
  return g;
}

std::map<std::string, std::string> WindowGeometry::to_metadata() const {
  auto num = [](double v) {
    std::ostringstream out;
    out.precision(10);
    out << v;
    return out.str();
  };
  return {{"frames", std::to_string(frames)},       {"height", std::to_string(height)},
          {"width", std::to_string(width)},         {"fps", num(fps)},
          {"sample_rate", std::to_string(sample_rate)}, {"samples", std::to_string(samples())},
          {"video_mean", num(video_mean)},          {"video_std", num(video_std)},
          {"audio_norm", audio_norm_name(audio_norm)}};
}

}  // namespace avlens
