// `avlens scan CLIP... [--model M.onnx | --checkpoint C.pt] [--json]`: the verdict for each clip (or
// why there is none), its per-second timeline and coverage, or a clear error per clip on stderr (one
// bad clip does not stop the others, even one that crashes the decoder: each clip is read in its
// own process, clip_process.hpp).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "args.hpp"
#include "avlens/train/scan.hpp"
#include "avlens/train/trainer.hpp"
#include "clip_process.hpp"
#include "command.hpp"
#include "model_source.hpp"
#include "window_options.hpp"

namespace avlens::cli {
namespace {

void usage(std::FILE* to) {
  std::fprintf(to,
      "usage: avlens scan CLIP... %s [--json] [--threshold T] [--batch N]\n"
      "                  [--threads N] %s [--device auto|cpu|cuda] [--progress]\n\n"
      "Without --model or --checkpoint, the bundled model (%s) scores the clips.\n"
      "--json prints one JSON object per clip on stdout: {file, score, threshold, verdict (\"fake\", \"real\" or\n"
      "null), verdict_withheld (why there is none), warning, timeline (per second), windows: [{start, score}],\n"
      "coverage: {video_seconds, audio_seconds, scored_seconds, windows, windows_scored, windows_without_face,\n"
      "decode_errors}, error}.\n"
      "The verdict threshold defaults to the model's (chosen on validation videos). There is no verdict, only\n"
      "the score, when the model's card says its held-out results do not back one, or when fewer than %d\n"
      "windows of the clip could be scored.\n"
      "Errors go to stderr; --progress (default: when stderr is a terminal) shows how far a clip has got.\n"
      "%s"
      "Exit status: 0 when every clip was scored, 1 when at least one failed (an error, a crash or a time-out;\n"
      "the others are still scored: the clip's JSON has the reason in \"error\"), 2 for a usage error.\n%s",
      model_source_usage(), tracking_options_usage(), bundled_model_path().c_str(), kMinWindowsForVerdict,
      clip_process_usage(), checkpoint_safety_note());
}

int run_scan(const std::vector<std::string>& argv) {
  auto value_options = tracking_value_options();
  auto model_options = model_source_options();
  value_options.insert(model_options.begin(), model_options.end());
  value_options.insert({"threshold", "batch", "threads", "device"});
  for (const auto& o : clip_process_value_options()) value_options.insert(o);
  auto flags = tracking_flag_options();
  flags.insert({"json", "help", "progress"});
  for (const auto& o : model_source_flags()) flags.insert(o);
  for (const auto& o : clip_process_flag_options()) flags.insert(o);
  Args args(argv, value_options, flags);
  if (args.has("help")) {
    usage(stdout);
    return 0;
  }
  if (args.positionals().empty()) {
    usage(stderr);
    throw std::invalid_argument("scan needs at least one CLIP");
  }
  if (args.get_int("threads", 0) > 0) torch::set_num_threads(args.get_int("threads", 0));
  const torch::Device device = train::resolve_device(args.get("device", "auto"));
  auto detector = load_model_from_args(args, device);
  WindowMakerOptions o;
  o.geometry = detector.model->config().geometry;  // the one geometry the model was trained on
  apply_tracking_options(args, o);
  const double threshold = args.get_double("threshold", detector.state.threshold);
  // As the page: a model whose held-out results do not back a verdict gets its score only.
  const std::string withheld = verdict_withheld_reason(args);
  const bool json = args.has("json");
  const bool progress = args.has("progress") || ::isatty(::fileno(stderr));
  const bool clip_child = args.has(kClipChildFlag);
  if (!withheld.empty() && !json && !clip_child) std::printf("note: scores only, no verdict: %s\n", withheld.c_str());
  int failures = 0;
  // A batch reads each clip in a child; one clip has no batch to protect, and a child would load
  // LibTorch and the model a second time (about 2.5 CPU s), unless limits were asked for.
  const bool isolate = args.positionals().size() > 1 || args.has("clip-timeout") || args.has("clip-memory");
  if (!clip_child && !args.has("in-process") && isolate) {
    // One child per clip, one at a time (the output keeps the clips' order); the model was loaded
    // above to check it once, each child loads it again.
    ClipProcessLimits limits = clip_process_limits(args);
    if (device.is_cuda() && !args.has("clip-memory")) limits.memory_bytes = 0;  // CUDA maps far more
    std::vector<std::string> base = {"scan"};
    for (auto& a : argv_without(argv, value_options, {"in-process"})) base.push_back(a);
    base.push_back(std::string("--") + kClipChildFlag);
    std::vector<std::vector<std::string>> jobs;
    for (const auto& clip : args.positionals()) {
      jobs.push_back(base);
      jobs.back().push_back(clip);
    }
    run_clip_processes(jobs, 1, limits, [&](size_t i, const ClipProcessResult& r) {
      const std::string& clip = args.positionals()[i];
      if (r.exited() && !r.out.empty()) {  // its own output, errors included
        std::fwrite(r.out.data(), 1, r.out.size(), stdout);
        failures += r.exit_code != 0;
      } else {  // killed, or it ended before its result (it said why on stderr)
        if (progress) std::fprintf(stderr, "\r\033[K");
        train::ClipVerdict v;
        v.file = clip;
        v.error = r.exited() ? "internal: the process reading this clip exited with status " +
                                   std::to_string(r.exit_code) + " before its result"
                             : r.failure(limits);
        v.decide(threshold, withheld);
        ++failures;
        std::fprintf(stderr, "%s: error: %s\n", clip.c_str(), v.error.c_str());
        if (json) std::printf("%s\n", v.to_json().dump().c_str());
      }
      std::fflush(stdout);
    });
    return failures ? 1 : 0;
  }
  for (const auto& clip : args.positionals()) {
    std::function<void(double, double)> on_progress;
    if (progress)
      on_progress = [&clip](double at, double total) {
        std::fprintf(stderr, "\r%s: %.0f s of %.0f s scored", clip.c_str(), at, std::max(at, total));
        std::fflush(stderr);
      };
    train::ClipVerdict v = train::scan_clip(detector.model, clip, o, args.get_int("batch", 8), device, on_progress);
    if (progress) std::fprintf(stderr, "\r\033[K");
    if (clip_child && v.error == "internal: std::bad_alloc" && args.get_double("clip-memory", 1) > 0)
      v.error = "out_of_memory: reading this clip needed more memory than its process may have (--clip-memory)";
    v.decide(threshold, withheld);
    failures += !v.error.empty();
    if (!v.error.empty()) std::fprintf(stderr, "%s: error: %s\n", clip.c_str(), v.error.c_str());
    if (json) {
      std::printf("%s\n", v.to_json().dump().c_str());
    } else if (v.error.empty()) {
      std::string verdict = v.verdict == "fake" ? "FAKE" : v.verdict == "real" ? "REAL" : "SCORE ONLY";
      std::printf("%s: %s (score %.3f, threshold %.3f, %zu windows)\n", clip.c_str(), verdict.c_str(), v.score,
                  threshold, v.windows.size());
      // The model's reason was printed once above; a clip's own reason is printed with it.
      if (!v.verdict_withheld.empty() && v.verdict_withheld != withheld)
        std::printf("  no verdict: %s\n", v.verdict_withheld.c_str());
      if (!v.coverage.warning.empty()) std::printf("  warning: %s\n", v.coverage.warning.c_str());
      std::printf("  timeline:");
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
