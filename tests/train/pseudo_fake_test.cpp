// docs/METHOD.md §3: the temporally-local pseudo-fakes.
#include <gtest/gtest.h>

#include <map>

#include "avlens/error.hpp"
#include "avlens/train/pseudo_fake.hpp"
#include "window_fixtures.hpp"

using namespace avlens;
using namespace avlens::train;

namespace {
const WindowGeometry kTiny = WindowGeometry::preset("tiny");

// A window whose every frame and sample holds a constant that names its source and position.
WindowSample marked(const WindowGeometry& g, uint8_t frame_base, float audio_base) {
  WindowSample w;
  const size_t frame_bytes = static_cast<size_t>(g.height) * g.width * 3;
  for (int f = 0; f < g.frames; ++f) w.crops.insert(w.crops.end(), frame_bytes, static_cast<uint8_t>(frame_base + f));
  for (int s = 0; s < g.samples(); ++s) w.audio.push_back(audio_base + s);
  return w;
}
}  // namespace

TEST(PseudoFake, DrawsWithinBoundsWithTheSpecDistribution) {
  PseudoFakeOptions o;  // p = 0.5, r_min = 0, r_max = 1
  std::mt19937_64 rng(42);
  std::map<PseudoFakeKind, int> kinds;
  int min_len = 1 << 30, max_len = 0;
  const int trials = 20000;
  for (int i = 0; i < trials; ++i) {
    PseudoFakeEdit e = draw_pseudo_fake(o, kTiny, rng);
    ++kinds[e.kind];
    if (e.kind == PseudoFakeKind::kVideo || e.kind == PseudoFakeKind::kBoth) {
      ASSERT_GE(e.video_length, 2);
      ASSERT_LE(e.video_start + e.video_length, kTiny.frames);
      ASSERT_GE(e.video_start, 0);
      min_len = std::min(min_len, e.video_length);
      max_len = std::max(max_len, e.video_length);
    }
    if (e.kind == PseudoFakeKind::kAudio) {
      ASSERT_GE(e.audio_length, 2);
      ASSERT_GE(e.audio_start, 0);
      ASSERT_LE(e.audio_start + e.audio_length, kTiny.samples());
    }
  }
  EXPECT_NEAR(kinds[PseudoFakeKind::kNone] / double(trials), 0.5, 0.02);
  for (auto k : {PseudoFakeKind::kAudio, PseudoFakeKind::kVideo, PseudoFakeKind::kBoth})
    EXPECT_NEAR(kinds[k] / double(trials), 1.0 / 6, 0.02) << pseudo_fake_kind_name(k);
  EXPECT_EQ(min_len, 2);             // l_min = 2 when r_min ~ 0
  EXPECT_EQ(max_len, kTiny.frames);  // r_max = 1 allows the whole window
}

TEST(PseudoFake, RminRmaxBoundTheLength) {
  PseudoFakeOptions o;
  o.probability = 1;
  o.r_min = 0.3;
  o.r_max = 0.6;
  WindowGeometry g = WindowGeometry::preset("paper");  // n = 30 frames, 48 000 samples
  std::mt19937_64 rng(1);
  for (int i = 0; i < 5000; ++i) {
    PseudoFakeEdit e = draw_pseudo_fake(o, g, rng);
    if (e.kind == PseudoFakeKind::kAudio) {
      EXPECT_GE(e.audio_length, 14400);
      EXPECT_LE(e.audio_length, 28800);
    } else {
      EXPECT_GE(e.video_length, 9);
      EXPECT_LE(e.video_length, 18);
    }
  }
  o.r_min = 0.7;
  EXPECT_THROW(o.validate(), Error);
}

TEST(PseudoFake, OnlyTheChosenSpanChangesAndTheLabelIsFake) {
  std::mt19937_64 rng(7);
  PseudoFakeOptions o;
  o.probability = 1;
  const size_t frame_bytes = static_cast<size_t>(kTiny.height) * kTiny.width * 3;
  for (int i = 0; i < 300; ++i) {
    PseudoFakeEdit e = draw_pseudo_fake(o, kTiny, rng);
    WindowSample target = marked(kTiny, 0, 0), donor = marked(kTiny, 100, 1e6f);
    target.label = 0;
    apply_pseudo_fake(e, kTiny, target, donor);
    EXPECT_EQ(target.label, 1);
    const bool video = e.kind == PseudoFakeKind::kVideo || e.kind == PseudoFakeKind::kBoth;
    const bool audio = e.kind == PseudoFakeKind::kAudio || e.kind == PseudoFakeKind::kBoth;
    for (int f = 0; f < kTiny.frames; ++f) {
      const bool in_span = video && f >= e.video_start && f < e.video_start + e.video_length;
      // Elements g..g+l-1 of I become those of J, at the same positions.
      EXPECT_EQ(target.crops[f * frame_bytes], in_span ? 100 + f : f) << "frame " << f;
      EXPECT_EQ(target.crops[(f + 1) * frame_bytes - 1], in_span ? 100 + f : f);
    }
    for (int s = 0; s < kTiny.samples(); ++s) {
      const bool in_span = audio && s >= e.audio_start && s < e.audio_start + e.audio_length;
      ASSERT_EQ(target.audio[s], in_span ? 1e6f + s : float(s)) << "sample " << s;
    }
  }
}

TEST(PseudoFake, BothReplacesTheSameSecondsInAudioAndVideo) {
  std::mt19937_64 rng(3);
  PseudoFakeOptions o;
  o.probability = 1;
  int seen = 0;
  for (const char* preset : {"tiny", "small", "paper"}) {
    WindowGeometry g = WindowGeometry::preset(preset);
    const double samples_per_frame = double(g.samples()) / g.frames;
    for (int i = 0; i < 600; ++i) {
      PseudoFakeEdit e = draw_pseudo_fake(o, g, rng);
      if (e.kind != PseudoFakeKind::kBoth) continue;
      ++seen;
      EXPECT_DOUBLE_EQ(e.audio_start, e.video_start * samples_per_frame);
      EXPECT_DOUBLE_EQ(e.audio_length, e.video_length * samples_per_frame);
      // In seconds: the same interval.
      EXPECT_NEAR(e.audio_start / double(g.sample_rate), e.video_start / g.fps, 1e-9);
      EXPECT_NEAR((e.audio_start + e.audio_length) / double(g.sample_rate), (e.video_start + e.video_length) / g.fps, 1e-9);
    }
  }
  EXPECT_GT(seen, 200);
}

TEST(PseudoFake, NoneLeavesTheWindowAlone) {
  PseudoFakeOptions o;
  o.probability = 0;
  std::mt19937_64 rng(1);
  WindowSample target = marked(kTiny, 0, 0), donor = marked(kTiny, 100, 1e6f);
  WindowSample before = target;
  PseudoFakeEdit e = draw_pseudo_fake(o, kTiny, rng);
  EXPECT_EQ(e.kind, PseudoFakeKind::kNone);
  apply_pseudo_fake(e, kTiny, target, donor);
  EXPECT_EQ(target.crops, before.crops);
  EXPECT_EQ(target.audio, before.audio);
  EXPECT_EQ(target.label, 0);
}
