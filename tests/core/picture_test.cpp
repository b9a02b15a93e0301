// The core's frames in planar YUV: only the face crop is converted to RGB, the detector reads the
// luma plane; against the RGB path (swscale's full-frame conversion) on the same content.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "avlens/windows.hpp"
#include "picture.hpp"
#include "test_clips.hpp"

using namespace avlens;
using namespace avlens::testing;

namespace {

// A flat 4:2:0 picture of one YUV colour.
struct FlatYuv {
  int w, h;
  std::vector<uint8_t> y, u, v;
  FlatYuv(int w_, int h_, uint8_t Y, uint8_t U, uint8_t V)
      : w(w_), h(h_), y(w_ * h_, Y), u(((w_ + 1) / 2) * ((h_ + 1) / 2), U), v(u.size(), V) {}
  PictureView view(bool full_range = false) const {
    PictureView p;
    p.layout = PixelLayout::kYuvPlanar;
    p.width = w, p.height = h;
    p.data[0] = y.data(), p.data[1] = u.data(), p.data[2] = v.data();
    p.stride[0] = w, p.stride[1] = p.stride[2] = (w + 1) / 2;
    p.chroma_shift_x = p.chroma_shift_y = 1;
    p.full_range = full_range;
    return p;
  }
};

std::vector<Window> read_all(const std::string& path, const WindowMakerOptions& o) {
  auto reader = ClipWindowReader::open_file(path, o);
  std::vector<Window> out;
  Window w;
  while (reader->next(w)) out.push_back(std::move(w));
  return out;
}

}  // namespace

TEST(Picture, Bt601ColoursAndGreyPadding) {
  // BT.601 video range: (Y, U, V) = (81, 90, 240) is pure red, (16, 128, 128) black, (235, 128,
  // 128) white. The crop leaves the picture on the left: there it is exactly the pad grey.
  const FlatYuv red(40, 30, 81, 90, 240);
  std::vector<uint8_t> out(20 * 20 * 3);
  crop_to_rgb(red.view(), -40, 0, 80, 30, 20, 20, out.data(), 110);
  const uint8_t* inside = &out[(10 * 20 + 15) * 3];
  EXPECT_NEAR(inside[0], 255, 1);
  EXPECT_NEAR(inside[1], 0, 1);
  EXPECT_NEAR(inside[2], 0, 1);
  const uint8_t* outside = &out[(10 * 20 + 2) * 3];
  EXPECT_EQ(outside[0], 110);
  EXPECT_EQ(outside[1], 110);
  EXPECT_EQ(outside[2], 110);
  for (auto [Y, level] : {std::pair{16, 0}, std::pair{235, 255}, std::pair{126, 128}}) {
    const FlatYuv grey(16, 16, static_cast<uint8_t>(Y), 128, 128);
    // (The filter of the border pixels reaches past the picture, into the padding: interior only.)
    crop_to_rgb(grey.view(), 0, 0, 16, 16, 8, 8, out.data(), 0);
    std::vector<uint8_t> gray(8 * 8);  // the detector's grey is the full-range luma
    crop_to_gray(grey.view(), 0, 0, 16, 16, 8, 8, gray.data());
    for (int y = 1; y < 7; ++y)
      for (int x = 1; x < 7; ++x) {
        for (int c = 0; c < 3; ++c) ASSERT_NEAR(out[(y * 8 + x) * 3 + c], level, 1) << Y;
        ASSERT_NEAR(gray[y * 8 + x], level, 1) << Y;
      }
  }
  // JPEG range: Y is the grey itself.
  const FlatYuv full(16, 16, 200, 128, 128);
  crop_to_rgb(full.view(true), 0, 0, 16, 16, 4, 4, out.data(), 0);
  EXPECT_EQ(out[(1 * 4 + 1) * 3], 200);
}

TEST(Picture, RotationTurnsChromaWithTheLuma) {
  // A 4:2:2 picture (chroma halved horizontally) turned 90 degrees has chroma halved vertically;
  // its crop is the unturned picture's crop, turned.
  const int w = 12, h = 8;
  std::vector<uint8_t> y(w * h), u(6 * h), v(6 * h);
  for (int i = 0; i < w * h; ++i) y[i] = static_cast<uint8_t>(16 + (i * 37) % 200);
  for (size_t i = 0; i < u.size(); ++i) u[i] = static_cast<uint8_t>(64 + (i * 11) % 128), v[i] = static_cast<uint8_t>(200 - (i * 7) % 128);
  PictureView p;
  p.layout = PixelLayout::kYuvPlanar;
  p.width = w, p.height = h;
  p.data[0] = y.data(), p.data[1] = u.data(), p.data[2] = v.data();
  p.stride[0] = w, p.stride[1] = p.stride[2] = 6;
  p.chroma_shift_x = 1;
  std::vector<uint8_t> storage;
  const PictureView r = rotate_picture(p, 90, &storage);
  EXPECT_EQ(r.width, h);
  EXPECT_EQ(r.height, w);
  EXPECT_EQ(r.chroma_shift_x, 0);
  EXPECT_EQ(r.chroma_shift_y, 1);
  std::vector<uint8_t> a(w * h * 3), b(w * h * 3);
  crop_to_rgb(p, 0, 0, w, h, w, h, a.data(), 0);
  crop_to_rgb(r, 0, 0, h, w, h, w, b.data(), 0);
  for (int yy = 0; yy < h; ++yy)
    for (int xx = 0; xx < w; ++xx)
      for (int c = 0; c < 3; ++c)  // clockwise: (x, y) goes to (h - 1 - y, x)
        ASSERT_EQ(a[(yy * w + xx) * 3 + c], b[(xx * h + (h - 1 - yy)) * 3 + c]) << xx << "," << yy;
}

TEST(Picture, YuvClipGivesTheCropsOfTheSameClipStoredAsRgb) {
  // The same 4:2:0 frames, once losslessly as YUV (the core keeps the planes and converts the
  // crop) and once converted to RGB by swscale and stored losslessly (the core reads RGB, as the
  // whole core did before): the crops agree to within rounding and chroma interpolation.
  const std::string frames =
      "-loop 1 -i " + face_image() + " -f lavfi -i sine=frequency=440:sample_rate=48000 -filter_complex "
      "\"[0:v]scale=640:640,crop=640:480:0:0,pad=800:480:80:0:color=gray,format=yuv420p";
  const std::string yuv = make_clip("picture_yuv.mkv", frames + "[v]\" -map [v] -map 1:a -t 2.2 -r 25 "
                                                                "-c:v ffv1 -c:a pcm_s16le -shortest");
  const std::string rgb = make_clip("picture_rgb.mkv", frames + ",format=rgb24[v]\" -map [v] -map 1:a -t 2.2 -r 25 "
                                                                "-c:v ffv1 -c:a pcm_s16le -shortest");
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset("paper");
  const auto a = read_all(yuv, o), b = read_all(rgb, o);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), a.size());
  double sum = 0;
  size_t n = 0;
  int worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].frames_without_face, 0);
    ASSERT_EQ(b[i].frames_without_face, 0);
    for (size_t k = 0; k < a[i].boxes.size(); ++k) {
      EXPECT_NEAR(a[i].boxes[k].x, b[i].boxes[k].x, 2.0);
      EXPECT_NEAR(a[i].boxes[k].w, b[i].boxes[k].w, 2.0);
    }
    for (size_t k = 0; k < a[i].crops.size(); ++k) {
      const int d = std::abs(a[i].crops[k] - b[i].crops[k]);
      sum += d, ++n, worst = std::max(worst, d);
    }
  }
  std::printf("[ measured ] |YUV path - RGB path| per crop byte: mean %.3f, max %d\n", sum / n, worst);
  EXPECT_LT(sum / n, 1.5);
  EXPECT_LE(worst, 40);  // colour edges: chroma is interpolated differently
}
