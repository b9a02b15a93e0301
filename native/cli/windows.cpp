// `avlens windows CLIP --out DIR`: writes what the network will see, for a person to check by
// eye: a contact sheet PNG of the crops of each window, the window audio as WAV, and a JSON of
// the boxes and times. --raw also writes the exact tensors' bytes (crops .rgb, audio .f32).
#include <stb_image_write.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "avlens/windows.hpp"
#include "command.hpp"
#include "window_options.hpp"

namespace fs = std::filesystem;

namespace avlens::cli {
namespace {

void write_contact_sheet(const Window& w, const WindowGeometry& g, const fs::path& path) {
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(g.frames))));
  const int rows = (g.frames + cols - 1) / cols;
  const int gap = 2;
  const int sheet_w = cols * (g.width + gap) - gap, sheet_h = rows * (g.height + gap) - gap;
  std::vector<uint8_t> sheet(static_cast<size_t>(sheet_w) * sheet_h * 3, 40);
  const size_t frame_bytes = static_cast<size_t>(g.width) * g.height * 3;
  for (int t = 0; t < g.frames; ++t) {
    const int ox = (t % cols) * (g.width + gap), oy = (t / cols) * (g.height + gap);
    for (int y = 0; y < g.height; ++y) {
      const uint8_t* src = &w.crops[t * frame_bytes + static_cast<size_t>(y) * g.width * 3];
      std::copy(src, src + g.width * 3, &sheet[(static_cast<size_t>(oy + y) * sheet_w + ox) * 3]);
    }
    if (!w.face_found[t]) {  // a red bar marks frames without a face
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < g.width; ++x) {
          uint8_t* p = &sheet[(static_cast<size_t>(oy + y) * sheet_w + ox + x) * 3];
          p[0] = 230, p[1] = 30, p[2] = 30;
        }
    }
  }
  if (!stbi_write_png(path.c_str(), sheet_w, sheet_h, 3, sheet.data(), sheet_w * 3))
    throw std::runtime_error("cannot write " + path.string());
}

void write_wav(const std::vector<float>& samples, int sample_rate, const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  const uint32_t data_bytes = static_cast<uint32_t>(samples.size() * 2);
  out.write("RIFF", 4), u32(36 + data_bytes), out.write("WAVEfmt ", 8);
  u32(16), u16(1), u16(1), u32(sample_rate), u32(sample_rate * 2), u16(2), u16(16);
  out.write("data", 4), u32(data_bytes);
  for (float s : samples) u16(static_cast<uint16_t>(static_cast<int16_t>(std::lround(std::clamp(s, -1.f, 1.f) * 32767))));
}

template <typename T>
void write_raw(const std::vector<T>& v, const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(T)));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

int run_windows(const std::vector<std::string>& argv) {
  auto value_options = window_value_options();
  value_options.insert("out");
  auto flags = tracking_flag_options();
  flags.insert({"raw", "help"});
  Args args(argv, value_options, flags);
  if (args.has("help") || args.positionals().size() != 1) {
    std::fprintf(args.has("help") ? stdout : stderr,
        "usage: avlens windows CLIP --out DIR [--raw] %s\n"
        "Writes, per window: window_NNN.png (contact sheet of the face crops; a red bar marks frames\n"
        "without a face), window_NNN.wav (the normalised audio), and windows.json (times, boxes, report).\n"
        "--raw adds window_NNN.rgb (T*H*W*3 bytes) and window_NNN.f32 (S little-endian floats).\n",
        window_options_usage());
    return args.has("help") ? 0 : 2;
  }
  const std::string clip = args.positionals()[0];
  const fs::path out_dir = args.require("out");
  WindowMakerOptions options = window_options_from_args(args);
  const WindowGeometry& g = options.geometry;
  fs::create_directories(out_dir);

  auto reader = ClipWindowReader::open_file(clip, options);
  const MediaInfo& info = reader->info();
  nlohmann::json windows = nlohmann::json::array();
  Window w;
  while (reader->next(w)) {
    char stem[32];
    std::snprintf(stem, sizeof(stem), "window_%03d", w.index);
    write_contact_sheet(w, g, out_dir / (std::string(stem) + ".png"));
    write_wav(w.audio, g.sample_rate, out_dir / (std::string(stem) + ".wav"));
    if (args.has("raw")) {
      write_raw(w.crops, out_dir / (std::string(stem) + ".rgb"));
      write_raw(w.audio, out_dir / (std::string(stem) + ".f32"));
    }
    nlohmann::json boxes = nlohmann::json::array();
    for (const auto& b : w.boxes) boxes.push_back({b.x, b.y, b.w, b.h});
    windows.push_back({{"index", w.index},
                       {"start_time", w.start_time},
                       {"first_frame", w.first_frame},
                       {"has_face", w.has_face()},
                       {"frames_without_face", w.frames_without_face},
                       {"face_found", w.face_found},
                       {"boxes", boxes},
                       {"file", stem}});
  }
  const ClipReport& r = reader->report();
  nlohmann::json doc = {
      {"source", clip},
      {"media",
       {{"container", info.container}, {"video_codec", info.video_codec}, {"audio_codec", info.audio_codec},
        {"width", info.width}, {"height", info.height}, {"rotation", info.rotation},
        {"source_fps", info.source_fps}, {"duration", info.duration},
        {"audio_sample_rate", info.audio_sample_rate}, {"audio_channels", info.audio_channels}}},
      {"geometry", g.to_metadata()},
      {"windows", windows},
      {"report",
       {{"frames", r.frames}, {"frames_without_face", r.frames_without_face},
        {"frames_without_face_list", r.frames_without_face_list}, {"windows", r.windows},
        {"windows_without_face", r.windows_without_face}, {"audio_samples", r.audio_samples},
        {"audio_min", r.audio_min}, {"audio_max", r.audio_max}}}};
  std::ofstream(out_dir / "windows.json") << doc.dump(2) << "\n";
  std::printf("%s: %d windows (%d without a face), %d frames, %d without a face -> %s\n", clip.c_str(), r.windows,
              r.windows_without_face, r.frames, r.frames_without_face, out_dir.c_str());
  return 0;
}

}  // namespace

AVLENS_COMMAND("windows", "show what the network sees: face crops, audio and boxes of each window", run_windows);

}  // namespace avlens::cli
