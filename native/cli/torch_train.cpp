// `avlens train --config FILE [--KEY VALUE ...] [--resume]`: trains the detector on a window
// cache (docs/METHOD.md §4). Every key of the config file is also a flag (underscores or dashes).
#include <cstdio>
#include <filesystem>

#include "args.hpp"
#include "avlens/export/exporter.hpp"
#include "avlens/train/trainer.hpp"
#include "avlens/train/training_data.hpp"
#include "command.hpp"

#include <nlohmann/json.hpp>

namespace avlens::cli {
namespace {
namespace fs = std::filesystem;

// The keys that are both train options and the network's variant (model::ModelConfig::to_json).
const char* const kVariantKeys[] = {"attention", "residual", "map_size", "distance", "attention_scale", "norm"};

// --init names a run's checkpoint, or an exported model (M.onnx with M.safetensors beside it, such as
// the page's web/model/avlens.onnx).
bool is_exported_model(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".onnx";
}

// A run that starts from another model takes that model's variant (attention, norm, ...) unless the
// flags or the config file name it: `--init web/model/avlens.onnx` alone fine-tunes the bundled model.
void adopt_init_variant(train::TrainConfig& config, const Args& args, const nlohmann::json& file,
                        const nlohmann::json& model) {
  for (std::string key : kVariantKeys) {
    std::string dashed = key;
    for (auto& c : dashed)
      if (c == '_') c = '-';
    if (args.has(key) || args.has(dashed) || file.contains(key) || file.contains(dashed) || !model.contains(key)) continue;
    const auto& v = model[key];
    config.set(key, v.is_string() ? v.get<std::string>() : v.dump());
  }
}

void usage() {
  std::printf("usage: avlens train [--config FILE.json] [--resume] [--KEY VALUE ...]\n\nkeys (config file or flags):\n ");
  for (const auto& k : train::TrainConfig::keys()) std::printf(" %s", k.c_str());
  std::printf(
      "\n\n--recipe paper (Adam lr 1e-3) | reference (lr 1e-4); --data CACHE from avlens prep; --out DIR gets\n"
      "last.pt, best_val_auc.pt, best_train_loss.pt (checkpoints: safetensors, weights + Adam state + run\n"
      "state), history.json, config.json. --resume continues from DIR/last.pt; --init CKPT starts a new run\n"
      "from another run's weights (fine-tuning), --init M.onnx from an exported model's (M.safetensors beside\n"
      "it; web/model/avlens.onnx is the bundled one); the run takes that model's variant (attention, norm,\n"
      "distance, ...) unless flags say otherwise. An old checkpoint (a LibTorch archive, which can run code it\n"
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
  // --max_steps_per_epoch and --max-steps-per-epoch are one key: given both, which was meant?
  for (const auto& key : train::TrainConfig::keys()) {
    std::string dashed = key;
    for (auto& c : dashed)
      if (c == '_') c = '-';
    if (dashed != key && args.has(key) && args.has(dashed))
      throw std::invalid_argument("--" + key + " ('" + args.get_all(key).front() + "') and --" + dashed + " ('" +
                                  args.get_all(dashed).front() + "') are the same option: give it once");
  }
  train::TrainConfig config;
  const nlohmann::json file = args.has("config") ? train::read_config_file(args.get("config")) : nlohmann::json::object();
  config.apply(file);
  // Flags override the file; the recipe first so that an explicit --lr wins over it.
  if (args.has("recipe")) config.set("recipe", args.get("recipe"));
  for (const auto& k : values) {
    if (k == "config" || k == "recipe" || !args.has(k)) continue;
    config.set(k, args.get(k));
  }
  // The model --init names, read once: an exported model's network (weights included), or a checkpoint's state.
  model::Detector exported{nullptr};
  if (!config.init.empty()) {
    nlohmann::json start;
    if (is_exported_model(config.init)) {
      exported = exporter::load_exported_model(config.init).model;
      start = exported->config().to_json();
    } else {
      start = train::read_checkpoint_state(config.init, train::LegacyArchive::kLoadWithWarning).model_config;
    }
    adopt_init_variant(config, args, file, start);
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
  if (!resumed && !config.init.empty()) {
    if (exported)
      trainer.initialise_from(exported, config.init);
    else
      trainer.initialise_from(config.init);
  }
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
