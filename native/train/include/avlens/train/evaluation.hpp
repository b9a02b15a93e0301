// Scoring windows with a trained detector and turning them into video-level results.
#pragma once
#include <memory>
#include <vector>

#include "avlens/model/detector.hpp"
#include "avlens/train/metrics.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train {

struct WindowPredictions {
  std::vector<double> scores;         // P(fake) per window
  std::vector<double> weighted_mean;  // mean of Mhat per window (paper Fig. 7)
  std::vector<int> labels;
  std::vector<size_t> video_of;
};

// Runs the model in evaluation mode, no gradients, batch by batch.
WindowPredictions predict_windows(model::Detector& model, const WindowSource& source, int batch_size,
                                  torch::Device device);

struct VideoMetrics {
  std::vector<ScoredVideo> videos;
  double auc = -1;       // -1 when one class is missing
  double accuracy = -1;  // at the given threshold
  double threshold = 0.5;
};
VideoMetrics video_metrics(const WindowPredictions& predictions, const WindowSource& source, double threshold);

// A model on validation videos: their AUC, the threshold chosen on them (choose_threshold) and the
// accuracy there. What the trainer records after each epoch, and what `eval --val-data` and
// `average` take the model's threshold from.
struct Validation {
  double auc = -1;  // -1 when one class is missing
  double threshold = 0.5;
  double accuracy = -1;
  size_t videos = 0;
};
Validation validate(model::Detector& model, const WindowSource& validation, int batch_size, torch::Device device);

}  // namespace avlens::train
