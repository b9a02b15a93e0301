#include <gtest/gtest.h>

#include <cmath>

#include "avlens/windows.hpp"

using namespace avlens;

TEST(Aggregate, MeanMaxAndTimelineOfNonOverlappingWindows) {
  std::vector<WindowScore> w = {{0, 1, 0.2}, {1, 1, 0.9}, {2, 1, 0.4}};
  const VideoScore v = aggregate_scores(w, 3.4);
  EXPECT_NEAR(v.mean, 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(v.max, 0.9);
  EXPECT_EQ(v.windows, 3);
  ASSERT_EQ(v.timeline.size(), 4u);  // 3.4 s -> 4 seconds on the timeline
  EXPECT_DOUBLE_EQ(v.timeline[1], 0.9);
  EXPECT_TRUE(std::isnan(v.timeline[3]));  // the trailing partial second has no window
}

TEST(Aggregate, OverlappingWindowsAreWeightedByOverlap) {
  std::vector<WindowScore> w = {{0, 1, 0.0}, {0.5, 1, 1.0}};
  const VideoScore v = aggregate_scores(w, 1.5);
  ASSERT_EQ(v.timeline.size(), 2u);
  EXPECT_NEAR(v.timeline[0], 0.5 / 1.5, 1e-12);  // all of window 0 (0.0), half of window 1 (1.0)
  EXPECT_NEAR(v.timeline[1], 1.0, 1e-12);
}

TEST(Aggregate, NoWindowsIsNaNNotZero) {
  const VideoScore v = aggregate_scores({}, 2.0);
  EXPECT_TRUE(std::isnan(v.mean));
  EXPECT_EQ(v.windows, 0);
  EXPECT_EQ(v.timeline.size(), 2u);
}
