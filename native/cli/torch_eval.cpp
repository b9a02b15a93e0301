// `avlens eval --checkpoint C --data CACHE`: video-level AUC (mean of window scores), accuracy
// at a validation-chosen threshold, metrics.json, ROC curve, Mhat histogram and heat maps.
#include <cstdio>

#include "args.hpp"
#include "avlens/train/eval_report.hpp"
#include "avlens/train/trainer.hpp"
#include "avlens/train/training_data.hpp"
#include "command.hpp"
#include "model_source.hpp"

namespace avlens::cli {
namespace {

void usage() {
  std::printf("%s%s",
      "usage: avlens eval [--checkpoint C.pt | --model M.onnx] --data CACHE [--list CSV]\n"
      "                   [--val-data CACHE [--val-list CSV]]\n"
      "                   [--out DIR] [--heatmaps N] [--batch N] [--threads N] [--device auto|cpu|cuda]\n\n"
      "Without --model or --checkpoint, the bundled model is evaluated. The accuracy threshold is chosen\n"
      "on --val-data when given, else it is the model's (chosen on the training run's validation split). --out gets metrics.json, roc.png, mhat_histogram.png and\n"
      "heatmaps/ (M, A, Mhat of the N most fake- and real-looking windows).\n",
      checkpoint_safety_note());
}

int run_eval(const std::vector<std::string>& argv) {
  auto value_options = model_source_options();
  value_options.insert({"data", "list", "val-data", "val-list", "out", "heatmaps", "batch", "threads", "device"});
  auto flags = model_source_flags();
  flags.insert("help");
  Args args(argv, value_options, flags);
  if (args.has("help")) {
    usage();
    return 0;
  }
  if (args.get_int("threads", 0) > 0) torch::set_num_threads(args.get_int("threads", 0));
  train::EvalOptions o;
  o.device = train::resolve_device(args.get("device", "auto"));
  o.out = args.get("out");
  o.batch = args.get_int("batch", 8);
  o.heatmaps = args.get_int("heatmaps", 4);
  auto detector = load_model_from_args(args, o.device);
  auto test = train::open_cache(args.require("data"), args.get("list"));
  std::shared_ptr<train::WindowCache> validation;
  if (args.has("val-data")) validation = train::open_cache(args.get("val-data"), args.get("val-list"));
  train::require_geometry(*test, detector.model->config().geometry, "the cache", "the model");
  if (validation) train::require_geometry(*validation, detector.model->config().geometry, "the validation cache", "the model");
  auto report = train::evaluate(detector, *test, validation.get(), o);
  nlohmann::json brief = report;
  brief.erase("per_video");
  brief.erase("model");
  std::printf("%s\n", brief.dump().c_str());
  return 0;
}

}  // namespace
AVLENS_COMMAND("eval", "evaluate a checkpoint on a window cache: AUC, accuracy, ROC, Mhat figures", run_eval);
}  // namespace avlens::cli
