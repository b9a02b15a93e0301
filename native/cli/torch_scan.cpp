// `avlens scan CLIP... [--model M.onnx | --checkpoint C.pt] [--json]`: the verdict for each clip,
// its per-second timeline, or a clear error per clip (one bad clip does not stop the others).
#include <cmath>
#include <cstdio>

#include "args.hpp"
#include "avlens/train/scan.hpp"
#include "avlens/train/trainer.hpp"
#include "command.hpp"
#include "model_source.hpp"
#include "window_options.hpp"

namespace avlens::cli {
namespace {

void usage() {
  std::printf(
      "usage: avlens scan CLIP... %s [--json] [--threshold T] [--batch N]\n"
      "                  [--threads N] %s [--device auto|cpu|cuda]\n\n"
      "Without --model or --checkpoint, the bundled model (%s) scores the clips.\n"
      "--json prints one JSON object per clip: {file, score, windows: [{start, score}], error}.\n"
      "The verdict threshold defaults to the model's (chosen on validation videos).\n"
      "Exit status: 0 when every clip was scored, 1 when at least one failed.\n",
      model_source_usage(), tracking_options_usage(), bundled_model_path().c_str());
}

int run_scan(const std::vector<std::string>& argv) {
  auto value_options = tracking_value_options();
  auto model_options = model_source_options();
  value_options.insert(model_options.begin(), model_options.end());
  value_options.insert({"threshold", "batch", "threads", "device"});
  auto flags = tracking_flag_options();
  flags.insert({"json", "help"});
  Args args(argv, value_options, flags);
  if (args.has("help")) {
    usage();
    return 0;
  }
  if (args.positionals().empty()) throw std::invalid_argument("scan needs at least one CLIP (see --help)");
  if (args.get_int("threads", 0) > 0) torch::set_num_threads(args.get_int("threads", 0));
  const torch::Device device = train::resolve_device(args.get("device", "auto"));
  auto detector = load_model_from_args(args, device);
  WindowMakerOptions o;
  o.geometry = detector.model->config().geometry;  // the one geometry the model was trained on
  apply_tracking_options(args, o);
  const double threshold = args.get_double("threshold", detector.state.threshold);
  // As the page: a model whose held-out results do not back a verdict gets its score only.
  const std::string withheld = verdict_withheld_reason(args);
  if (!withheld.empty() && !args.has("json"))
    std::printf("note: scores only, no verdict: %s\n", withheld.c_str());
  const bool json = args.has("json");
  int failures = 0;
  for (const auto& clip : args.positionals()) {
    train::ClipVerdict v = train::scan_clip(detector.model, clip, o, args.get_int("batch", 8), device);
    failures += !v.error.empty();
    if (json) {
      std::printf("%s\n", v.to_json().dump().c_str());
    } else if (!v.error.empty()) {
      std::printf("%s: error: %s\n", clip.c_str(), v.error.c_str());
    } else {
      std::printf("%s: %s (score %.3f, threshold %.3f, %zu windows)\n  timeline:", clip.c_str(),
                  !withheld.empty() ? "SCORE ONLY" : v.score >= threshold ? "FAKE" : "REAL", v.score, threshold,
                  v.windows.size());
      for (size_t s = 0; s < v.timeline.size(); ++s)
        std::isnan(v.timeline[s]) ? std::printf(" %zus:-", s) : std::printf(" %zus:%.2f", s, v.timeline[s]);
      std::printf("\n");
    }
    std::fflush(stdout);
  }
  return failures ? 1 : 0;
}

}  // namespace
AVLENS_COMMAND("scan", "score clips (bundled model, an exported model or a checkpoint): verdict, timeline", run_scan);
}  // namespace avlens::cli
