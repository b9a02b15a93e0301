#include "avlens/geometry.hpp"

#include <cmath>
#include <limits>
#include <locale>
#include <sstream>

#include "avlens/error.hpp"

namespace avlens {

int WindowGeometry::samples() const {
  return static_cast<int>(std::lround(frames / fps * sample_rate));
}

double WindowGeometry::window_bytes() const {
  return static_cast<double>(frames) * height * width * 3 + 4.0 * samples();
}

namespace {

[[noreturn]] void bad_geometry(const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "invalid window geometry: " + what);
}

std::string number_text(double v) {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out.precision(10);
  out << v;
  return out.str();
}

std::string mib(double bytes) {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out.setf(std::ios::fixed);
  out.precision(1);
  out << bytes / (1024.0 * 1024.0) << " MiB";
  return out.str();
}

void check_int(const char* key, long long v, long long lo, long long hi) {
  if (v < lo || v > hi)
    bad_geometry(std::string(key) + " = " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " +
                 std::to_string(hi) + "]");
}

void check_real(const char* key, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi))  // NaN fails too
    bad_geometry(std::string(key) + " = " + number_text(v) + " is outside [" + number_text(lo) + ", " +
                 number_text(hi) + "]");
}

}  // namespace

void WindowGeometry::validate() const {
  check_int("frames", frames, kMinFrames, kMaxFrames);
  check_int("height", height, kMinSide, kMaxSide);
  check_int("width", width, kMinSide, kMaxSide);
  check_real("fps", fps, kMinFps, kMaxFps);
  check_int("sample_rate", sample_rate, kMinSampleRate, kMaxSampleRate);
  check_real("video_mean", static_cast<double>(video_mean), -kMaxVideoMean, kMaxVideoMean);
  check_real("video_std", static_cast<double>(video_std), kMinVideoStd, kMaxVideoStd);
  check_real("crop_scale", crop_scale, kMinCropScale, kMaxCropScale);
  check_real("crop_shift_down", crop_shift_down, -kMaxCropShift, kMaxCropShift);
  if (samples() < kMinSamples)
    bad_geometry("a window must hold at least " + std::to_string(kMinSamples) + " audio samples, " +
                 std::to_string(frames) + " frames at " + number_text(fps) + " fps and sample_rate " +
                 std::to_string(sample_rate) + " give " + std::to_string(samples()));
  if (window_bytes() > kMaxWindowBytes)
    bad_geometry("frames x height x width = " + std::to_string(frames) + "x" + std::to_string(height) + "x" +
                 std::to_string(width) + " with samples = " + std::to_string(samples()) + ": one window takes " +
                 mib(window_bytes()) + " (frames*height*width*3 bytes + 4 per sample), more than the " +
                 mib(kMaxWindowBytes) + " a window may take");
  const double per_second = fps * height * width * 3;
  if (per_second > kMaxCropBytesPerSecond)
    bad_geometry("fps = " + number_text(fps) + " at height x width = " + std::to_string(height) + "x" +
                 std::to_string(width) + " makes " + mib(per_second) +
                 " of crops per second of clip (fps*height*width*3), more than " + mib(kMaxCropBytesPerSecond));
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
  if (name == "mouth") {
    g = preset("tiny");
    g.crop_scale = 0.8; g.crop_shift_down = 0.3;
    return g;
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown geometry preset '" + name + "' (paper, small, tiny, mouth)");
}

std::string WindowGeometry::preset_name() const {
  for (const char* name : {"paper", "small", "tiny", "mouth"}) {
    const WindowGeometry p = preset(name);
    if (p.frames == frames && p.height == height && p.width == width && p.fps == fps &&
        p.sample_rate == sample_rate && p.crop_scale == crop_scale && p.crop_shift_down == crop_shift_down)
      return name;
  }
  return "";
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

[[noreturn]] void bad_metadata(const std::string& key, const std::string& raw, const std::string& why) {
  throw Error(ErrorCode::kInvalidArgument, "model metadata '" + key + "' = '" + raw + "': " + why);
}

const std::string* find_key(const std::map<std::string, std::string>& meta, const std::string& key, bool required) {
  auto it = meta.find(key);
  if (it != meta.end()) return &it->second;
  if (required) throw Error(ErrorCode::kInvalidArgument, "model metadata lacks '" + key + "'");
  return nullptr;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// An integer written as one: an optional '-' and decimal digits, nothing else (no blanks, no
// fraction, no exponent), within [lo, hi]. Never converted with a cast: no overflow, no truncation.
int parse_int(const std::string& key, const std::string& raw, long long lo, long long hi) {
  size_t i = raw.size() > 0 && raw[0] == '-' ? 1 : 0;
  if (i == raw.size()) bad_metadata(key, raw, "not an integer");
  for (size_t j = i; j < raw.size(); ++j)
    if (!is_digit(raw[j])) bad_metadata(key, raw, "not an integer (write it with digits only)");
  while (i + 1 < raw.size() && raw[i] == '0') ++i;  // leading zeros
  const auto range = "outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (raw.size() - i > 18) bad_metadata(key, raw, range);  // beyond any range, and beyond long long
  long long v = 0;
  for (; i < raw.size(); ++i) v = v * 10 + (raw[i] - '0');
  if (raw[0] == '-') v = -v;
  if (v < lo || v > hi) bad_metadata(key, raw, range);
  return static_cast<int>(v);
}

// A finite decimal number: [+-]digits[.digits][e[+-]digits] (no blanks, nan, inf or hex).
double parse_real(const std::string& key, const std::string& raw) {
  size_t i = 0, digits = 0;
  if (i < raw.size() && (raw[i] == '+' || raw[i] == '-')) ++i;
  for (; i < raw.size() && is_digit(raw[i]); ++i) ++digits;
  if (i < raw.size() && raw[i] == '.')
    for (++i; i < raw.size() && is_digit(raw[i]); ++i) ++digits;
  bool ok = digits > 0;
  if (ok && i < raw.size() && (raw[i] == 'e' || raw[i] == 'E')) {
    ++i;
    if (i < raw.size() && (raw[i] == '+' || raw[i] == '-')) ++i;
    size_t exp_digits = 0;
    for (; i < raw.size() && is_digit(raw[i]); ++i) ++exp_digits;
    ok = exp_digits > 0;
  }
  if (!ok || i != raw.size()) bad_metadata(key, raw, "not a number");
  std::istringstream in(raw);
  in.imbue(std::locale::classic());
  double v = 0;
  in >> v;  // out of double's range: fails (and v is +-max), caught by isfinite or the ranges
  if (in.fail() || !std::isfinite(v)) bad_metadata(key, raw, "not a finite number");
  return v;
}

double parse_real_in(const std::string& key, const std::string& raw, double lo, double hi) {
  const double v = parse_real(key, raw);
  if (!(v >= lo && v <= hi)) bad_metadata(key, raw, "outside [" + number_text(lo) + ", " + number_text(hi) + "]");
  return v;
}

}  // namespace

WindowGeometry WindowGeometry::from_metadata(const std::map<std::string, std::string>& meta) {
  WindowGeometry g;
  g.frames = parse_int("frames", *find_key(meta, "frames", true), kMinFrames, kMaxFrames);
  g.height = parse_int("height", *find_key(meta, "height", true), kMinSide, kMaxSide);
  g.width = parse_int("width", *find_key(meta, "width", true), kMinSide, kMaxSide);
  g.fps = parse_real_in("fps", *find_key(meta, "fps", true), kMinFps, kMaxFps);
  g.sample_rate = parse_int("sample_rate", *find_key(meta, "sample_rate", true), kMinSampleRate, kMaxSampleRate);
  if (const std::string* raw = find_key(meta, "video_mean", false))
    g.video_mean = static_cast<float>(parse_real_in("video_mean", *raw, -kMaxVideoMean, kMaxVideoMean));
  if (const std::string* raw = find_key(meta, "video_std", false))
    g.video_std = static_cast<float>(parse_real_in("video_std", *raw, kMinVideoStd, kMaxVideoStd));
  if (const std::string* raw = find_key(meta, "crop_scale", false))
    g.crop_scale = parse_real_in("crop_scale", *raw, kMinCropScale, kMaxCropScale);
  if (const std::string* raw = find_key(meta, "crop_shift_down", false))
    g.crop_shift_down = parse_real_in("crop_shift_down", *raw, -kMaxCropShift, kMaxCropShift);
  if (const std::string* raw = find_key(meta, "audio_norm", false)) {
    try {
      g.audio_norm = audio_norm_from_name(*raw);
    } catch (const Error& e) {
      throw Error(e.code(), "model metadata 'audio_norm': " + std::string(e.what()));
    }
  }
  try {
    g.validate();
  } catch (const Error& e) {
    throw Error(e.code(), "model metadata: " + std::string(e.what()));
  }
  if (const std::string* raw = find_key(meta, "samples", false)) {
    const int declared = parse_int("samples", *raw, 1, std::numeric_limits<int>::max());
    if (declared != g.samples())
      throw Error(ErrorCode::kInvalidArgument,
                  "model metadata is inconsistent: samples = " + std::to_string(declared) +
                      " but frames/fps*sample_rate = " + std::to_string(g.frames) + "/" + number_text(g.fps) + "*" +
                      std::to_string(g.sample_rate) + " = " + std::to_string(g.samples()));
  }
  return g;
}

std::map<std::string, std::string> WindowGeometry::to_metadata() const {
  auto num = [](double v) { return number_text(v); };
  return {{"frames", std::to_string(frames)},       {"height", std::to_string(height)},
          {"width", std::to_string(width)},         {"fps", num(fps)},
          {"sample_rate", std::to_string(sample_rate)}, {"samples", std::to_string(samples())},
          {"video_mean", num(video_mean)},          {"video_std", num(video_std)},
          {"audio_norm", audio_norm_name(audio_norm)}, {"crop_scale", num(crop_scale)},
          {"crop_shift_down", num(crop_shift_down)}};
}

void normalise_crops(const uint8_t* crops, const WindowGeometry& g, float* out) {
  // crops are T x H x W x 3; the network wants 3 x T x H x W.
  const size_t plane = static_cast<size_t>(g.frames) * g.height * g.width;
  float lut[256];  // exactly (x/255 - mean)/std in float, as docs/METHOD.md §1 writes it
  for (int x = 0; x < 256; ++x) lut[x] = (static_cast<float>(x) / 255.0f - g.video_mean) / g.video_std;
  for (size_t p = 0; p < plane; ++p)
    for (int c = 0; c < 3; ++c) out[c * plane + p] = lut[crops[p * 3 + c]];
}

}  // namespace avlens
