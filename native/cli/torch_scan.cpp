// `avlens scan CLIP... --checkpoint C [--json]`: the verdict for each clip, its per-second
// timeline, or a clear error per clip (one bad clip does not stop the others).
#include <cmath>
#include <cstdio>

#include "args.hpp"
#include "avlens/train/checkpoint.hpp"
#include "avlens/train/scan.hpp"
#include "avlens/train/trainer.hpp"
#include "command.hpp"
#include "window_options.hpp"

namespace avlens::cli {
namespace {

void usage() {
  std::printf(
      "usage: avlens scan CLIP... --checkpoint C.pt [--json] [--threshold T] [--batch N] [--threads N]\n"
      "                  [--stride FRAMES] [--detect-every K] [--detect-max-side PX] [--device auto|cpu|cuda]\n\n"
      "--json prints one JSON object per clip: {file, score, windows: [{start, score}], error}.\n"
      "The verdict threshold defaults to the checkpoint's (chosen on validation videos).\n"
      "Exit status: 0 when every clip was scored, 1 when at least one failed.\n");
}

int run_scan(const std::vector<std::string>& argv) {
  auto value_options = tracking_value_options();
  value_options.insert({"checkpoint", "threshold", "batch", "threads", "device"});
  Args args(argv, value_options, {"json", "help"});
  if (args.has("help")) {
    usage();
    return 0;
  }
  if (args.positionals().empty()) throw std::invalid_argument("scan needs at least one CLIP (see --help)");
  if (args.get_int("threads", 0) > 0) torch::set_num_threads(args.get_int("threads", 0));
  const torch::Device device = train::resolve_device(args.get("device", "auto"));
  auto detector = train::load_detector(args.require("checkpoint"), device);
  WindowMakerOptions o;
  o.geometry = detector.model->config().geometry;  // the one geometry the model was trained on
  apply_tracking_options(args, o);
  const double threshold = args.get_double("threshold", detector.state.threshold);
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
                  v.score >= threshold ? "FAKE" : "REAL", v.score, threshold, v.windows.size());
      for (size_t s = 0; s < v.timeline.size(); ++s)
        std::isnan(v.timeline[s]) ? std::printf(" %zus:-", s) : std::printf(" %zus:%.2f", s, v.timeline[s]);
      std::printf("\n");
    }
    std::fflush(stdout);
  }
  return failures ? 1 : 0;
}

}  // namespace
AVLENS_COMMAND("scan", "score clips with a trained checkpoint: verdict, per-second timeline (JSON lines)", run_scan);
}  // namespace avlens::cli
