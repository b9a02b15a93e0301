// Checkpoints: the model's weights, the optimiser's state and the run's state in one file,
// written atomically (a temporary file renamed over the old one), so that a kill at any moment
// leaves either the previous checkpoint or the new one.
#pragma once
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "avlens/model/detector.hpp"

namespace avlens::train {

struct RunState {
  int epochs_done = 0;
  double best_val_auc = -1;          // -1 until a validation AUC exists
  double best_train_loss = 1e300;
  double threshold = 0.5;            // chosen on validation videos at the last epoch
  nlohmann::json history = nlohmann::json::array();  // one object per finished epoch
  nlohmann::json train_config;       // TrainConfig::to_json()
  nlohmann::json model_config;       // ModelConfig::to_json()
};

// optimizer may be null (a weights-only checkpoint for evaluation).
void save_checkpoint(const std::string& path, model::Detector& model, torch::optim::Optimizer* optimizer,
                     const RunState& state);
// Reads the run state only.
RunState read_checkpoint_state(const std::string& path);
// Loads weights (and the optimiser's state when given) into existing objects.
void load_checkpoint(const std::string& path, model::Detector& model, torch::optim::Optimizer* optimizer);

// Builds the detector described by a checkpoint and loads its weights (evaluation mode).
struct LoadedDetector {
  model::Detector model{nullptr};
  RunState state;
};
LoadedDetector load_detector(const std::string& path, torch::Device device = torch::kCPU);

// Writes text to path atomically (temporary file + rename).
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace avlens::train
