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

namespace {
ClipReport report_of(int frames_at_8fps, double audio_seconds, int windows, int without_face, int decode_errors = 0) {
  ClipReport r;
  r.frames = frames_at_8fps;
  r.audio_samples = static_cast<size_t>(audio_seconds * 16000);
  r.windows = windows;
  r.windows_without_face = without_face;
  r.decode_errors = decode_errors;
  return r;
}
std::vector<WindowScore> scored(int n, double step = 1) {
  std::vector<WindowScore> w;
  for (int i = 0; i < n; ++i) w.push_back({i * step, 1, 0.5});
  return w;
}
const WindowGeometry kTiny = WindowGeometry::preset("tiny");
}  // namespace

TEST(Coverage, AWholeClipScoredCarriesAVerdictWithoutWarning) {
  const ClipCoverage c = clip_coverage(report_of(80, 10, 10, 0), scored(10), kTiny);
  EXPECT_DOUBLE_EQ(c.video_seconds, 10);
  EXPECT_DOUBLE_EQ(c.audio_seconds, 10);
  EXPECT_DOUBLE_EQ(c.scored_seconds, 10);
  EXPECT_EQ(c.windows_scored, 10);
  EXPECT_EQ(c.verdict_withheld, "");
  EXPECT_EQ(c.warning, "");
}

TEST(Coverage, LongPictureWithShortSoundSaysWhatWentUnscored) {
  // 300 s of picture, 6.6 s of sound: 6 windows scored, 294 s not (issue: scan said nothing).
  const ClipCoverage c = clip_coverage(report_of(2400, 6.6, 6, 0), scored(6), kTiny);
  EXPECT_EQ(c.verdict_withheld, "");
  EXPECT_NE(c.warning.find("only 6.0 s of the clip's 300 s were scored"), std::string::npos) << c.warning;
  EXPECT_NE(c.warning.find("picture 300 s but sound 6.6 s"), std::string::npos) << c.warning;
}

TEST(Coverage, TooFewWindowsGiveNoVerdictAndSayWhy) {
  const ClipCoverage one = clip_coverage(report_of(40, 5, 5, 4), scored(1), kTiny);
  EXPECT_EQ(one.windows_scored, 1);
  EXPECT_NE(one.verdict_withheld.find("only 1 window (1.0 s) could be scored; a verdict needs at least 3"),
            std::string::npos)
      << one.verdict_withheld;
  EXPECT_NE(one.verdict_withheld.find("4 windows without a face"), std::string::npos) << one.verdict_withheld;
  const ClipCoverage none = clip_coverage(report_of(40, 5, 5, 5), {}, kTiny);
  EXPECT_NE(none.verdict_withheld.find("only 0 windows"), std::string::npos);
  // NaN scores do not count as scored.
  auto nan_scores = scored(5);
  for (auto& w : nan_scores) w.score = std::nan("");
  EXPECT_EQ(clip_coverage(report_of(40, 5, 5, 0), nan_scores, kTiny).windows_scored, 0);
}

TEST(Coverage, OverlappingWindowsCountTheirSecondsOnceAndDamageIsReported) {
  // Windows every half second: 6 windows cover 3.5 s, not 6.
  const ClipCoverage c = clip_coverage(report_of(28, 3.5, 6, 0, 3), scored(6, 0.5), kTiny);
  EXPECT_DOUBLE_EQ(c.scored_seconds, 3.5);
  EXPECT_EQ(c.decode_errors, 3);
  EXPECT_EQ(c.verdict_withheld, "");
  EXPECT_NE(c.warning.find("3 damaged packets were skipped"), std::string::npos) << c.warning;
}
