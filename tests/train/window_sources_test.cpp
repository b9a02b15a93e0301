// Splits keep groups whole; neighbours in time; mismatch fakes made from real windows (another
// person's voice, the voice shifted) in the batch loader.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "avlens/audio_scale.hpp"
#include "avlens/error.hpp"
#include "avlens/train/batch_loader.hpp"
#include "avlens/train/mismatch_fake.hpp"
#include "avlens/train/training_data.hpp"
#include "avlens/train/window_sample.hpp"
#include "window_fixtures.hpp"

using namespace avlens;
using namespace avlens::train;

namespace {
const WindowGeometry kTiny = WindowGeometry::preset("tiny");

// 30 videos in 10 groups of 3 (say a real original and two fakes made from it), 2 windows each.
std::shared_ptr<MemoryWindowSource> grouped_source() {
  auto source = std::make_shared<MemoryWindowSource>(kTiny);
  for (int v = 0; v < 30; ++v)
    for (int w = 0; w < 2; ++w)
      source->add("video" + std::to_string(v), fixtures::make_window(kTiny, v % 3 ? 1 : 0, v * 10 + w), w,
                  "group" + std::to_string(v / 3));
  return source;
}

std::set<std::string> groups_of(const WindowSource& s) {
  std::set<std::string> out;
  for (size_t i = 0; i < s.size(); ++i) out.insert(s.groups()[s.video_of(i)]);
  return out;
}
}  // namespace

TEST(SplitByGroup, NoGroupOnBothSidesAndAboutTheFraction) {
  auto source = grouped_source();
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    SourceSplit split = split_by_group(source, 0.2, seed);
    ASSERT_TRUE(split.validation);
    const auto train = groups_of(*split.train), val = groups_of(*split.validation);
    for (const auto& g : val) EXPECT_EQ(train.count(g), 0u) << g << " seed " << seed;
    EXPECT_EQ(train.size() + val.size(), 10u);
    EXPECT_EQ(val.size(), 2u);  // 6 of 30 videos = 2 whole groups
    EXPECT_EQ(split.train->size() + split.validation->size(), source->size());
  }
  // Seeded: the same seed gives the same validation groups, another seed other ones.
  EXPECT_EQ(groups_of(*split_by_group(source, 0.2, 7).validation), groups_of(*split_by_group(source, 0.2, 7).validation));
  bool differs = false;
  for (uint64_t seed = 8; seed < 12; ++seed)
    differs |= groups_of(*split_by_group(source, 0.2, seed).validation) != groups_of(*split_by_group(source, 0.2, 7).validation);
  EXPECT_TRUE(differs);
  // One group only: nothing is left to validate on without emptying training.
  auto single = std::make_shared<MemoryWindowSource>(kTiny);
  single->add("a", fixtures::make_window(kTiny, 0, 1), 0, "g");
  single->add("b", fixtures::make_window(kTiny, 1, 2), 0, "g");
  SourceSplit one = split_by_group(single, 0.5, 1);
  EXPECT_EQ(one.train->size(), 2u);
  EXPECT_FALSE(one.validation);
}

TEST(WindowSources, NeighbourIsTheContiguousWindowOfTheSameVideo) {
  auto source = std::make_shared<MemoryWindowSource>(kTiny);
  source->add("a", fixtures::make_window(kTiny, 0, 1), 0);
  source->add("a", fixtures::make_window(kTiny, 0, 2), 1);
  source->add("a", fixtures::make_window(kTiny, 0, 3), 3);  // a gap: the window at 2 s had no face
  source->add("b", fixtures::make_window(kTiny, 0, 4), 2);
  WindowSample got;
  ASSERT_TRUE(source->load_neighbour(0, 1, got));
  EXPECT_EQ(got.crops, fixtures::make_window(kTiny, 0, 2).crops);
  ASSERT_TRUE(source->load_neighbour(1, -1, got));
  EXPECT_EQ(got.crops, fixtures::make_window(kTiny, 0, 1).crops);
  EXPECT_FALSE(source->load_neighbour(1, 1, got));   // 2 s is missing in a; b's 2 s is another video
  EXPECT_FALSE(source->load_neighbour(0, -1, got));
  SubsetWindowSource subset(source, {1});
  EXPECT_TRUE(subset.load_neighbour(0, -1, got));  // neighbours are looked up in the whole source
}

namespace {
// Window w (0, 1, ...) of a raw signal cut into windows of n samples, scaled on its own as the core
// scales a window, with its raw range recorded.
WindowSample scaled_window(const std::vector<float>& raw, int n, int w) {
  WindowSample s;
  s.crops.assign(static_cast<size_t>(kTiny.frames) * kTiny.height * kTiny.width * 3, 0);
  s.audio.assign(raw.begin() + w * n, raw.begin() + (w + 1) * n);
  const auto [mn, mx] = std::minmax_element(s.audio.begin(), s.audio.end());
  s.audio_low = *mn, s.audio_high = *mx;
  scale_audio(s.audio, s.audio_low, s.audio_high);
  return s;
}
}  // namespace

TEST(MismatchFake, AudioShiftIsTheRawVoiceShiftedWithoutAStepAtTheSeam) {
  // A voice whose loudness differs between two seconds: the window before is loud, ours quiet.
  // Scaled per window, their samples cannot simply be joined (a step the network would learn);
  // the shifted window must equal the raw signal's slice, scaled as a window.
  const int n = kTiny.samples(), d = 4000;  // 0.25 s at 16 kHz
  std::vector<float> raw(2 * n);
  for (int s = 0; s < 2 * n; ++s) raw[s] = (s < n ? 0.8f : 0.1f) * std::sin(0.05f * s) + 0.01f * std::cos(0.003f * s);
  const WindowSample before = scaled_window(raw, n, 0), ours = scaled_window(raw, n, 1);
  WindowSample shifted = ours;
  apply_audio_shift({MismatchKind::kAudioShift, d}, kTiny, shifted, before);
  std::vector<float> want(raw.begin() + n - d, raw.begin() + 2 * n - d);
  const auto [mn, mx] = std::minmax_element(want.begin(), want.end());
  scale_audio(want, *mn, *mx);
  EXPECT_EQ(shifted.label, 1);
  ASSERT_EQ(shifted.audio.size(), want.size());
  for (int s = 0; s < n; ++s) ASSERT_NEAR(shifted.audio[s], want[s], 1e-4) << "sample " << s;
  EXPECT_NEAR(shifted.audio_high, 0.81f, 0.01f);  // the loud second's peak now lies inside

  // Early: ours from d on, then the next window's first d samples.
  const WindowSample first = scaled_window(raw, n, 0), next = scaled_window(raw, n, 1);
  WindowSample early = first;
  apply_audio_shift({MismatchKind::kAudioShift, -d}, kTiny, early, next);
  std::vector<float> want_early(raw.begin() + d, raw.begin() + n + d);
  const auto [emn, emx] = std::minmax_element(want_early.begin(), want_early.end());
  scale_audio(want_early, *emn, *emx);
  for (int s = 0; s < n; ++s) ASSERT_NEAR(early.audio[s], want_early[s], 1e-4) << "sample " << s;

  EXPECT_THROW(apply_audio_shift({MismatchKind::kAudioShift, n}, kTiny, shifted, before), Error);
  // A window from a cache that lacks the raw ranges: refused, never joined with a step.
  WindowSample old = ours;
  old.audio_low = old.audio_high = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(apply_audio_shift({MismatchKind::kAudioShift, d}, kTiny, old, before), Error);
}

TEST(MismatchFake, DrawsHalfSwapsHalfShiftsWithinTheShiftRange) {
  MismatchOptions o;
  o.probability = 1.0;
  std::mt19937_64 rng(3);
  int swaps = 0, shifts = 0, late = 0;
  for (int i = 0; i < 2000; ++i) {
    MismatchEdit e = draw_mismatch(o, kTiny, rng);
    if (e.kind == MismatchKind::kVoiceSwap) ++swaps;
    if (e.kind != MismatchKind::kAudioShift) continue;
    ++shifts;
    late += e.shift_samples > 0;
    const double seconds = std::abs(e.shift_samples) / 16000.0;
    EXPECT_GE(seconds, o.min_shift - 1e-4);
    EXPECT_LE(seconds, o.max_shift + 1e-4);
  }
  EXPECT_NEAR(swaps, 1000, 100);
  EXPECT_NEAR(late, shifts / 2, 100);
  o.probability = 0;
  EXPECT_EQ(draw_mismatch(o, kTiny, rng).kind, MismatchKind::kNone);
  o.max_shift = 1.5;
  EXPECT_THROW(o.validate(), Error);
}

TEST(MismatchFake, LoaderSwapsInAnotherGroupsVoiceAndShiftsWithinTheVideo) {
  // Real videos only, 3 windows each, each group one video: every mismatch is checkable.
  auto source = std::make_shared<MemoryWindowSource>(kTiny);
  std::map<std::string, std::vector<std::vector<float>>> audio_of_group;
  for (int v = 0; v < 8; ++v)
    for (int w = 0; w < 3; ++w) {
      WindowSample s = fixtures::make_window(kTiny, 0, 100 * v + w);
      audio_of_group["g" + std::to_string(v)].push_back(s.audio);
      source->add("v" + std::to_string(v), s, w, "g" + std::to_string(v));
    }
  LoaderOptions lo;
  lo.batch_size = 8;
  lo.workers = 1;
  lo.mismatch.probability = 1.0;
  BatchLoader loader(source, lo);
  int swaps = 0, shifts = 0;
  for (int epoch = 0; epoch < 4; ++epoch) {
    loader.start_epoch(epoch);
    Batch b;
    while (loader.next(b)) {
      for (size_t k = 0; k < b.windows.size(); ++k) {
        const std::string own = source->groups()[source->video_of(b.windows[k])];
        ASSERT_NE(b.mismatches[k], MismatchKind::kNone);  // an edge window can always shift inward
        EXPECT_EQ(b.labels[k].item<float>(), 1.0f);
        std::vector<float> audio(b.audio[k].data_ptr<float>(), b.audio[k].data_ptr<float>() + kTiny.samples());
        std::string from;
        for (const auto& [g, windows] : audio_of_group)
          for (const auto& a : windows)
            if (std::equal(a.begin(), a.end(), audio.begin(), [](float x, float y) { return std::abs(x - y) < 1e-6f; }))
              from = g;
        if (b.mismatches[k] == MismatchKind::kVoiceSwap) {
          ++swaps;
          EXPECT_FALSE(from.empty());
          EXPECT_NE(from, own) << "a voice swap used the same person's voice";
        } else {
          ++shifts;
          EXPECT_TRUE(from.empty()) << "a shifted window equals an unshifted one";
        }
      }
    }
  }
  EXPECT_GT(swaps, 0);
  EXPECT_GT(shifts, 0);
}

// Every command that reads windows with a model or another cache (train's validation cache, eval's test
// and validation caches, average's validation cache) refuses windows of another geometry, naming both.
TEST(RequireGeometry, RefusesWindowsOfAnotherGeometryNamingBoth) {
  const WindowGeometry tiny = WindowGeometry::preset("tiny");
  auto source = fixtures::make_source(tiny, 2, 1, 3);
  EXPECT_NO_THROW(require_geometry(*source, tiny, "the cache", "the model"));
  try {
    require_geometry(*source, WindowGeometry::preset("mouth"), "the validation cache 'v'", "the model");
    FAIL() << "a mouth model read tiny windows";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("the validation cache 'v' has another window geometry"), std::string::npos) << m;
    EXPECT_NE(m.find("than the model"), std::string::npos) << m;
    EXPECT_NE(m.find("crop_shift_down"), std::string::npos) << m;
  }
}
