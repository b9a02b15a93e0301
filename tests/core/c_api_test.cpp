#include <gtest/gtest.h>

#include <string>

#include "avlens/avlens.h"
#include "avlens/error.hpp"
#include "test_clips.hpp"

using namespace avlens::testing;

namespace {
int progress_calls = 0;
void on_progress(double, void*) { ++progress_calls; }
int stop_now(void*) { return 1; }
}  // namespace

TEST(CApi, VersionIsTheHeadersVersion) {
  EXPECT_STREQ(avlens_version(), AVLENS_VERSION);
  EXPECT_EQ(std::to_string(AVLENS_VERSION_MAJOR) + "." + std::to_string(AVLENS_VERSION_MINOR) + "." +
                std::to_string(AVLENS_VERSION_PATCH),
            AVLENS_VERSION);
}

TEST(CApi, ErrorNamesAreTheCoresNames) {
  for (int code = AVLENS_OK; code <= AVLENS_INTERNAL; ++code)
    EXPECT_STREQ(avlens_error_name(code), avlens::error_code_name(static_cast<avlens::ErrorCode>(code))) << code;
  EXPECT_STREQ(avlens_error_name(AVLENS_UNSUPPORTED_CODEC), "unsupported_codec");
  EXPECT_STREQ(avlens_error_name(-1), "internal");
  EXPECT_STREQ(avlens_error_name(AVLENS_INTERNAL + 1), "internal");
}

TEST(CApi, ReadsWindowsWithProgress) {
  avlens_params p = avlens_default_params("tiny");
  EXPECT_EQ(p.geometry.frames, 8);
  p.progress = on_progress;
  int code = -1;
  char err[256];
  avlens_clip* clip = avlens_open_file(face_clip(2.2, 25).c_str(), &p, &code, err, sizeof(err));
  ASSERT_NE(clip, nullptr) << err;
  EXPECT_EQ(code, AVLENS_OK);
  avlens_window w;
  int n = 0, r;
  while ((r = avlens_next_window(clip, &w)) == 1) {
    EXPECT_EQ(w.index, n);
    EXPECT_EQ(w.samples, 16000u);
    EXPECT_FLOAT_EQ(w.video[0], (w.crops[0] / 255.0f - 0.5f) / 0.5f);
    EXPECT_GT(w.boxes[2], 0.f);
    ++n;
  }
  EXPECT_EQ(r, 0);
  EXPECT_EQ(n, 2);
  EXPECT_GT(progress_calls, 0);
  avlens_close(clip);
}

TEST(CApi, ErrorsAreCodesAndMessages) {
  int code = 0;
  char err[256];
  EXPECT_EQ(avlens_open_file("/nonexistent.mp4", nullptr, &code, err, sizeof(err)), nullptr);
  EXPECT_EQ(code, AVLENS_FILE_NOT_FOUND);
  EXPECT_STREQ(avlens_error_name(code), "file_not_found");
  EXPECT_NE(std::string(err).find("/nonexistent.mp4"), std::string::npos);

  const uint8_t junk[] = {0, 1, 2, 3};
  EXPECT_EQ(avlens_open_memory(junk, sizeof(junk), "junk.bin", nullptr, &code, err, sizeof(err)), nullptr);
  EXPECT_EQ(code, AVLENS_UNREADABLE);
  EXPECT_EQ(avlens_open_file(nullptr, nullptr, &code, nullptr, 0), nullptr);
  EXPECT_EQ(code, AVLENS_INVALID_ARGUMENT);
  EXPECT_EQ(avlens_next_window(nullptr, nullptr), -AVLENS_INVALID_ARGUMENT);

  avlens_params p = avlens_default_params("tiny");
  p.abort = stop_now;
  avlens_clip* clip = avlens_open_file(face_clip(2.2, 25).c_str(), &p, &code, err, sizeof(err));
  ASSERT_NE(clip, nullptr);
  avlens_window w;
  EXPECT_EQ(avlens_next_window(clip, &w), -AVLENS_ABORTED);
  EXPECT_NE(std::string(avlens_clip_error(clip)).find("aborted"), std::string::npos);
  avlens_close(clip);

  avlens_geometry g;
  EXPECT_EQ(avlens_geometry_from_onnx(junk, sizeof(junk), &g, err, sizeof(err)), AVLENS_INVALID_ARGUMENT);
}

// Issue 14 item 4: the extension scales the frames it pushes to this side (the detection side, or
// what a large window's crop needs), not to a fixed 1280.
TEST(CApi, PushFrameSideFollowsTheDetectionSideAndTheWindow) {
  avlens_params p = avlens_default_params("tiny");
  EXPECT_EQ(avlens_push_frame_side(&p), 640);  // the detection side: a 64 px crop needs 366
  p.detect_max_side = 480;
  EXPECT_EQ(avlens_push_frame_side(&p), 480);
  p = avlens_default_params("small");
  EXPECT_EQ(avlens_push_frame_side(&p), 640);  // 112 x 640 / (1.4 x 80)
  p = avlens_default_params("paper");
  EXPECT_EQ(avlens_push_frame_side(&p), 1280);  // 224 x 640 / (1.4 x 80)
  p.detect_max_side = 4000;
  EXPECT_EQ(avlens_push_frame_side(&p), 4096);  // never above what files are decoded to
  p.geometry.height = 0;
  EXPECT_EQ(avlens_push_frame_side(&p), -AVLENS_INVALID_ARGUMENT);
  EXPECT_EQ(avlens_push_frame_side(nullptr), -AVLENS_INVALID_ARGUMENT);
}

// The face crop is part of the geometry in the C API too: a preset's, and 0 (a struct the caller
// zeroed) is the reference's; a crop out of range is refused naming it.
TEST(CApi, TheGeometryCarriesTheFaceCrop) {
  avlens_params p = avlens_default_params("mouth");
  EXPECT_DOUBLE_EQ(p.geometry.crop_scale, 0.8);
  EXPECT_DOUBLE_EQ(p.geometry.crop_shift_down, 0.3);
  p = avlens_default_params("tiny");
  EXPECT_DOUBLE_EQ(p.geometry.crop_scale, 1.4);
  EXPECT_DOUBLE_EQ(p.geometry.crop_shift_down, 0.2);
  int code = 0;
  char err[256] = "";
  const std::string clip = face_clip(2.2, 25);
  float side[2] = {0, 0};  // the first crop's side with crop_scale 0 (the reference's) and 0.8
  for (int i = 0; i < 2; ++i) {
    p.geometry.crop_scale = i == 0 ? 0.0 : 0.8;
    p.geometry.crop_shift_down = 0.3;
    avlens_clip* c = avlens_open_file(clip.c_str(), &p, &code, err, sizeof(err));
    ASSERT_NE(c, nullptr) << err;
    avlens_window w;
    ASSERT_EQ(avlens_next_window(c, &w), AVLENS_WINDOW_READY);
    side[i] = w.boxes[2];
    avlens_close(c);
  }
  EXPECT_NEAR(side[1] / side[0], 0.8 / 1.4, 1e-3) << side[0] << " " << side[1];
  p.geometry.crop_scale = 9;
  EXPECT_EQ(avlens_open_file(clip.c_str(), &p, &code, err, sizeof(err)), nullptr);
  EXPECT_EQ(code, AVLENS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err).find("crop_scale"), std::string::npos) << err;
}
