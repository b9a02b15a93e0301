// `avlens train --config FILE [--KEY VALUE ...] [--resume]`: trains the detector on a window
// cache (docs/METHOD.md §4). Every key of the config file is also a flag (underscores or dashes).
#include <cstdio>
#include <filesystem>

#include "args.hpp"
#include "avlens/train/trainer.hpp"
#include "avlens/train/training_data.hpp"
#include "command.hpp"

#include <nlohmann/json.hpp>

namespace avlens::cli {
namespace {
namespace fs = std::filesystem;

void usage() {
  std::printf("usage: avlens train [--config FILE.json] [--resume] [--KEY VALUE ...]\n\nkeys (config file or flags):\n ");
  for (const auto& k : train::TrainConfig::keys()) std::printf(" %s", k.c_str());
  std::printf(
      "\n\n--recipe paper (Adam lr 1e-3) | reference (lr 1e-4); --data CACHE from avlens prep; --out DIR gets\n"
      "last.pt, best_val_auc.pt, best_train_loss.pt (checkpoints: safetensors, weights + Adam state + run\n"
      "state), history.json, config.json. --resume continues from DIR/last.pt; --init CKPT starts a new run\n"
      "from another run's weights (fine-tuning). An old checkpoint (a LibTorch archive, which can run code it\n"
      "carries) still loads here, with a warning; the run's next save writes the safetensors format.\n"
      "Data-parallel: start one process per rank with --world-size N --rank R --master-addr HOST\n"
      "--master-port P; --backend auto (NCCL on CUDA when built with it, else Gloo) | gloo | nccl.\n");
}

int run_train(const std::vector<std::string>& argv) {
  std::set<std::string> values{"config"};
  for (auto k : train::TrainConfig::keys()) {
    values.insert(k);
    for (auto& c : k)
      if (c == '_') c = '-';
    values.insert(k);
  }
  Args args(argv, values, {"resume", "help"},
            {{"preset", "train's optimiser settings are --recipe paper|reference (--preset names a window geometry in prep and windows)"}});
  if (args.has("help")) {
    usage();
    return 0;
  }
  if (!args.positionals().empty()) throw std::invalid_argument("train takes no positional arguments (see --help)");
  train::TrainConfig config;
  if (args.has("config")) config.apply(train::read_config_file(args.get("config")));
  // Flags override the file; the recipe first so that an explicit --lr wins over it.
  if (args.has("recipe")) config.set("recipe", args.get("recipe"));
  for (const auto& k : values) {
    if (k == "config" || k == "recipe" || !args.has(k)) continue;
    config.set(k, args.get(k));
  }
  config.validate();

  auto data = train::open_training_data(config);
  std::fprintf(stderr, "train: %zu training windows, %zu validation windows; %s\n", data.train->size(),
               data.validation ? data.validation->size() : 0, config.to_json().dump().c_str());
  // An AUC needs both classes among the validation windows: say so once, and what to do.
  std::string one_class;
  if (data.validation && data.validation->size() > 0) {
    bool real = false, fake = false;
    for (size_t i = 0; i < data.validation->size(); ++i) (data.validation->label(i) ? fake : real) = true;
    if (!(real && fake)) one_class = real ? "real" : "fake";
  }
  if (!one_class.empty() || !data.validation || data.validation->size() == 0)
    std::fprintf(stderr,
                 "train: note: %s, so there is no validation AUC and no best_val_auc.pt; run/last.pt is written "
                 "after every epoch and can be exported. Give validation both classes: more videos of each, a "
                 "larger --val_fraction, or --val_list/--val_data.\n",
                 one_class.empty() ? "there are no validation windows"
                                   : ("every validation window is " + one_class).c_str());
  train::Trainer trainer(config, data.train, data.validation);
  const fs::path last = fs::path(config.out) / "last.pt";
  bool resumed = false;
  if (args.has("resume")) {
    if (fs::exists(last)) {
      trainer.resume(last.string());
      resumed = true;
      std::fprintf(stderr, "train: resumed from %s after epoch %d\n", last.c_str(), trainer.state().epochs_done);
    } else {
      std::fprintf(stderr, "train: --resume but no %s yet; starting from %s\n", last.c_str(),
                   config.init.empty() ? "scratch" : config.init.c_str());
    }
  }
  if (!resumed && !config.init.empty()) trainer.initialise_from(config.init);
  train::TrainHooks hooks;
  hooks.on_epoch = [&](const train::EpochRecord& r) {
    if (config.rank == 0)
    {
      char auc[64] = "val AUC n/a";
      if (r.val_auc >= 0) std::snprintf(auc, sizeof(auc), "val AUC %.4f, val acc %.4f", r.val_auc, r.val_accuracy);
      std::fprintf(stderr, "epoch %d: loss %.4f, %s, %.1f windows/s, %.1f s\n", r.epoch, r.train_loss, auc,
                   r.windows_per_second, r.seconds);
    }
  };
  trainer.fit(hooks);
  // Every rank reports (its losses are means over the ranks, so they agree); only rank 0 wrote to out.
  const double best_auc = trainer.state().best_val_auc;
  // "out" first: the summary line starts with {"out" (scripts and tests find it by that).
  nlohmann::ordered_json summary = {{"out", config.out},
                                    {"rank", config.rank},
                                    {"epochs", trainer.state().epochs_done},
                                    {"best_val_auc", best_auc >= 0 ? nlohmann::ordered_json(best_auc) : nlohmann::ordered_json(nullptr)},
                                    {"best_train_loss", trainer.state().best_train_loss},
                                    {"checkpoint", (fs::path(config.out) / (best_auc >= 0 ? "best_val_auc.pt" : "last.pt")).string()}};
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}

}  // namespace
AVLENS_COMMAND("train", "train the detector on a prepared window cache (LibTorch)", run_train);
}  // namespace avlens::cli
