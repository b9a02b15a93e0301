// `avlens average C1.pt C2.pt ... --val-data CACHE --out OUT.pt`: the mean of a run's weights over
// several epochs (docs/TRAINER.md "Weight averaging"), with its threshold chosen on validation videos.
#include <cstdio>

#include "args.hpp"
#include "avlens/train/evaluation.hpp"
#include "avlens/train/trainer.hpp"
#include "avlens/train/training_data.hpp"
#include "avlens/train/weight_average.hpp"
#include "command.hpp"

namespace avlens::cli {
namespace {

void usage() {
  std::printf(
      "usage: avlens average C1.pt C2.pt [...] --val-data CACHE [--val-list CSV] --out OUT.pt\n"
      "                      [--batch N] [--threads N] [--device auto|cpu|cuda]\n\n"
      "The mean of the checkpoints' weights (one run's epochs at a constant learning rate: stochastic\n"
      "weight averaging), saved as a weights-only checkpoint. The checkpoints must hold the same model.\n"
      "Its threshold is chosen on --val-data as the trainer chooses one after each epoch, and its\n"
      "validation AUC there becomes its best_val_auc; its history gains an entry that names the\n"
      "checkpoints averaged. `eval`, `scan`, `export` and `train --init` take it (it has no optimiser\n"
      "state, so not `train --resume`). Prints {\"checkpoints\", \"val_auc\", \"val_accuracy\", \"threshold\"}.\n");
}

int run_average(const std::vector<std::string>& argv) {
  Args args(argv, {"val-data", "val-list", "out", "batch", "threads", "device"}, {"help"});
  if (args.has("help")) {
    usage();
    return 0;
  }
  if (args.get_int("threads", 0) > 0) torch::set_num_threads(args.get_int("threads", 0));
  const std::string out = args.require("out");
  const auto validation = train::open_cache(args.require("val-data"), args.get("val-list"));
  const torch::Device device = train::resolve_device(args.get("device", "auto"));
  train::LoadedDetector averaged = train::average_checkpoints(args.positionals(), device);
  train::require_geometry(*validation, averaged.model->config().geometry, "the validation cache", "the model");
  const train::Validation v = train::validate(averaged.model, *validation, args.get_int("batch", 8), device);
  if (v.auc < 0)
    throw std::invalid_argument("the validation cache needs real and fake videos to choose a threshold");
  averaged.state.threshold = v.threshold;
  averaged.state.best_val_auc = v.auc;
  averaged.state.history.push_back({{"epoch", averaged.state.epochs_done},
                                    {"averaged", args.positionals()},
                                    {"val_auc", v.auc},
                                    {"val_accuracy", v.accuracy},
                                    {"threshold", v.threshold}});
  averaged.model->to(torch::kCPU);
  train::save_checkpoint(out, averaged.model, nullptr, averaged.state);
  const nlohmann::json result = {{"checkpoints", args.positionals().size()},
                                 {"val_auc", v.auc},
                                 {"val_accuracy", v.accuracy},
                                 {"threshold", v.threshold}};
  std::printf("%s\n", result.dump().c_str());
  return 0;
}

}  // namespace
AVLENS_COMMAND("average", "average several checkpoints' weights (one run's epochs); threshold from validation",
               run_average);
}  // namespace avlens::cli
