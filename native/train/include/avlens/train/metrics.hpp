// Video-level metrics of docs/METHOD.md §5: a video's score is the mean of its window scores; ROC AUC over
// videos; accuracy at a threshold chosen on validation data.
#pragma once
#include <string>
#include <vector>

namespace avlens::train {

struct ScoredVideo {
  std::string name;
  int label = 0;            // 1 = fake
  double score = 0;         // mean of its window scores
  double mean_weighted = 0; // mean of Mhat over its windows (paper Fig. 7)
  int windows = 0;
};

struct RocPoint {
  double threshold, false_positive_rate, true_positive_rate;
};

// Area under the ROC curve (ties count one half). NaN when one class is missing.
double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);
std::vector<RocPoint> roc_curve(const std::vector<double>& scores, const std::vector<int>& labels);
// The threshold that maximises balanced accuracy ((TPR + TNR) / 2) on these scores; a score
// >= threshold is called fake. Balanced so that an imbalanced validation set does not pick a
// trivial threshold.
double choose_threshold(const std::vector<double>& scores, const std::vector<int>& labels);
double accuracy_at(const std::vector<double>& scores, const std::vector<int>& labels, double threshold);

// Groups window scores by video (video_of[i] indexes names) into mean scores.
std::vector<ScoredVideo> video_scores(const std::vector<double>& window_scores, const std::vector<double>& window_weighted,
                                      const std::vector<int>& window_labels, const std::vector<size_t>& video_of,
                                      const std::vector<std::string>& names);

}  // namespace avlens::train
