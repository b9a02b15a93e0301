// Capture jitter (native/train/src/capture_jitter.cpp): draws within the documented ranges, the picture
// and the voice changed as drawn, the voice's noise at the drawn SNR, and in the batch loader a window
// and its twin changed alike.
#include <gtest/gtest.h>

#include <cmath>

#include "avlens/error.hpp"
#include "avlens/train/batch_loader.hpp"
#include "avlens/train/capture_jitter.hpp"
#include "window_fixtures.hpp"

using namespace avlens;
using namespace avlens::train;

TEST(CaptureJitter, DrawsStayInTheirRangesAndCoverThem) {
  std::mt19937_64 rng(5);
  int blurred = 0, noisy = 0;
  float min_b = 99, max_b = -99;
  for (int i = 0; i < 2000; ++i) {
    const CaptureJitter j = draw_capture_jitter(rng);
    ASSERT_GE(j.zoom, 1.f);
    ASSERT_LE(j.zoom, 1.15f);
    ASSERT_LE(std::abs(j.shift_x), (1 - 1 / j.zoom) / 2 + 1e-6f);
    ASSERT_LE(std::abs(j.shift_y), (1 - 1 / j.zoom) / 2 + 1e-6f);
    ASSERT_GE(j.brightness, -20.f);
    ASSERT_LE(j.brightness, 20.f);
    min_b = std::min(min_b, j.brightness);
    max_b = std::max(max_b, j.brightness);
    ASSERT_GE(j.contrast, 0.8f - 1e-5f);
    ASSERT_LE(j.contrast, 1.25f + 1e-5f);
    for (float gain : j.channel_gain) {
      ASSERT_GE(gain, 0.9f);
      ASSERT_LE(gain, 1.1f);
    }
    blurred += j.blur;
    if (j.noise_snr_db > 0) {
      ++noisy;
      ASSERT_GE(j.noise_snr_db, 10.f);
      ASSERT_LE(j.noise_snr_db, 40.f);
    }
  }
  EXPECT_LT(min_b, -18.f);
  EXPECT_GT(max_b, 18.f);
  EXPECT_NEAR(blurred / 2000.0, 0.25, 0.04);
  EXPECT_NEAR(noisy / 2000.0, 0.5, 0.04);
}

TEST(CaptureJitter, ChangesThePictureAsDrawnAndAddsNoiseAtTheDrawnSnr) {
  const WindowGeometry g = WindowGeometry::preset("tiny");
  const WindowSample original = fixtures::make_window(g, 0, 11);
  WindowSample w = original;
  CaptureJitter j;
  j.brightness = 10;
  j.channel_gain = {1.1f, 1.0f, 0.9f};
  j.noise_snr_db = 20;
  j.noise_seed = 3;
  apply_capture_jitter(j, g, w);
  // Contrast 1: each level is gain * level + 10, rounded and clipped.
  for (size_t i = 0; i < w.crops.size(); i += 97) {
    const float expect = std::clamp(std::round(original.crops[i] * j.channel_gain[i % 3] + 10.f), 0.f, 255.f);
    ASSERT_EQ(w.crops[i], static_cast<uint8_t>(expect)) << i;
  }
  double signal = 0, noise = 0;
  for (size_t s = 0; s < w.audio.size(); ++s) {
    ASSERT_LE(std::abs(w.audio[s]), 1.f);
    signal += original.audio[s] * original.audio[s];
    noise += (w.audio[s] - original.audio[s]) * (w.audio[s] - original.audio[s]);
  }
  EXPECT_NEAR(10 * std::log10(signal / noise), 20.0, 0.5);

  // Contrast scales the distance from the window's mean; blur evens neighbouring pixels.
  WindowSample flat = original;
  CaptureJitter low;
  low.contrast = 0.8f;
  low.blur = true;
  apply_capture_jitter(low, g, flat);
  auto spread = [](const std::vector<uint8_t>& v) {
    double mean = 0, var = 0;
    for (uint8_t x : v) mean += x;
    mean /= v.size();
    for (uint8_t x : v) var += (x - mean) * (x - mean);
    return std::sqrt(var / v.size());
  };
  EXPECT_LT(spread(flat.crops), 0.8 * spread(original.crops));
  EXPECT_EQ(flat.audio, original.audio);  // no noise drawn

  WindowSample wrong = original;
  wrong.crops.pop_back();
  EXPECT_THROW(apply_capture_jitter(j, g, wrong), Error);
}

TEST(CaptureJitter, ReframingShowsThePartOfTheCropItNames) {
  const WindowGeometry g = WindowGeometry::preset("tiny");
  WindowSample w = fixtures::make_window(g, 0, 4);
  // Every pixel's level is 2 x its column + its row / 4 (below 255 at 64 x 64).
  for (int f = 0; f < g.frames; ++f)
    for (int y = 0; y < g.height; ++y)
      for (int x = 0; x < g.width; ++x)
        for (int c = 0; c < 3; ++c)
          w.crops[((static_cast<size_t>(f) * g.height + y) * g.width + x) * 3 + c] = static_cast<uint8_t>(2 * x + y / 4);
  const WindowSample original = w;
  auto level = [&](const WindowSample& s, int f, int y, int x) { return s.crops[((static_cast<size_t>(f) * g.height + y) * g.width + x) * 3]; };
  CaptureJitter j;
  j.zoom = 2;  // the central half: output column x shows source column W / 4 + (x + 0.5) / 2 - 0.5
  apply_capture_jitter(j, g, w);
  for (int x : {0, 10, 31, 63}) {
    const float sx = g.width / 4.f + (x + 0.5f) / 2 - 0.5f;
    EXPECT_NEAR(level(w, 3, g.height / 2, x), 2 * sx + (g.height / 4.f + (g.height / 2 + 0.5f) / 2 - 0.5f) / 4, 1.5) << x;
  }
  WindowSample moved = original;
  j.shift_x = 0.25f;  // the right half
  apply_capture_jitter(j, g, moved);
  const float row0 = (g.height / 4.f - 0.25f) / 4;  // output row 0 shows source row H / 4 - 0.25
  EXPECT_NEAR(level(moved, 0, 0, 0), 2 * (g.width / 2.f - 0.25f) + row0, 1.5);
  EXPECT_NEAR(level(moved, 0, 0, g.width - 1), 2 * (g.width - 1.f) + row0, 1.5);
  EXPECT_EQ(moved.audio, original.audio);
}

TEST(CaptureJitter, TheLoaderChangesAWindowAndItsTwinAlikeAndOnlyWhenAsked) {
  const WindowGeometry g = WindowGeometry::preset("tiny");
  auto source = fixtures::make_source(g, 4, 3, 2);
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = false;
  o.twins = true;
  o.mismatch.probability = 1.0;
  o.workers = 1;
  BatchLoader plain(source, o);
  o.capture_jitter = true;
  BatchLoader jittered(source, o);
  const Batch a = plain.build(0, 0), b = jittered.build(0, 0);
  ASSERT_EQ(a.windows, b.windows);
  ASSERT_EQ(b.video.size(0), 4);
  EXPECT_FALSE(torch::equal(a.video, b.video));
  // Twins (positions 0/1, 2/3) whose pictures are equal without jitter (a voice swap; a shifted voice
  // may move the picture instead) stay equal with it: one draw for both.
  int same_pictures = 0;
  for (int64_t i = 0; i < 4; i += 2)
    if (torch::equal(a.video[i], a.video[i + 1])) {
      ++same_pictures;
      EXPECT_TRUE(torch::equal(b.video[i], b.video[i + 1])) << "twin pair " << i / 2;
      EXPECT_FALSE(torch::equal(a.video[i], b.video[i]));
    }
  EXPECT_GT(same_pictures, 0);
  // The same seed draws the same jitter again.
  BatchLoader again(source, o);
  EXPECT_TRUE(torch::equal(again.build(0, 0).video, b.video));
}
