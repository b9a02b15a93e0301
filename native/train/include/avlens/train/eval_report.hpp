// What `avlens eval` writes: video-level AUC, accuracy at a threshold chosen on validation
// videos, metrics.json, the ROC curve, the histogram of mean Mhat (paper Fig. 7) and heat maps
// of M, A and Mhat for a few windows (paper Fig. 8).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "avlens/train/checkpoint.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train {

struct EvalOptions {
  std::string out;       // folder for metrics.json and the figures; empty: nothing written
  int batch = 8;
  int heatmaps = 4;      // windows drawn: the most fake-looking and the most real-looking
  torch::Device device = torch::kCPU;
};

// validation may be null: the threshold is then the one stored in the checkpoint (chosen on
// the training run's validation split).
nlohmann::json evaluate(LoadedDetector& detector, const WindowSource& test, const WindowSource* validation,
                        const EvalOptions& options);

}  // namespace avlens::train
