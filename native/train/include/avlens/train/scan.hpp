// Scoring whole clips with a trained detector: windows from the core's reader, a score per
// window, the video score as their mean (docs/METHOD.md §5) and a per-second timeline.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "avlens/model/detector.hpp"
#include "avlens/windows.hpp"

namespace avlens::train {

struct ClipVerdict {
  std::string file;
  double score = -1;                 // the video's score (mean of its windows); -1 on error
  std::vector<WindowScore> windows;  // start, duration, score
  std::vector<double> timeline;      // per whole second (NaN where no window)
  int windows_without_face = 0;      // not scored
  ClipCoverage coverage;             // what the score rests on (the core's rule)
  std::string error;                 // empty on success; "code: message" otherwise
  // Set by decide(): "fake", "real", or empty with the reason in verdict_withheld.
  double threshold = 0.5;
  std::string verdict, verdict_withheld;
  // decide()'s verdict: score >= threshold is fake; none when the model's card withholds one
  // (model_withheld, its reason) or too little of the clip was scored (coverage.verdict_withheld).
  void decide(double threshold, const std::string& model_withheld);
  // {file, score, threshold, verdict, verdict_withheld, warning, timeline, windows: [{start, score}],
  //  coverage: {...}, error}; null where a value does not exist.
  nlohmann::json to_json() const;
};

// Never throws for a bad clip: the error is in the verdict. options.geometry must be the model's.
// on_progress(seconds_read, clip_seconds): after each window, for long clips.
ClipVerdict scan_clip(model::Detector& detector, const std::string& path, const WindowMakerOptions& options,
                      int batch, torch::Device device,
                      const std::function<void(double, double)>& on_progress = nullptr);

}  // namespace avlens::train
