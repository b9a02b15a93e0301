#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

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
