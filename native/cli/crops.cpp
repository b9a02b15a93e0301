// `avlens crops DATASET_CSV --out DIR`: writes each clip's tracked face crop as a small MP4 (H.264
// SIDExSIDE + the clip's whole audio, same timeline) and DIR/labels.csv pointing at them. A corpus
// then travels as face-centred clips a few MB a minute, and `avlens prep --whole-frame` makes windows
// of any preset from them (the reference evaluates face-centred clips whole, docs/METHOD.md §1).
// The crop is the core's (ClipWindowReader: the tracked, smoothed box, 1.4x, 0.2 down, grey padding),
// taken from overlapping windows of two frames at the output rate: one rule makes crops for prep and here.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "args.hpp"
#include "avlens/synth/mp4_writer.hpp"
#include "avlens/windows.hpp"
#include "command.hpp"
#include "window_options.hpp"

namespace fs = std::filesystem;

namespace avlens::cli {
namespace {

constexpr int kDefaultSide = 160;
constexpr int kMaxDefaultFps = 30, kMaxFps = 60;

using CsvRow = std::vector<std::string>;

// RFC 4180 fields: commas, quotes doubled inside quoted fields (what prep's lists and synth write).
CsvRow parse_csv_line(const std::string& line, const std::string& where) {
  CsvRow fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  if (quoted) throw Error(ErrorCode::kInvalidArgument, where + ": a quoted field does not end");
  return fields;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string csv_line(const CsvRow& row) {
  std::string out;
  for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + csv_field(row[i]);
  return out + "\n";
}

struct CropSettings {
  int side = kDefaultSide;
  int fps = 0;  // 0: the clip's, at most kMaxDefaultFps
  FaceTrackerOptions face;
};

// The geometry whose windows give the crop clip's frames: two frames a window (the fewest a geometry
// has), one frame apart, so that at most the last frame is lost to a trailing partial window; audio
// unscaled (the clip's own audio goes into the crop clip, not these windows').
WindowMakerOptions crop_window_options(const CropSettings& s, int fps) {
  WindowMakerOptions o;
  o.geometry.frames = 2;
  o.geometry.height = o.geometry.width = s.side;
  o.geometry.fps = fps;
  o.geometry.sample_rate = 48000;
  o.geometry.audio_norm = AudioNorm::kNone;
  o.geometry.validate();
  o.stride_frames = 1;
  // The tracker's anchors of 1 s windows (every preset's): crops at a geometry's rate are then the
  // crops of that geometry's windows.
  o.anchor_every_frames = fps;
  o.face = s.face;
  return o;
}

struct CropResult {
  int frames = 0, frames_without_face = 0, fps = 0;
  bool copied_audio = false;
};

CropResult write_crop_clip(const std::string& clip, const fs::path& out, const CropSettings& s) {
  CropResult r;
  r.fps = s.fps;
  if (r.fps == 0) {  // the clip's rate: opening reads only its headers
    const auto probe = ClipWindowReader::open_file(clip, crop_window_options(s, kMaxDefaultFps));
    const double source_fps = probe->info().source_fps;
    r.fps = std::clamp(static_cast<int>(std::lround(source_fps)), 1, kMaxDefaultFps);
  }
  auto reader = ClipWindowReader::open_file(clip, crop_window_options(s, r.fps));
  const MediaInfo& info = reader->info();
  // An AAC mono source keeps its exact samples; anything else becomes AAC mono at its own rate.
  r.copied_audio = info.audio_codec == "aac" && info.audio_channels == 1;
  synth::EncodeSettings enc;
  enc.width = enc.height = s.side;
  enc.fps = r.fps;
  enc.crf = 23;
  enc.gop = 2 * r.fps;
  synth::Mp4Writer writer(out.string(), enc, clip, r.copied_audio);
  const size_t frame_bytes = static_cast<size_t>(s.side) * s.side * 3;
  std::vector<uint8_t> frame(frame_bytes);
  auto write_frame = [&](const Window& w, size_t t) {
    std::copy_n(w.crops.begin() + static_cast<std::ptrdiff_t>(t * frame_bytes), frame_bytes, frame.begin());
    writer.add_frame(frame);
    ++r.frames;
  };
  // Windows of two frames one frame apart: the first frame of each, then the last window's second.
  Window w, last;
  bool any = false;
  while (reader->next(w)) {
    write_frame(w, 0);
    std::swap(w, last);
    any = true;
  }
  if (any) write_frame(last, 1);
  writer.finish();
  r.frames_without_face = reader->report().frames_without_face;
  return r;
}

void usage(std::FILE* to) {
  std::fprintf(to,
      "usage: avlens crops DATASET_CSV --out DIR [--side PX] [--fps F] [--detect-every K] [--detect-max-side PX]\n"
      "Writes DIR/clips/NNNNN-NAME.mp4 per clip with a face: the tracked face crop (the crop prep and windows\n"
      "make) at PXxPX (default %d), H.264 crf 23 yuv420p at F frames/s (default: the clip's, at most %d), with\n"
      "the clip's whole audio (AAC mono; an AAC mono source is copied as is) on the same timeline; and\n"
      "DIR/labels.csv: DATASET_CSV's columns and rows, the path column pointing at the crop clips. Clips\n"
      "without a face (or unreadable) are left out and listed in DIR/skipped.csv with the reason.\n"
      "`avlens prep DIR --whole-frame` then makes windows of any preset from the crops.\n"
      "Exit status: 0 when at least one clip was written, 1 when none was, 2 for a usage error.\n",
      kDefaultSide, kMaxDefaultFps);
}

int run_crops(const std::vector<std::string>& argv) {
  Args args(argv, {"out", "side", "fps", "detect-every", "detect-max-side"}, {"help"});
  if (args.has("help")) {
    usage(stdout);
    return 0;
  }
  if (args.positionals().size() != 1) throw std::invalid_argument("crops needs exactly one DATASET_CSV (see --help)");
  const fs::path csv_path = args.positionals()[0];
  const fs::path out_dir = args.require("out");
  CropSettings s;
  s.side = args.get_int("side", kDefaultSide);
  if (s.side < WindowGeometry::kMinSide || s.side > WindowGeometry::kMaxSide || s.side % 2)
    throw std::invalid_argument("--side must be even and in [" + std::to_string(WindowGeometry::kMinSide) + ", " +
                                std::to_string(WindowGeometry::kMaxSide) + "] (4:2:0 video), not " + args.get("side"));
  s.fps = args.get_int("fps", 0);
  if (args.has("fps") && (s.fps < 1 || s.fps > kMaxFps))
    throw std::invalid_argument("--fps must be in [1, " + std::to_string(kMaxFps) + "], not " + args.get("fps"));
  s.face.detect_every = args.get_int("detect-every", s.face.detect_every);
  s.face.detect_max_side = args.get_int("detect-max-side", s.face.detect_max_side);

  std::ifstream in(csv_path);
  if (!in) throw Error(ErrorCode::kFileNotFound, "cannot read '" + csv_path.string() + "'");
  std::string line;
  if (!std::getline(in, line)) throw Error(ErrorCode::kInvalidArgument, csv_path.string() + " is empty");
  const CsvRow header = parse_csv_line(line, csv_path.string() + " line 1");
  const auto path_it = std::find(header.begin(), header.end(), "path");
  if (path_it == header.end())
    throw Error(ErrorCode::kInvalidArgument, csv_path.string() + " has no 'path' column (line 1: " + line + ")");
  const size_t path_col = static_cast<size_t>(path_it - header.begin());
  std::vector<CsvRow> rows;
  for (int n = 2; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    CsvRow row = parse_csv_line(line, csv_path.string() + " line " + std::to_string(n));
    if (row.size() <= path_col)
      throw Error(ErrorCode::kInvalidArgument, csv_path.string() + " line " + std::to_string(n) + ": too few columns");
    rows.push_back(std::move(row));
  }

  const fs::path clip_dir = out_dir / "clips";
  fs::create_directories(clip_dir);
  const fs::path base = csv_path.parent_path();
  std::string labels = csv_line(header), skipped = "path,code,reason\n";
  size_t written = 0, skipped_count = 0;
  double seconds_written = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    CsvRow row = rows[i];
    const fs::path given = row[path_col];
    const std::string clip = fs::absolute(given.is_absolute() ? given : base / given).lexically_normal().string();
    char prefix[24];
    std::snprintf(prefix, sizeof(prefix), "%05zu-", i);
    const fs::path out = clip_dir / (prefix + fs::path(clip).stem().string() + ".mp4");
    try {
      const CropResult r = write_crop_clip(clip, out, s);
      row[path_col] = fs::absolute(out).lexically_normal().string();
      labels += csv_line(row);
      ++written;
      seconds_written += static_cast<double>(r.frames) / r.fps;
      std::fprintf(stderr, "[%zu/%zu] %s: %d frames at %d fps (%d without a face), audio %s -> %s\n", i + 1,
                   rows.size(), clip.c_str(), r.frames, r.fps, r.frames_without_face,
                   r.copied_audio ? "copied" : "encoded", out.c_str());
    } catch (const Error& e) {
      skipped += csv_line({clip, error_code_name(e.code()), e.what()});
      ++skipped_count;
      std::fprintf(stderr, "[%zu/%zu] %s: skipped [%s]: %s\n", i + 1, rows.size(), clip.c_str(),
                   error_code_name(e.code()), e.what());
    } catch (const std::runtime_error& e) {  // the encoder (ffmpeg) failed
      skipped += csv_line({clip, "internal", e.what()});
      ++skipped_count;
      std::fprintf(stderr, "[%zu/%zu] %s: skipped [internal]: %s\n", i + 1, rows.size(), clip.c_str(), e.what());
    }
  }
  std::ofstream(out_dir / "labels.csv") << labels;
  std::ofstream(out_dir / "skipped.csv") << skipped;
  std::printf("{\"clips\":%zu,\"written\":%zu,\"skipped\":%zu,\"seconds\":%.3f}\n", rows.size(), written, skipped_count,
              seconds_written);
  return written > 0 ? 0 : 1;
}

}  // namespace

AVLENS_COMMAND("crops", "write each clip's tracked face crop as a small MP4 (carrying a corpus)", run_crops);

}  // namespace avlens::cli
