#include "avlens/train/trainer.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "avlens/error.hpp"
#include "avlens/train/batch_loader.hpp"
#include "avlens/train/data_parallel.hpp"
#include "avlens/train/evaluation.hpp"
#include "checkpoint_legacy.hpp"
#include "progress_bar.hpp"

namespace avlens::train {
namespace fs = std::filesystem;

torch::Device resolve_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "cuda") {
    if (!torch::cuda::is_available())
      throw Error(ErrorCode::kInvalidArgument, "device 'cuda' asked for, but this LibTorch sees no CUDA device");
    return torch::kCUDA;
  }
  if (name == "auto") return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  throw Error(ErrorCode::kInvalidArgument, "unknown device '" + name + "' (auto, cpu, cuda)");
}

Trainer::Trainer(TrainConfig config, std::shared_ptr<const WindowSource> train,
                 std::shared_ptr<const WindowSource> validation)
    : config_(std::move(config)), train_(std::move(train)), validation_(std::move(validation)) {
  config_.validate();
  if (!train_ || train_->size() < static_cast<size_t>(config_.batch))
    throw Error(ErrorCode::kInvalidArgument, "training data has " + std::to_string(train_ ? train_->size() : 0) +
                                                 " windows, fewer than one batch of " + std::to_string(config_.batch));
  if (config_.threads > 0) torch::set_num_threads(config_.threads);
  device_ = resolve_device(config_.device);
  // One GPU per rank of a machine (NCCL needs distinct devices).
  if (config_.world_size > 1 && device_.is_cuda())
    device_ = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_cuda_device(config_.rank)));

  torch::manual_seed(config_.seed);
  model_ = model::Detector(config_.model_config(train_->geometry()));
  model_->to(device_);
  optimizer_ = std::make_unique<torch::optim::Adam>(
      model_->parameters(), torch::optim::AdamOptions(config_.lr).weight_decay(config_.weight_decay));
  state_.train_config = config_.to_json();
  state_.model_config = model_->config().to_json();

  if (config_.world_size > 1) {
    DataParallelOptions dp;
    dp.world_size = config_.world_size;
    dp.rank = config_.rank;
    dp.master_addr = config_.master_addr;
    dp.master_port = config_.master_port;
    dp.backend = config_.backend;
    dp.device = device_;
    parallel_ = std::make_unique<DataParallel>(dp);
    parallel_->broadcast_parameters(*model_);
  }
}

Trainer::~Trainer() = default;

// The state of `checkpoint`, whose model must be this run's; `verb` names the use in the error.
RunState Trainer::read_same_model(const std::string& checkpoint, const std::string& verb) const {
  // The user's own run (--resume, --init): an old LibTorch archive loads, with a warning, and the
  // next save writes the safe format.
  RunState saved = read_checkpoint_state(checkpoint, LegacyArchive::kLoadWithWarning);
  if (!model::same_model(saved.model_config, state_.model_config))
    throw Error(ErrorCode::kInvalidArgument, "cannot " + verb + " from '" + checkpoint + "': its model " +
                                                 saved.model_config.dump() + " differs from this run's " +
                                                 state_.model_config.dump());
  return saved;
}

void Trainer::resume(const std::string& checkpoint) {
  RunState saved = read_same_model(checkpoint, "resume");
  load_checkpoint(checkpoint, model_, optimizer_.get(), LegacyArchive::kLoadWithWarning);
  model_->to(device_);
  saved.train_config = config_.to_json();
  state_ = saved;
  // The run's old checkpoints become safetensors now, the best ones included (one writer).
  if (config_.rank == 0)
    for (const char* name : {"last.pt", "best_val_auc.pt", "best_train_loss.pt"})
      convert_legacy_checkpoint((fs::path(checkpoint).parent_path() / name).string());
}

void Trainer::initialise_from(const std::string& checkpoint) {
  read_same_model(checkpoint, "start");
  load_checkpoint(checkpoint, model_, nullptr, LegacyArchive::kLoadWithWarning);
  model_->to(device_);
  if (parallel_) parallel_->broadcast_parameters(*model_);
}

void Trainer::initialise_from(const model::Detector& weights, const std::string& name) {
  const nlohmann::json config = weights->config().to_json();
  if (config != state_.model_config)
    throw Error(ErrorCode::kInvalidArgument, "cannot start from '" + name + "': its model " + config.dump() +
                                                 " differs from this run's " + state_.model_config.dump());
  torch::NoGradGuard no_grad;
  const auto parameters = weights->named_parameters();
  for (auto& p : model_->named_parameters()) p.value().copy_(parameters[p.key()]);
  const auto buffers = weights->named_buffers();
  for (auto& b : model_->named_buffers()) b.value().copy_(buffers[b.key()]);
  if (parallel_) parallel_->broadcast_parameters(*model_);
}

torch::Tensor detector_loss(const torch::Tensor& logits, const torch::Tensor& labels, bool balance_classes) {
  if (!balance_classes) return torch::binary_cross_entropy_with_logits(logits, labels);
  const double n = static_cast<double>(labels.numel()), fakes = labels.sum().item<double>(), reals = n - fakes;
  if (fakes < 0.5 || reals < 0.5) return torch::binary_cross_entropy_with_logits(logits, labels);
  auto weights = torch::where(labels > 0.5, torch::full_like(labels, n / (2 * fakes)), torch::full_like(labels, n / (2 * reals)));
  return torch::binary_cross_entropy_with_logits(logits, labels, weights);
}

double Trainer::step(const torch::Tensor& video, const torch::Tensor& audio, const torch::Tensor& labels) {
  model_->train();
  optimizer_->zero_grad();
  auto logits = model_->forward(video.to(device_), audio.to(device_)).logits;
  auto loss = detector_loss(logits, labels.to(device_), config_.balance_classes);
  const double value = loss.item<double>();
  if (!std::isfinite(value)) {
    std::ostringstream msg;
    msg << "training stopped: the loss is " << value << " at epoch " << state_.epochs_done + 1 << " (lr "
        << config_.lr << "); lower --lr, check the data for NaN/Inf, or resume from the last checkpoint";
    throw Error(ErrorCode::kInternal, msg.str());
  }
  loss.backward();
  if (parallel_) parallel_->average_gradients(*model_);
  optimizer_->step();
  return value;
}

EpochRecord Trainer::run_epoch(int epoch, const TrainHooks& hooks, bool& stopped) {
  LoaderOptions lo;
  lo.batch_size = config_.batch;
  lo.shuffle = true;
  lo.drop_last = true;
  lo.pseudo_fakes = config_.pseudo_fakes;
  lo.pseudo = config_.pseudo_fake_options();
  lo.mismatch = config_.mismatch_options();
  lo.jitter = config_.jitter;
  lo.mirror = config_.mirror;
  lo.capture_jitter = config_.capture_jitter;
  lo.twins = config_.twins;
  lo.seed = config_.seed;
  lo.workers = config_.loader_workers;
  lo.rank = config_.rank;
  lo.world_size = config_.world_size;
  BatchLoader loader(train_, lo);
  size_t steps = loader.batches_per_epoch();
  if (config_.max_steps_per_epoch > 0) steps = std::min(steps, static_cast<size_t>(config_.max_steps_per_epoch));

  EpochRecord record;
  record.epoch = epoch + 1;
  const bool show = config_.progress && config_.rank == 0;
  ProgressBar bar("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(config_.epochs), steps, show);
  const auto start = std::chrono::steady_clock::now();
  loader.start_epoch(epoch);
  Batch batch;
  double sum = 0;
  for (size_t s = 0; s < steps && loader.next(batch); ++s) {
    if (hooks.stop_requested && hooks.stop_requested(epoch, s)) {
      stopped = true;
      return record;
    }
    const double loss = step(batch.video, batch.audio, batch.labels);
    record.step_losses.push_back(loss);
    sum += loss;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bar.update(s + 1, sum / (s + 1), (s + 1) * config_.batch / std::max(elapsed, 1e-9));
  }
  bar.finish();
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  record.train_loss = record.step_losses.empty() ? 0 : sum / record.step_losses.size();
  if (parallel_) record.train_loss = parallel_->average(record.train_loss);
  record.windows_per_second = record.step_losses.size() * config_.batch / std::max(record.seconds, 1e-9);

  if (validation_ && config_.rank == 0) {
    const Validation v = validate(model_, *validation_, config_.batch, device_);
    record.val_auc = v.auc;
    record.threshold = v.threshold;
    record.val_accuracy = v.accuracy;
  }
  return record;
}

void Trainer::save_epoch(const EpochRecord& r) {
  state_.epochs_done = r.epoch;
  state_.threshold = r.threshold;
  state_.history.push_back({{"epoch", r.epoch},
                            {"train_loss", r.train_loss},
                            {"val_auc", r.val_auc},
                            {"val_accuracy", r.val_accuracy},
                            {"threshold", r.threshold},
                            {"seconds", r.seconds},
                            {"windows_per_second", r.windows_per_second}});
  const bool better_auc = r.val_auc >= 0 && r.val_auc > state_.best_val_auc;
  const bool better_loss = r.train_loss < state_.best_train_loss;
  if (better_auc) state_.best_val_auc = r.val_auc;
  if (better_loss) state_.best_train_loss = r.train_loss;
  if (config_.rank != 0) return;  // one writer

  fs::create_directories(config_.out);
  const fs::path dir(config_.out);
  save_checkpoint((dir / "last.pt").string(), model_, optimizer_.get(), state_);
  if (better_auc) save_checkpoint((dir / "best_val_auc.pt").string(), model_, optimizer_.get(), state_);
  if (better_loss) save_checkpoint((dir / "best_train_loss.pt").string(), model_, optimizer_.get(), state_);
  if (config_.keep_epochs) {
    fs::create_directories(dir / "epochs");
    save_checkpoint((dir / "epochs" / (std::to_string(r.epoch) + ".pt")).string(), model_, nullptr, state_);
  }
  write_file_atomically((dir / "history.json").string(), state_.history.dump(2) + "\n");
  write_file_atomically((dir / "config.json").string(), config_.to_json().dump(2) + "\n");
}

std::vector<EpochRecord> Trainer::fit(const TrainHooks& hooks) {
  std::vector<EpochRecord> records;
  for (int epoch = state_.epochs_done; epoch < config_.epochs; ++epoch) {
    bool stopped = false;
    EpochRecord r = run_epoch(epoch, hooks, stopped);
    if (stopped) break;
    save_epoch(r);
    if (parallel_) parallel_->barrier();
    if (hooks.on_epoch) hooks.on_epoch(r);
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace avlens::train
