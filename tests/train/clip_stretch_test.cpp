// Windows cut from the clip around a cached window: temporal jitter, shifted voices, mirroring
// (native/train/include/avlens/train/clip_stretch.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "avlens/audio_scale.hpp"
#include "avlens/error.hpp"
#include "avlens/train/batch_loader.hpp"
#include "avlens/train/clip_stretch.hpp"

using namespace avlens;
using namespace avlens::train;

namespace {
const WindowGeometry kTiny = WindowGeometry::preset("tiny");
const int kSpf = kTiny.samples() / kTiny.frames;  // 2000 samples a frame

// The clip's raw voice: loud in odd seconds, quiet in even ones, so a per-window scaling joined
// without undoing would show; every sample distinct enough to find where a cut starts.
float raw_voice(int s) { return ((s / kTiny.samples()) % 2 ? 0.8f : 0.2f) * std::sin(0.013f * s) + 1e-6f * s; }

// Window w of a clip whose frame f (counted from the clip's start) is filled with the value f and
// whose voice is raw_voice, scaled per window as the core does.
WindowSample clip_window(int w, int label = 0) {
  WindowSample s;
  s.label = label;
  const size_t frame_bytes = static_cast<size_t>(kTiny.height) * kTiny.width * 3;
  for (int f = 0; f < kTiny.frames; ++f) s.crops.insert(s.crops.end(), frame_bytes, static_cast<uint8_t>(w * kTiny.frames + f));
  for (int i = 0; i < kTiny.samples(); ++i) s.audio.push_back(raw_voice(w * kTiny.samples() + i));
  std::tie(s.audio_low, s.audio_high) = scale_window_audio(s.audio, kTiny.audio_norm, 0, 0);
  return s;
}

std::shared_ptr<MemoryWindowSource> clip_source(int windows, int label = 0) {
  auto source = std::make_shared<MemoryWindowSource>(kTiny);
  for (int w = 0; w < windows; ++w) source->add("clip", clip_window(w, label), w, "person");
  return source;
}

int first_frame(const WindowSample& s) { return s.crops.front(); }
void expect_frames_from(const WindowSample& s, int first) {
  const size_t frame_bytes = static_cast<size_t>(kTiny.height) * kTiny.width * 3;
  for (int f = 0; f < kTiny.frames; ++f) ASSERT_EQ(s.crops[f * frame_bytes], first + f) << "frame " << f;
}
// The raw voice from sample `first` on, scaled as one window.
void expect_voice_from(const WindowSample& s, int first) {
  std::vector<float> want;
  for (int i = 0; i < kTiny.samples(); ++i) want.push_back(raw_voice(first + i));
  scale_window_audio(want, kTiny.audio_norm, 0, 0);
  ASSERT_EQ(s.audio.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(s.audio[i], want[i], 1e-4) << "sample " << i;
}
}  // namespace

TEST(ClipStretch, JitteredWindowIsTheClipFromThatFrameWithItsOwnVoice) {
  auto source = clip_source(3);
  WindowSample out;
  ASSERT_TRUE(cut_window(*source, 1, {3, 0}, out));  // window 1 (frames 8..15) moved 3 frames later
  expect_frames_from(out, 11);
  expect_voice_from(out, 11 * kSpf);
  EXPECT_EQ(out.label, 0);
  ASSERT_TRUE(cut_window(*source, 1, {-5, 0}, out));
  expect_frames_from(out, 3);
  expect_voice_from(out, 3 * kSpf);
}

TEST(ClipStretch, JitterStopsAtTheEdgesOfTheClip) {
  auto source = clip_source(2);
  WindowSample out;
  ASSERT_TRUE(cut_window(*source, 0, {-4, 0}, out));  // nothing before the first window
  expect_frames_from(out, 0);
  ASSERT_TRUE(cut_window(*source, 1, {6, 0}, out));   // nothing after the last
  expect_frames_from(out, 8);
  expect_voice_from(out, 8 * kSpf);
}

TEST(ClipStretch, ShiftedVoiceIsTheRawVoiceFromAnotherTimeAndFake) {
  auto source = clip_source(3);
  const int d = 4321;
  WindowSample out;
  ASSERT_TRUE(cut_window(*source, 1, {0, d}, out));  // late: the lips move before the voice is heard
  expect_frames_from(out, 8);
  expect_voice_from(out, 8 * kSpf - d);
  EXPECT_EQ(out.label, 1);
  ASSERT_TRUE(cut_window(*source, 1, {2, -d}, out));  // early, on a jittered window
  expect_frames_from(out, 10);
  expect_voice_from(out, 10 * kSpf + d);
  // The first window has nothing before it: a late voice moves the picture instead of failing.
  ASSERT_TRUE(cut_window(*source, 0, {0, d}, out));
  EXPECT_EQ(first_frame(out), (d + kSpf - 1) / kSpf);
  expect_voice_from(out, first_frame(out) * kSpf - d);
  // One window alone cannot hold a shifted voice.
  auto single = clip_source(1);
  WindowSample untouched = clip_window(5);
  EXPECT_FALSE(cut_window(*single, 0, {0, d}, untouched));
  expect_frames_from(untouched, 40);
}

TEST(ClipStretch, FakeWindowsKeepTheirLabelWhenJittered) {
  auto source = clip_source(2, 1);
  WindowSample out;
  ASSERT_TRUE(cut_window(*source, 0, {2, 0}, out));
  EXPECT_EQ(out.label, 1);
}

TEST(ClipStretch, RefusesWindowsWithoutTheirRawRange) {
  ClipStretch stretch(kTiny);
  WindowSample old = clip_window(0);
  old.audio_low = std::nanf("");
  EXPECT_THROW(stretch.append(old), Error);
  WindowSample wrong = clip_window(0);
  wrong.crops.resize(7);
  EXPECT_THROW(stretch.append(wrong), Error);
  stretch.append(clip_window(0));
  EXPECT_THROW(stretch.cut(1, 0, 0), Error);  // does not fit in one window
}

TEST(ClipStretch, MirrorSwapsLeftAndRight) {
  WindowSample w = clip_window(0);
  for (int f = 0; f < kTiny.frames; ++f)
    for (int y = 0; y < kTiny.height; ++y)
      for (int x = 0; x < kTiny.width; ++x)
        for (int c = 0; c < 3; ++c)
          w.crops[((static_cast<size_t>(f) * kTiny.height + y) * kTiny.width + x) * 3 + c] = static_cast<uint8_t>(x * 3 + c + f);
  std::vector<uint8_t> mirrored = w.crops;
  mirror_crops(mirrored, kTiny);
  for (int f = 0; f < kTiny.frames; ++f)
    for (int y = 0; y < kTiny.height; y += 7)
      for (int x = 0; x < kTiny.width; ++x)
        for (int c = 0; c < 3; ++c)
          ASSERT_EQ(mirrored[((static_cast<size_t>(f) * kTiny.height + y) * kTiny.width + x) * 3 + c],
                    (kTiny.width - 1 - x) * 3 + c + f);
  mirror_crops(mirrored, kTiny);
  EXPECT_EQ(mirrored, w.crops);
}

TEST(ClipStretch, LoaderJittersRealWindowsAndKeepsThemReal) {
  auto source = clip_source(4);
  LoaderOptions lo;
  lo.batch_size = 4;
  lo.workers = 1;
  lo.jitter = true;
  BatchLoader loader(source, lo);
  std::set<int> starts;
  for (int epoch = 0; epoch < 6; ++epoch) {
    loader.start_epoch(epoch);
    Batch b;
    while (loader.next(b))
      for (size_t k = 0; k < b.windows.size(); ++k) {
        EXPECT_EQ(b.labels[k].item<float>(), 0.0f);
        // The video tensor holds (x/255 - 0.5)/0.5 of frame values 0..31: read the first frame back.
        const float v = b.video[k][0][0][0][0].item<float>();
        const int frame = static_cast<int>(std::lround((v * 0.5f + 0.5f) * 255));
        EXPECT_LE(std::abs(frame - static_cast<int>(b.windows[k]) * kTiny.frames), kTiny.frames - 1);
        starts.insert(frame);
      }
  }
  EXPECT_GT(starts.size(), 8u) << "jitter should start windows at many frames";
}

TEST(ClipStretch, TwinsPairEachRealWindowWithAFakeOfTheSamePicture) {
  // Four people, three seconds each: every real window's twin is its voice swapped or shifted.
  auto source = std::make_shared<MemoryWindowSource>(kTiny);
  for (int p = 0; p < 4; ++p)
    for (int w = 0; w < 3; ++w) source->add("clip" + std::to_string(p), clip_window(w + 3 * p), w, "person" + std::to_string(p));
  source->add("fake", clip_window(20, 1), 0, "person9");
  LoaderOptions lo;
  lo.batch_size = 4;
  lo.workers = 1;
  lo.twins = true;
  lo.jitter = true;
  lo.mirror = true;
  lo.mismatch.probability = 1.0;
  BatchLoader loader(source, lo);
  EXPECT_EQ(loader.batches_per_epoch(), 6u);  // 13 windows, 2 a batch
  int swaps = 0, shifts = 0, fakes = 0;
  for (int epoch = 0; epoch < 4; ++epoch) {
    loader.start_epoch(epoch);
    Batch b;
    while (loader.next(b)) {
      ASSERT_EQ(b.windows.size(), 4u);
      for (size_t k = 0; k < 4; k += 2) {
        EXPECT_EQ(b.windows[k], b.windows[k + 1]);
        EXPECT_EQ(b.labels[k + 1].item<float>(), 1.0f) << "a twin is always fake";
        if (source->label(b.windows[k]) == 1) {
          ++fakes;
          EXPECT_EQ(b.labels[k].item<float>(), 1.0f);
          continue;
        }
        EXPECT_EQ(b.labels[k].item<float>(), 0.0f) << "the real window itself stays real";
        EXPECT_EQ(b.mismatches[k], MismatchKind::kNone);
        ASSERT_NE(b.mismatches[k + 1], MismatchKind::kNone);
        if (b.mismatches[k + 1] == MismatchKind::kVoiceSwap) {
          ++swaps;
          EXPECT_TRUE(torch::equal(b.video[k], b.video[k + 1])) << "a voice swap keeps the picture, mirroring included";
          EXPECT_FALSE(torch::equal(b.audio[k], b.audio[k + 1]));
        } else {
          ++shifts;
        }
      }
    }
  }
  EXPECT_GT(swaps, 0);
  EXPECT_GT(shifts, 0);
  EXPECT_GT(fakes, 0);
  lo.batch_size = 3;
  EXPECT_THROW(BatchLoader(source, lo), Error);
}
