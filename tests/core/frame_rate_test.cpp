#include <gtest/gtest.h>

#include <cmath>

#include "avlens/error.hpp"
#include "frame_rate.hpp"

using namespace avlens;

namespace {
struct Collected {
  std::vector<int> indices;
  std::vector<uint8_t> tags;  // first byte of each emitted frame: which input it was
};
}  // namespace

TEST(ConstantRate, TwentyFiveToThirty) {
  Collected c;
  ConstantRateFrames cfr(30, [&](int i, const ConstantRateFrames::Shared& picture, double) {
    c.indices.push_back(i);
    c.tags.push_back(picture->view().data[0][0]);
  });
  uint8_t px[3];
  for (int i = 0; i < 50; ++i) {  // 2 s at 25 fps
    px[0] = static_cast<uint8_t>(i);
    cfr.push(PictureView::rgb24(px, 1, 1, 3), i / 25.0);
  }
  cfr.finish(2.0);
  ASSERT_EQ(c.indices.size(), 60u);
  for (int i = 0; i < 60; ++i) {
    EXPECT_EQ(c.indices[i], i);
    // Nearest input frame to t = i/30.
    const int nearest = static_cast<int>(std::lround(i / 30.0 * 25.0 - 1e-9));
    EXPECT_NEAR(c.tags[i], std::min(nearest, 49), 1) << i;
  }
}

TEST(ConstantRate, VariableRateKeepsTimeline) {
  Collected c;
  ConstantRateFrames cfr(30, [&](int i, const ConstantRateFrames::Shared& picture, double) {
    c.indices.push_back(i);
    c.tags.push_back(picture->view().data[0][0]);
  });
  uint8_t px[3] = {0, 0, 0};
  // A frame at 0 s, a freeze until 1 s, then frames every 10 ms until 2 s.
  cfr.push(PictureView::rgb24(px, 1, 1, 3), 0.0);
  px[0] = 1;
  for (int i = 0; i < 100; ++i) cfr.push(PictureView::rgb24(px, 1, 1, 3), 1.0 + i * 0.01);
  cfr.finish(2.0);
  ASSERT_EQ(c.indices.size(), 60u);
  EXPECT_EQ(c.tags[10], 0);  // t = 0.33 s shows the frozen first frame
  EXPECT_EQ(c.tags[40], 1);  // t = 1.33 s shows the later frames
}

TEST(ConstantRate, LateStartRepeatsFirstFrame) {
  int count = 0;
  ConstantRateFrames cfr(30, [&](int, const ConstantRateFrames::Shared&, double) { ++count; });
  uint8_t px[3] = {0, 0, 0};
  cfr.push(PictureView::rgb24(px, 1, 1, 3), 0.5);
  cfr.finish(1.0);
  EXPECT_EQ(count, 30);
}

TEST(ConstantRate, CorruptTimestampJumpIsAnErrorNotAHang) {
  int count = 0;
  ConstantRateFrames cfr(30, [&](int, const ConstantRateFrames::Shared&, double) { ++count; });
  uint8_t px[3] = {0, 0, 0};
  cfr.push(PictureView::rgb24(px, 1, 1, 3), 0.0);
  EXPECT_THROW(cfr.push(PictureView::rgb24(px, 1, 1, 3), 1e9), avlens::Error);
  EXPECT_LT(count, 10);
}
