#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "avlens/windows.hpp"

namespace avlens {

VideoScore aggregate_scores(const std::vector<WindowScore>& windows, double clip_duration) {
  VideoScore v;
  double end = std::max(0.0, clip_duration);  // NaN or negative: unknown
  for (const auto& w : windows) end = std::max(end, w.start_time + w.duration);
  // The timeline's length is an int: a duration that does not fit is a caller's bug or a lying
  // container, never a clip.
  if (!(end <= std::numeric_limits<int>::max()))
    throw Error(ErrorCode::kInvalidArgument, "aggregate_scores: the clip's duration (" + std::to_string(end) +
                                                 " s) is not a length a clip can have");
  const int seconds = static_cast<int>(std::ceil(end - 1e-9));
  std::vector<double> sum(seconds, 0.0), weight(seconds, 0.0);
  double total = 0;
  v.max = -std::numeric_limits<double>::infinity();
  for (const auto& w : windows) {
    if (!std::isfinite(w.score)) continue;
    total += w.score;
    v.max = std::max(v.max, w.score);
    ++v.windows;
    // Each second gets the windows overlapping it, weighted by the overlap.
    const double a = w.start_time, b = w.start_time + w.duration;
    for (int s = std::max(0, static_cast<int>(std::floor(a))); s < seconds && s < b; ++s) {
      const double overlap = std::min<double>(b, s + 1) - std::max<double>(a, s);
      if (overlap > 1e-9) {
        sum[s] += overlap * w.score;
        weight[s] += overlap;
      }
    }
  }
  v.mean = v.windows ? total / v.windows : std::numeric_limits<double>::quiet_NaN();
  if (!v.windows) v.max = std::numeric_limits<double>::quiet_NaN();
  v.timeline.resize(seconds);
  for (int s = 0; s < seconds; ++s)
    v.timeline[s] = weight[s] > 0 ? sum[s] / weight[s] : std::numeric_limits<double>::quiet_NaN();
  return v;
}

}  // namespace avlens

namespace avlens {

namespace {
std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), s < 10 ? "%.1f s" : "%.0f s", s);
  return buf;
}
}  // namespace

ClipCoverage clip_coverage(const ClipReport& report, const std::vector<WindowScore>& scored, const WindowGeometry& g) {
  ClipCoverage c;
  c.video_seconds = g.fps > 0 ? report.frames / g.fps : 0;
  c.audio_seconds = g.sample_rate > 0 ? static_cast<double>(report.audio_samples) / g.sample_rate : 0;
  c.windows = report.windows;
  c.windows_without_face = report.windows_without_face;
  c.decode_errors = report.decode_errors;
  // Seconds under at least one scored window (windows may overlap when a stride is set).
  std::vector<std::pair<double, double>> spans;
  for (const auto& w : scored)
    if (std::isfinite(w.score)) spans.emplace_back(w.start_time, w.start_time + w.duration);
  c.windows_scored = static_cast<int>(spans.size());
  std::sort(spans.begin(), spans.end());
  double covered_to = -std::numeric_limits<double>::infinity();
  for (const auto& [a, b] : spans) {
    c.scored_seconds += std::max(0.0, b - std::max(a, covered_to));
    covered_to = std::max(covered_to, b);
  }

  const double clip_seconds = std::max(c.video_seconds, c.audio_seconds);
  std::vector<std::string> left_out;
  if (c.windows_without_face > 0)
    left_out.push_back(std::to_string(c.windows_without_face) + " window" + (c.windows_without_face > 1 ? "s" : "") +
                       " without a face");
  if (std::abs(c.video_seconds - c.audio_seconds) >= g.duration())
    left_out.push_back("picture " + seconds_text(c.video_seconds) + " but sound " + seconds_text(c.audio_seconds) +
                       ": only where both play can be scored");
  if (c.decode_errors > 0)
    left_out.push_back(std::to_string(c.decode_errors) + " damaged packet" + (c.decode_errors > 1 ? "s" : "") +
                       " skipped");
  std::string reasons;
  for (size_t i = 0; i < left_out.size(); ++i) reasons += (i ? "; " : "") + left_out[i];

  if (c.windows_scored < kMinWindowsForVerdict) {
    c.verdict_withheld = "only " + std::to_string(c.windows_scored) + " window" + (c.windows_scored == 1 ? "" : "s") +
                         " (" + seconds_text(c.scored_seconds) + ") could be scored; a verdict needs at least " +
                         std::to_string(kMinWindowsForVerdict) + (reasons.empty() ? "" : " (" + reasons + ")");
  } else if (clip_seconds > 0 && c.scored_seconds < kMinScoredShare * clip_seconds) {
    c.warning = "only " + seconds_text(c.scored_seconds) + " of the clip's " + seconds_text(clip_seconds) +
                " were scored; the verdict is about that part" + (reasons.empty() ? "" : " (" + reasons + ")");
  } else if (c.decode_errors > 0) {
    c.warning = std::to_string(c.decode_errors) + " damaged packet" + (c.decode_errors > 1 ? "s were" : " was") +
                " skipped while decoding; the clip may be corrupt";
  }
  return c;
}

}  // namespace avlens
