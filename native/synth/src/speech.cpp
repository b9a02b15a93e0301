#include "avlens/synth/speech.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "avlens/synth/subprocess.hpp"
#include "words.hpp"

namespace avlens::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;

int count_words(const std::string& s) {
  std::istringstream in(s);
  std::string w;
  int n = 0;
  while (in >> w) ++n;
  return n;
}

std::string one_clause(Rng& rng) {
  using namespace words;
  switch (rng.integer(0, 4)) {
    case 0:
      return "the " + rng.pick(adjectives()) + " " + rng.pick(nouns()) + " " + rng.pick(verbs_present()) + " " +
             rng.pick(prepositions()) + " " + rng.pick(places());
    case 1:
      return rng.pick(subjects()) + " " + rng.pick(verbs_past()) + " a " + rng.pick(adjectives()) + " " +
             rng.pick(nouns()) + " " + rng.pick(adverbs());
    case 2:
      return rng.pick(subjects()) + " " + rng.pick(adverbs()) + " " + rng.pick(verbs_past()) + " the " +
             rng.pick(nouns()) + " " + rng.pick(prepositions()) + " " + rng.pick(places());
    case 3:
      return "when the " + rng.pick(nouns()) + " " + rng.pick(verbs_present()) + ", " + rng.pick(subjects()) + " " +
             rng.pick(verbs_past()) + " the " + rng.pick(adjectives()) + " " + rng.pick(nouns());
    default:
      return "did " + rng.pick(subjects()) + " see the " + rng.pick(adjectives()) + " " + rng.pick(nouns()) + " " +
             rng.pick(prepositions()) + " " + rng.pick(places()) + "?";
  }
}

// Windowed-sinc interpolation kernel, tabulated per output phase for rational ratios.
class SincTable {
 public:
  static constexpr int kHalfTaps = 16;
  SincTable(int up, int down) : up_(up), down_(down), taps_(static_cast<size_t>(up) * 2 * kHalfTaps) {
    const double cutoff = 0.5 * 0.94 * std::min(1.0, static_cast<double>(up) / down);  // cycles/input sample
    for (int phase = 0; phase < up; ++phase) {
      const double frac = static_cast<double>(phase) / up;
      double sum = 0;
      for (int k = 0; k < 2 * kHalfTaps; ++k) {
        const double x = (k - kHalfTaps + 1) - frac;  // input offset from the output position
        const double w = 0.5 + 0.5 * std::cos(kPi * x / kHalfTaps);  // Hann
        const double s = std::fabs(x) < 1e-12 ? 2 * cutoff : std::sin(2 * kPi * cutoff * x) / (kPi * x);
        taps_[static_cast<size_t>(phase) * 2 * kHalfTaps + k] = static_cast<float>(s * w);
        sum += s * w;
      }
      for (int k = 0; k < 2 * kHalfTaps; ++k) taps_[static_cast<size_t>(phase) * 2 * kHalfTaps + k] /= static_cast<float>(sum);
    }
  }
  const float* phase(int p) const { return &taps_[static_cast<size_t>(p) * 2 * kHalfTaps]; }
  int up() const { return up_; }
  int down() const { return down_; }

 private:
  int up_, down_;
  std::vector<float> taps_;
};

const SincTable& sinc_table(int up, int down) {
  static std::mutex m;
  static std::map<std::pair<int, int>, std::unique_ptr<SincTable>> tables;
  std::lock_guard<std::mutex> lock(m);
  auto& t = tables[{up, down}];
  if (!t) t = std::make_unique<SincTable>(up, down);
  return *t;
}

// Second-order low-pass (RBJ biquad), applied in place.
void lowpass(std::vector<float>& x, double hz) {
  if (hz >= kSampleRate * 0.45) return;
  const double w = 2 * kPi * hz / kSampleRate, cw = std::cos(w), alpha = std::sin(w) / (2 * 0.7071);
  const double a0 = 1 + alpha;
  const double b0 = (1 - cw) / 2 / a0, b1 = (1 - cw) / a0, b2 = b0, a1 = -2 * cw / a0, a2 = (1 - alpha) / a0;
  double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (auto& v : x) {
    const double y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = v;
    y2 = y1;
    y1 = y;
    v = static_cast<float>(y);
  }
}

// A small-room reverberation: four parallel feedback combs and two all-pass diffusers
// (Schroeder), tuned by the decay time.
std::vector<float> reverb_tail(const std::vector<float>& dry, float rt60) {
  static const int comb_delays[4] = {1557, 1617, 1491, 1422};  // samples at 48 kHz (~30 ms)
  static const int allpass_delays[2] = {225, 556};
  std::vector<float> wet(dry.size(), 0.0f);
  for (int d : comb_delays) {
    const float g = static_cast<float>(std::pow(10.0, -3.0 * d / (rt60 * kSampleRate)));
    std::vector<float> buf(static_cast<size_t>(d), 0.0f);
    size_t i = 0;
    for (size_t n = 0; n < dry.size(); ++n) {
      const float y = buf[i];
      buf[i] = dry[n] + g * y;
      wet[n] += y * 0.25f;
      if (++i == buf.size()) i = 0;
    }
  }
  for (int d : allpass_delays) {
    std::vector<float> buf(static_cast<size_t>(d), 0.0f);
    size_t i = 0;
    const float g = 0.5f;
    for (auto& v : wet) {
      const float b = buf[i];
      const float y = -v + b;
      buf[i] = v + g * b;
      v = y;
      if (++i == buf.size()) i = 0;
    }
  }
  return wet;
}

}  // namespace

std::string random_sentence(Rng& rng, int words) {
  std::string text;
  while (count_words(text) < words) {
    std::string clause = one_clause(rng);
    clause[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(clause[0])));
    if (clause.back() != '?') clause += ".";
    text += (text.empty() ? "" : " ") + clause;
  }
  return text;
}

std::vector<float> parse_wav_mono16(const std::vector<uint8_t>& b, int& sample_rate) {
  auto u32 = [&](size_t at) {
    return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 | static_cast<uint32_t>(b[at + 2]) << 16 |
           static_cast<uint32_t>(b[at + 3]) << 24;
  };
  auto u16 = [&](size_t at) { return static_cast<uint16_t>(b[at] | b[at + 1] << 8); };
  if (b.size() < 12 || std::memcmp(b.data(), "RIFF", 4) != 0 || std::memcmp(b.data() + 8, "WAVE", 4) != 0)
    throw std::runtime_error("not a RIFF/WAVE stream");
  size_t at = 12;
  int channels = 0, bits = 0;
  sample_rate = 0;
  while (at + 8 <= b.size()) {
    const uint32_t size = u32(at + 4);
    if (std::memcmp(b.data() + at, "fmt ", 4) == 0 && at + 24 <= b.size()) {
      channels = u16(at + 10);
      sample_rate = static_cast<int>(u32(at + 12));
      bits = u16(at + 22);
    } else if (std::memcmp(b.data() + at, "data", 4) == 0) {
      if (channels != 1 || bits != 16 || sample_rate <= 0)
        throw std::runtime_error("expected 16-bit mono PCM WAV, got " + std::to_string(channels) + " channel(s), " +
                                 std::to_string(bits) + " bits");
      // A streaming writer leaves the size unknown (0 or 0xFFFFFFFF-ish): the data runs to the end.
      const size_t begin = at + 8;
      size_t end = b.size();
      if (size > 0 && begin + size <= b.size()) end = begin + size;
      std::vector<float> out((end - begin) / 2);
      for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int16_t>(u16(begin + 2 * i)) / 32768.0f;
      return out;
    }
    at += 8 + size + (size & 1);
  }
  throw std::runtime_error("WAV stream without a data chunk");
}

std::vector<float> resample(const std::vector<float>& in, int from_rate, int to_rate) {
  if (from_rate <= 0 || to_rate <= 0) throw std::invalid_argument("resample: rates must be positive");
  if (from_rate == to_rate) return in;
  const int g = std::gcd(from_rate, to_rate);
  const int up = to_rate / g, down = from_rate / g;
  if (up > 4096) throw std::invalid_argument("resample: ratio too fine");
  const SincTable& table = sinc_table(up, down);
  const size_t out_n = static_cast<size_t>(static_cast<double>(in.size()) * to_rate / from_rate);
  std::vector<float> out(out_n);
  const int H = SincTable::kHalfTaps;
  for (size_t n = 0; n < out_n; ++n) {
    // Output n sits at input position n * down / up = base + phase / up.
    const uint64_t pos = static_cast<uint64_t>(n) * down;
    const int64_t base = static_cast<int64_t>(pos / up);
    const int phase = static_cast<int>(pos % up);
    const float* taps = table.phase(phase);
    float acc = 0;
    for (int k = 0; k < 2 * H; ++k) {
      const int64_t i = base + k - H + 1;
      if (i >= 0 && i < static_cast<int64_t>(in.size())) acc += in[static_cast<size_t>(i)] * taps[k];
    }
    out[n] = acc;
  }
  return out;
}

std::vector<float> speak(const Voice& voice, const std::string& text) {
  const std::vector<std::string> argv = {"espeak-ng", "--stdout", "-v", voice.language + "+" + voice.variant,
                                         "-s", std::to_string(voice.rate), "-p", std::to_string(voice.pitch),
                                         "-g", std::to_string(voice.word_gap), text};
  int rate = 0;
  std::vector<float> pcm = parse_wav_mono16(run_capture(argv), rate);
  if (pcm.empty()) throw std::runtime_error("espeak-ng produced no audio for voice " + voice.language + "+" + voice.variant);
  pcm = resample(pcm, rate, kSampleRate);
  // Trim espeak's own leading/trailing silence: the clip decides where speech starts.
  float peak = 0;
  for (float v : pcm) peak = std::max(peak, std::fabs(v));
  if (peak <= 0) throw std::runtime_error("espeak-ng produced silence");
  const float floor = peak * 0.01f;
  size_t a = 0, b = pcm.size();
  while (a < b && std::fabs(pcm[a]) < floor) ++a;
  while (b > a && std::fabs(pcm[b - 1]) < floor) --b;
  const size_t pad = kSampleRate / 100;
  a = a > pad ? a - pad : 0;
  b = std::min(pcm.size(), b + pad);
  std::vector<float> out(pcm.begin() + static_cast<long>(a), pcm.begin() + static_cast<long>(b));
  for (auto& v : out) v /= peak;
  return out;
}

Room sample_room(Domain d, Rng& rng) {
  Room r;
  if (d == Domain::kA) {
    r.reverb_mix = rng.uniformf(0.05f, 0.2f);
    r.reverb_time = rng.uniformf(0.15f, 0.35f);
    r.noise_db = rng.uniformf(-62.0f, -50.0f);
    r.hum_db = rng.uniformf(-80.0f, -68.0f);
    r.hum_hz = 50.0f;
    r.speech_db = rng.uniformf(-24.0f, -18.0f);
    r.lowpass_hz = rng.uniformf(9000.0f, 14000.0f);
  } else {
    r.reverb_mix = rng.uniformf(0.12f, 0.35f);
    r.reverb_time = rng.uniformf(0.25f, 0.6f);
    r.noise_db = rng.uniformf(-52.0f, -40.0f);
    r.hum_db = rng.uniformf(-75.0f, -60.0f);
    r.hum_hz = 60.0f;
    r.speech_db = rng.uniformf(-26.0f, -16.0f);
    r.lowpass_hz = rng.uniformf(5500.0f, 9000.0f);
  }
  return r;
}

double rms_db(const std::vector<float>& x, size_t begin, size_t end) {
  end = std::min(end, x.size());
  if (begin >= end) return -200.0;
  double s = 0;
  for (size_t i = begin; i < end; ++i) s += static_cast<double>(x[i]) * x[i];
  return 10.0 * std::log10(s / static_cast<double>(end - begin) + 1e-20);
}

float speech_gain_for(const std::vector<float>& dry, const Room& room) {
  // Active speech: 10 ms blocks within 40 dB of the loudest block.
  const size_t block = kSampleRate / 100;
  std::vector<double> levels;
  for (size_t i = 0; i + block <= dry.size(); i += block) levels.push_back(rms_db(dry, i, i + block));
  if (levels.empty()) return 1.0f;
  const double top = *std::max_element(levels.begin(), levels.end());
  double energy = 0;
  int n = 0;
  for (double l : levels)
    if (l > top - 40) {
      energy += std::pow(10.0, l / 10);
      ++n;
    }
  const double active_db = 10 * std::log10(energy / std::max(1, n));
  return static_cast<float>(std::pow(10.0, (room.speech_db - active_db) / 20));
}

std::vector<float> apply_room_to_speech(const std::vector<float>& dry, const Room& room, float speech_gain) {
  std::vector<float> out(dry.size());
  const std::vector<float> wet = reverb_tail(dry, room.reverb_time);
  for (size_t i = 0; i < dry.size(); ++i) out[i] = speech_gain * (dry[i] + room.reverb_mix * wet[i]);
  lowpass(out, room.lowpass_hz);
  return out;
}

std::vector<float> room_background(const Room& room, size_t samples, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> out(samples);
  // Pink-ish noise (Paul Kellet's economy filter) scaled to the room's level.
  double b0 = 0, b1 = 0, b2 = 0;
  for (auto& v : out) {
    const double w = rng.normal();
    b0 = 0.99765 * b0 + w * 0.0990460;
    b1 = 0.96300 * b1 + w * 0.2965164;
    b2 = 0.57000 * b2 + w * 1.0526913;
    v = static_cast<float>(b0 + b1 + b2 + w * 0.1848);
  }
  const double level = rms_db(out, 0, out.size());
  const float noise_gain = static_cast<float>(std::pow(10.0, (room.noise_db - level) / 20));
  const double hum_amp = std::pow(10.0, room.hum_db / 20) * std::sqrt(2.0);
  const double phase0 = rng.uniform(0, 2 * kPi);
  for (size_t i = 0; i < out.size(); ++i) {
    const double t = static_cast<double>(i) / kSampleRate;
    const double ph = 2 * kPi * room.hum_hz * t + phase0;
    const double hum = hum_amp * (std::sin(ph) + 0.5 * std::sin(2 * ph) + 0.25 * std::sin(3 * ph));
    out[i] = out[i] * noise_gain + static_cast<float>(hum);
  }
  return out;
}

}  // namespace avlens::synth
