// Checkpoints: the model's weights, the optimiser's state and the run's state in one safetensors
// file ("avlens-checkpoint-2", docs/TRAINER.md), written atomically (a temporary file renamed over
// the old one), so that a kill at any moment leaves either the previous checkpoint or the new one.
// Loading one runs nothing it carries. Checkpoints from before (LibTorch archives,
// "avlens-checkpoint-1") still load where the caller allows it, with a warning: their
// deserialisation can run code the file carries (docs/RELIABILITY.md §11).
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

// What to do with a LibTorch-archive checkpoint (the format before avlens-checkpoint-2).
enum class LegacyArchive {
  kRefuse,           // an error that says how to opt in (eval, scan, export without --legacy-checkpoint)
  kLoadWithWarning,  // loads it, with a warning on stderr (train --resume / --init: the user's own run)
};

// optimizer may be null (a weights-only checkpoint for evaluation); otherwise it must be a
// torch::optim::Adam over model's parameters (the trainer's optimiser).
void save_checkpoint(const std::string& path, model::Detector& model, torch::optim::Optimizer* optimizer,
                     const RunState& state);
// Reads the run state only.
RunState read_checkpoint_state(const std::string& path, LegacyArchive legacy = LegacyArchive::kRefuse);
// Loads weights (and the optimiser's state when given) into existing objects.
void load_checkpoint(const std::string& path, model::Detector& model, torch::optim::Optimizer* optimizer,
                     LegacyArchive legacy = LegacyArchive::kRefuse);
// Whether path starts as a LibTorch archive (a zip file) does.
bool is_legacy_archive(const std::string& path);

// Builds the detector described by a checkpoint and loads its weights (evaluation mode).
struct LoadedDetector {
  model::Detector model{nullptr};
  RunState state;
};
LoadedDetector load_detector(const std::string& path, torch::Device device = torch::kCPU,
                             LegacyArchive legacy = LegacyArchive::kRefuse);

// Writes text to path atomically (temporary file + rename).
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace avlens::train
