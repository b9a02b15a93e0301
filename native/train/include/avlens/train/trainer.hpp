// The training loop of docs/METHOD.md §4: Adam on binary cross-entropy, pseudo-fakes on the fly, one
// validation pass per epoch (video-level AUC), atomic checkpoints every epoch (last.pt), the
// best by validation AUC (best_val_auc.pt) and by training loss (best_train_loss.pt), exact
// resumption, a NaN guard, optional data-parallel ranks.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "avlens/model/detector.hpp"
#include "avlens/train/checkpoint.hpp"
#include "avlens/train/train_config.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train {

struct EpochRecord {
  int epoch = 0;              // 1-based
  double train_loss = 0;      // mean over the epoch's steps (and ranks)
  std::vector<double> step_losses;
  double val_auc = -1;        // -1 without validation data (or with one class only)
  double val_accuracy = -1;
  double threshold = 0.5;
  double seconds = 0;
  double windows_per_second = 0;
};

struct TrainHooks {
  // Polled before each step: returning true stops the run at once, as a kill would (the epoch in
  // progress is not checkpointed).
  std::function<bool(int epoch, size_t step)> stop_requested;
  std::function<void(const EpochRecord&)> on_epoch;
};

class Trainer {
 public:
  // validation may be null (no validation: best_val_auc.pt is not written).
  Trainer(TrainConfig config, std::shared_ptr<const WindowSource> train,
          std::shared_ptr<const WindowSource> validation);
  ~Trainer();

  // Continues the run stored in the checkpoint (weights, optimiser, epoch, bests, history). An old
  // LibTorch-archive checkpoint loads too, with a warning (LegacyArchive::kLoadWithWarning).
  void resume(const std::string& checkpoint);
  // Starts from another run's weights (TrainConfig::init): the model must be the same; the
  // optimiser, the epoch count and the history start afresh.
  void initialise_from(const std::string& checkpoint);
  // The same from a network in memory, e.g. an exported model read back (export/exporter.hpp's
  // load_exported_model): fine-tuning the model the page ships. `name` says where it came from.
  void initialise_from(const model::Detector& weights, const std::string& name);
  // Trains until config.epochs epochs are done. Returns this call's epochs.
  std::vector<EpochRecord> fit(const TrainHooks& hooks = {});

  // One optimisation step on a batch (forward, backward, all-reduce, Adam). Returns the loss.
  double step(const torch::Tensor& video, const torch::Tensor& audio, const torch::Tensor& labels);

  model::Detector& model() { return model_; }
  const RunState& state() const { return state_; }
  torch::Device device() const { return device_; }

 private:
  RunState read_same_model(const std::string& checkpoint, const std::string& verb) const;
  EpochRecord run_epoch(int epoch, const TrainHooks& hooks, bool& stopped);
  void save_epoch(const EpochRecord& record);

  TrainConfig config_;
  std::shared_ptr<const WindowSource> train_, validation_;
  torch::Device device_{torch::kCPU};
  model::Detector model_{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::unique_ptr<class DataParallel> parallel_;
  RunState state_;
};

torch::Device resolve_device(const std::string& name);

// Binary cross-entropy on logits. balance_classes: real and fake windows of the batch weigh half
// each (weights n / (2 n_class), mean weight 1), so a batch that augmentation made mostly fake
// still teaches what a real window looks like; a one-class batch is plain BCE.
torch::Tensor detector_loss(const torch::Tensor& logits, const torch::Tensor& labels, bool balance_classes);

}  // namespace avlens::train
