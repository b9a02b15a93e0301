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
