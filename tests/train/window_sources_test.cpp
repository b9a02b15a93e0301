// Splits keep groups whole; neighbours in time; mismatch fakes made from real windows (another
// person's voice, the voice shifted) in the batch loader.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "avlens/error.hpp"
#include "avlens/train/batch_loader.hpp"
#include "avlens/train/mismatch_fake.hpp"
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

TEST(MismatchFake, AudioShiftTakesTheNeighboursSamplesAndRescales) {
  const int n = kTiny.samples();
  WindowSample target, before;
  target.audio.assign(n, 0.f);
  before.audio.assign(n, 0.f);
  for (int s = 0; s < n; ++s) target.audio[s] = -1.f + 2.f * s / (n - 1), before.audio[s] = 0.25f;
  target.crops.assign(1, 0);
  MismatchEdit late{MismatchKind::kAudioShift, 4000};  // 0.25 s at 16 kHz
  WindowSample shifted = target;
  apply_audio_shift(late, kTiny, shifted, before);
  EXPECT_EQ(shifted.label, 1);
  // Samples 0..3999 come from the window before (constant 0.25), then ours from its start. Min-max
  // again over [-1, 1 - 2 * 4000 / (n - 1)]: ours stays a ramp from -1 to 1.
  const float top = 1.f - 2.f * 4000 / (n - 1);
  const float scale = 2.f / (top + 1.f);
  EXPECT_NEAR(shifted.audio[0], (0.25f + 1.f) * scale - 1.f, 1e-5);
  EXPECT_NEAR(shifted.audio[4000], -1.f, 1e-6);
  EXPECT_NEAR(shifted.audio[n - 1], 1.f, 1e-6);
  // Early: ours from 4000 on, then the next window's first samples.
  MismatchEdit early{MismatchKind::kAudioShift, -4000};
  WindowSample after = before, shifted_early = target;
  apply_audio_shift(early, kTiny, shifted_early, after);
  EXPECT_NEAR(shifted_early.audio[0], -1.f, 1e-6);
  EXPECT_NEAR(shifted_early.audio[n - 4001], 1.f, 1e-6);
  EXPECT_THROW(apply_audio_shift(MismatchEdit{MismatchKind::kAudioShift, n}, kTiny, shifted, before), Error);
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
