// Scoring whole clips with a trained detector: windows from the core's reader, a score per
// window, the video score as their mean (docs/METHOD.md §5) and a per-second timeline.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "avlens/model/detector.hpp"
#include "avlens/windows.hpp"

namespace avlens::train {

struct ClipVerdict {
  std::string file;
  double score = -1;                 // P(fake) of the video; -1 on error
  std::vector<WindowScore> windows;  // start, duration, score
  std::vector<double> timeline;      // per whole second (NaN where no window)
  int windows_without_face = 0;      // not scored
  std::string error;                 // empty on success; "code: message" otherwise
  nlohmann::json to_json() const;    // {file, score, windows: [{start, score}], error}
};

// Never throws for a bad clip: the error is in the verdict. options.geometry must be the model's.
ClipVerdict scan_clip(model::Detector& detector, const std::string& path, const WindowMakerOptions& options,
                      int batch, torch::Device device);

}  // namespace avlens::train
