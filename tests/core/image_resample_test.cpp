#include <gtest/gtest.h>

#include <numeric>
#include <utility>
#include <vector>

#include "image_resample.hpp"

using namespace avlens;

TEST(ImageResample, SameSizeIsACopy) {
  std::vector<uint8_t> img(17 * 13 * 3);
  for (size_t i = 0; i < img.size(); ++i) img[i] = static_cast<uint8_t>(i * 7);
  std::vector<uint8_t> out(img.size());
  resample_region(img.data(), 17, 13, 17 * 3, 3, 0, 0, 17, 13, 17, 13, out.data());
  EXPECT_EQ(out, img);
}

TEST(ImageResample, ConstantStaysConstantWhenShrinking) {
  std::vector<uint8_t> img(400 * 300 * 3, 123);
  std::vector<uint8_t> out(64 * 64 * 3);
  resample_region(img.data(), 400, 300, 400 * 3, 3, 50, 20, 256, 256, 64, 64, out.data());
  for (uint8_t v : out) ASSERT_EQ(v, 123);
}

TEST(ImageResample, OutsideTheFrameIsBlack) {
  std::vector<uint8_t> img(100 * 100 * 3, 200);
  std::vector<uint8_t> out(20 * 20 * 3);
  // Region [-100, 100) x [0, 200): left half and bottom half are outside the frame.
  resample_region(img.data(), 100, 100, 300, 3, -100, 0, 200, 200, 20, 20, out.data());
  EXPECT_EQ(out[(5 * 20 + 2) * 3], 0);     // top-left quadrant: outside
  EXPECT_EQ(out[(5 * 20 + 15) * 3], 200);  // top-right quadrant: inside
  EXPECT_EQ(out[(15 * 20 + 15) * 3], 0);   // bottom-right quadrant: outside
  // The same region padded grey (the face crop's padding): outside is exactly the pad value.
  resample_region(img.data(), 100, 100, 300, 3, -100, 0, 200, 200, 20, 20, out.data(), 110);
  EXPECT_EQ(out[(5 * 20 + 2) * 3], 110);
  EXPECT_EQ(out[(5 * 20 + 15) * 3], 200);
  EXPECT_EQ(out[(15 * 20 + 15) * 3 + 2], 110);
}

TEST(ImageResample, ShrinkAveragesInsteadOfAliasing) {
  // A 1-pixel checkerboard shrunk 8x must become mid-gray, not black or white.
  std::vector<uint8_t> img(64 * 64);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) img[y * 64 + x] = ((x + y) & 1) ? 255 : 0;
  std::vector<uint8_t> out(8 * 8);
  resample_region(img.data(), 64, 64, 64, 1, 0, 0, 64, 64, 8, 8, out.data());
  for (int y = 1; y < 7; ++y)
    for (int x = 1; x < 7; ++x) EXPECT_NEAR(out[y * 8 + x], 128, 3);
}

TEST(ImageResample, FourQuarterTurnsAreIdentity) {
  const int w = 5, h = 3;
  std::vector<uint8_t> img(w * h * 3);
  std::iota(img.begin(), img.end(), 0);
  int cw = w, ch = h;
  std::vector<uint8_t> cur = img;
  for (int i = 0; i < 4; ++i) {
    std::vector<uint8_t> next(cur.size());
    rotate_plane(cur.data(), cw, ch, cw * 3, 3, 90, next.data());
    cur = std::move(next);
    std::swap(cw, ch);  // a quarter turn swaps width and height
  }
  EXPECT_EQ(cw, w);
  EXPECT_EQ(cur, img);
  std::vector<uint8_t> r(img.size());
  rotate_plane(img.data(), w, h, w * 3, 3, 90, r.data());
  const int nw = h;
  // Clockwise: the top-left pixel goes to the top-right corner.
  EXPECT_EQ(r[(0 * nw + (nw - 1)) * 3], img[0]);
}
