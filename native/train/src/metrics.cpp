#include "avlens/train/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "avlens/error.hpp"

namespace avlens::train {
namespace {
void check_scores(const std::vector<double>& scores, const std::vector<int>& labels) {
  if (scores.size() != labels.size())
    throw Error(ErrorCode::kInvalidArgument, "metrics: " + std::to_string(scores.size()) + " scores but " +
                                                 std::to_string(labels.size()) + " labels");
  // A NaN would make the ranking sort's order undefined: say so instead.
  for (size_t i = 0; i < scores.size(); ++i)
    if (std::isnan(scores[i]))
      throw Error(ErrorCode::kInvalidArgument, "metrics: score " + std::to_string(i) + " of " +
                                                   std::to_string(scores.size()) + " is NaN (a diverged model?)");
}
}  // namespace

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels) {
  check_scores(scores, labels);
  // Mann-Whitney U with average ranks for ties.
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double rank_sum_pos = 0;
  size_t positives = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double avg_rank = (i + j + 1) / 2.0;  // ranks are 1-based
    for (size_t k = i; k < j; ++k)
      if (labels[order[k]] == 1) {
        rank_sum_pos += avg_rank;
        ++positives;
      }
    i = j;
  }
  const size_t negatives = scores.size() - positives;
  if (positives == 0 || negatives == 0) return std::numeric_limits<double>::quiet_NaN();
  return (rank_sum_pos - positives * (positives + 1) / 2.0) / (static_cast<double>(positives) * negatives);
}

std::vector<RocPoint> roc_curve(const std::vector<double>& scores, const std::vector<int>& labels) {
  check_scores(scores, labels);
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  const double pos = std::count(labels.begin(), labels.end(), 1), neg = labels.size() - pos;
  std::vector<RocPoint> curve{{std::numeric_limits<double>::infinity(), 0, 0}};
  double tp = 0, fp = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    for (; j < order.size() && scores[order[j]] == scores[order[i]]; ++j) (labels[order[j]] == 1 ? tp : fp) += 1;
    curve.push_back({scores[order[i]], neg > 0 ? fp / neg : 0, pos > 0 ? tp / pos : 0});
    i = j;
  }
  return curve;
}

double choose_threshold(const std::vector<double>& scores, const std::vector<int>& labels) {
  check_scores(scores, labels);
  if (scores.empty()) return 0.5;
  const double pos = std::count(labels.begin(), labels.end(), 1), neg = labels.size() - pos;
  if (pos == 0 || neg == 0) return 0.5;
  double best = -1, best_threshold = 0.5;
  auto curve = roc_curve(scores, labels);
  for (size_t k = 1; k < curve.size(); ++k) {
    const double balanced = (curve[k].true_positive_rate + 1 - curve[k].false_positive_rate) / 2;
    if (balanced > best) {
      best = balanced;
      best_threshold = curve[k].threshold;
    }
  }
  return best_threshold;
}

double accuracy_at(const std::vector<double>& scores, const std::vector<int>& labels, double threshold) {
  check_scores(scores, labels);
  if (scores.empty()) return std::numeric_limits<double>::quiet_NaN();
  size_t correct = 0;
  for (size_t i = 0; i < scores.size(); ++i) correct += (scores[i] >= threshold) == (labels[i] == 1);
  return static_cast<double>(correct) / scores.size();
}

std::vector<ScoredVideo> video_scores(const std::vector<double>& window_scores, const std::vector<double>& window_weighted,
                                      const std::vector<int>& window_labels, const std::vector<size_t>& video_of,
                                      const std::vector<std::string>& names) {
  if (window_scores.size() != video_of.size() || window_labels.size() != video_of.size() ||
      (!window_weighted.empty() && window_weighted.size() != video_of.size()))
    throw Error(ErrorCode::kInvalidArgument, "video_scores: inconsistent window arrays");
  std::map<size_t, ScoredVideo> by_video;  // ordered: stable output
  for (size_t i = 0; i < video_of.size(); ++i) {
    ScoredVideo& v = by_video[video_of[i]];
    v.name = names.at(video_of[i]);
    v.label = window_labels[i];
    v.score += window_scores[i];
    if (!window_weighted.empty()) v.mean_weighted += window_weighted[i];
    ++v.windows;
  }
  std::vector<ScoredVideo> out;
  for (auto& [index, v] : by_video) {
    v.score /= v.windows;
    v.mean_weighted /= v.windows;
    out.push_back(v);
  }
  return out;
}

}  // namespace avlens::train
