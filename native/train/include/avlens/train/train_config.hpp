// Everything one training run needs, as flat keys that read the same in the config file (JSON)
// and on the command line (--key value). Later sources override earlier ones:
// defaults < recipe < config file < command-line flags.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "avlens/model/model_config.hpp"
#include "avlens/train/mismatch_fake.hpp"
#include "avlens/train/pseudo_fake.hpp"

namespace avlens::train {

struct TrainConfig {
  // Data: prepared window caches (avlens prep). Without val_data, val_fraction of the training
  // videos is held out for validation.
  std::string data;
  std::string data_list;  // optional CSV (path,label[,group]): only these videos of the cache
  std::string val_data;
  std::string val_list;
  double val_fraction = 0.1;
  std::string out = "runs/avlens";  // checkpoints, history, config
  // A checkpoint whose weights start a new run (fine-tuning, e.g. on real faces after the synthetic
  // benchmark): same model, a fresh optimiser, epochs from 0. A resumed run ignores it.
  std::string init;

  // "paper" (Adam lr 1e-3) or "reference" (lr 1e-4, the authors' code); docs/METHOD.md §4.
  std::string recipe = "paper";
  double lr = 1e-3;
  double weight_decay = 1e-5;
  int batch = 8;
  int epochs = 100;
  uint64_t seed = 1;
  int max_steps_per_epoch = 0;  // 0 = the whole training set each epoch

  // Model variant (geometry comes from the data).
  bool attention = true;
  bool residual = false;
  int map_size = 0;
  std::string distance = "l2";
  std::string attention_scale = "reference";
  std::string norm = "group";

  bool pseudo_fakes = true;
  double pseudo_probability = 0.5;
  double r_min = 0.0;
  double r_max = 1.0;
  // Real windows turned into whole-window mismatches (another person's voice, the voice shifted
  // by min_shift..max_shift seconds) with this probability; 0 = off (mismatch_fake.hpp).
  double mismatch_probability = 0.0;
  bool balance_classes = false;  // real and fake windows weigh half each in every batch's loss
  double min_shift = 0.15;
  double max_shift = 0.85;
  // Augmentation (clip_stretch.hpp): windows start up to T-1 frames before or after their cached
  // start (cut from the clip around them), and half are mirrored left to right.
  bool jitter = false;
  bool mirror = false;
  // Each window (and its twin alike) seen as another camera and microphone would record it:
  // framing, brightness, contrast, white balance, blur, background noise (capture_jitter.hpp).
  bool capture_jitter = false;
  // Every window is trained beside a fake twin made from the same picture (batch_loader.hpp), so
  // the face alone never tells a real window from its fake.
  bool twins = false;
  // Each epoch's weights also go to out/epochs/N.pt (weights only, about 15 MB for tiny), for
  // `avlens average` (docs/TRAINER.md "Weight averaging").
  bool keep_epochs = false;

  // Machine.
  std::string device = "auto";  // auto (CUDA when available), cpu, cuda
  int threads = 0;              // torch intra-op threads; 0 = library default
  int loader_workers = 2;
  bool progress = true;

  // Data-parallel training over c10d (docs/TRAINER.md): backend auto (NCCL for CUDA when this
  // LibTorch has it, else Gloo), gloo or nccl.
  std::string backend = "auto";
  int world_size = 1;
  int rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29512;

  // Sets one key from text (a command-line flag). Throws avlens::Error naming an unknown key or a
  // bad value. Setting "recipe" also sets lr.
  void set(const std::string& key, const std::string& value);
  // Applies every key of a JSON object ("recipe" first, so an explicit lr wins over it; "preset" is read as
  // "recipe", its name in older config files).
  void apply(const nlohmann::json& j);
  nlohmann::json to_json() const;
  static std::vector<std::string> keys();
  void validate() const;

  model::ModelConfig model_config(const WindowGeometry& geometry) const;
  PseudoFakeOptions pseudo_fake_options() const;
  MismatchOptions mismatch_options() const;
};

// Reads a JSON config file; throws avlens::Error naming the file and the problem.
nlohmann::json read_config_file(const std::string& path);

}  // namespace avlens::train
