#include "avlens/synth/animation.hpp"

#include <algorithm>
#include <cmath>

namespace avlens::synth {
namespace {

constexpr double kTwoPi = 6.283185307179586;

float smoothstep(float e0, float e1, float x) {
  const float t = std::max(0.0f, std::min(1.0f, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

// A smooth random signal in about [-1, 1]: three sinusoids of random slow frequencies.
struct Wander {
  double f[3], p[3], a[3];
  explicit Wander(Rng& rng, double fmin = 0.08, double fmax = 0.7) {
    double total = 0;
    for (int i = 0; i < 3; ++i) {
      f[i] = rng.uniform(fmin, fmax);
      p[i] = rng.uniform(0, kTwoPi);
      a[i] = rng.uniform(0.3, 1.0);
      total += a[i];
    }
    for (double& x : a) x /= total;
  }
  float at(double t) const {
    double s = 0;
    for (int i = 0; i < 3; ++i) s += a[i] * std::sin(kTwoPi * f[i] * t + p[i]);
    return static_cast<float>(s);
  }
};

}  // namespace

std::vector<MouthShape> mouth_from_speech(const std::vector<float>& speech, long t0_sample, int frames, double fps,
                                          double lag_seconds) {
  const long window = 48000 / 25;  // 40 ms analysis window
  struct Feature {
    double db, hf;
  };
  std::vector<Feature> feats(static_cast<size_t>(frames));
  double top = -200;
  for (int k = 0; k < frames; ++k) {
    const long centre = t0_sample + static_cast<long>(std::lround((k / fps - lag_seconds) * 48000.0));
    double e = 0, eh = 0;
    float prev = 0;
    for (long i = centre - window / 2; i < centre + window / 2; ++i) {
      const float v = (i >= 0 && i < static_cast<long>(speech.size())) ? speech[static_cast<size_t>(i)] : 0.0f;
      e += static_cast<double>(v) * v;
      eh += static_cast<double>(v - prev) * (v - prev);
      prev = v;
    }
    e /= window;
    eh /= window;
    feats[static_cast<size_t>(k)].db = 10 * std::log10(e + 1e-12);
    // High-frequency share: the first difference boosts high frequencies (white noise -> 2).
    feats[static_cast<size_t>(k)].hf = e > 1e-12 ? std::min(1.0, eh / (2 * e)) : 0.0;
    top = std::max(top, feats[static_cast<size_t>(k)].db);
  }
  std::vector<MouthShape> out(static_cast<size_t>(frames));
  float open = 0, round = 0;
  for (int k = 0; k < frames; ++k) {
    const Feature& f = feats[static_cast<size_t>(k)];
    const float level = std::max(0.0f, std::min(1.0f, static_cast<float>((f.db - (top - 32.0)) / 28.0)));
    const float hf = static_cast<float>(f.hf);
    // Sibilants and fricatives (most energy up high) keep the teeth nearly together.
    const float fricative = smoothstep(0.35f, 0.7f, hf);
    const float target_open = std::pow(level, 1.3f) * (1 - 0.6f * fricative);
    // Dark (low) voiced sound: rounded lips (o, u); bright: spread (i, e).
    const float target_round = level > 0.2f ? std::max(-1.0f, std::min(1.0f, 1.0f - 12.0f * hf)) : 0.0f;
    open += (target_open - open) * (target_open > open ? 0.75f : 0.45f);
    round += (target_round - round) * 0.5f;
    out[static_cast<size_t>(k)] = {open, round};
  }
  return out;
}

std::vector<FramePose> head_motion(const FramePose& rest, const MotionRange& range, int frames, double fps,
                                   const std::vector<MouthShape>& mouth, Rng& rng) {
  const Wander yaw(rng), pitch(rng), roll(rng), sx(rng, 0.05, 0.4), sy(rng, 0.05, 0.4), zoom(rng, 0.03, 0.2);
  const float yaw_bias = rng.uniformf(-0.4f, 0.4f) * range.yaw;
  std::vector<FramePose> poses(static_cast<size_t>(frames));
  float nod = 0;
  for (int k = 0; k < frames; ++k) {
    const double t = k / fps;
    const float open = k < static_cast<int>(mouth.size()) ? mouth[static_cast<size_t>(k)].open : 0.0f;
    nod += (open - nod) * 0.15f;  // speakers nod a little with emphasis
    FramePose p = rest;
    p.yaw = yaw_bias + range.yaw * 0.8f * yaw.at(t);
    p.pitch = range.pitch * pitch.at(t) + 0.03f * nod;
    p.roll = range.roll * roll.at(t);
    p.cx += range.shift * rest.scale * sx.at(t);
    p.cy += 0.5f * range.shift * rest.scale * sy.at(t);
    p.scale *= 1 + range.zoom * zoom.at(t);
    poses[static_cast<size_t>(k)] = p;
  }
  return poses;
}

std::vector<Expression> expressions(const std::vector<MouthShape>& mouth, int frames, double fps, Rng& rng) {
  std::vector<Expression> ex(static_cast<size_t>(frames));
  // Blinks: close over 2 frames, stay 1, open over 3.
  static const float kBlink[] = {0.5f, 1.0f, 1.0f, 0.66f, 0.33f};
  double next_blink = rng.uniform(0.2, 3.0);
  const Wander gaze_u(rng, 0.1, 0.5), gaze_v(rng, 0.1, 0.5);
  float brow = 0;
  for (int k = 0; k < frames; ++k) {
    const double t = k / fps;
    if (t >= next_blink) {
      for (int i = 0; i < 5 && k + i < frames; ++i) ex[static_cast<size_t>(k + i)].blink = kBlink[i];
      next_blink = t + rng.uniform(2.0, 6.0);
    }
    const float open = k < static_cast<int>(mouth.size()) ? mouth[static_cast<size_t>(k)].open : 0.0f;
    brow += (open * 0.6f - brow) * 0.1f;
    Expression& e = ex[static_cast<size_t>(k)];
    if (k < static_cast<int>(mouth.size())) {
      e.mouth_open = mouth[static_cast<size_t>(k)].open;
      e.mouth_round = mouth[static_cast<size_t>(k)].round;
    }
    e.brow_raise = brow;
    e.gaze_u = 0.35f * gaze_u.at(t);
    e.gaze_v = 0.3f * gaze_v.at(t);
  }
  return ex;
}

}  // namespace avlens::synth
