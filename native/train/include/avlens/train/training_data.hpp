// Opens what a TrainConfig names: the training cache (optionally restricted to a list) and the
// validation windows (a separate cache, or a held-out fraction of the training videos).
#pragma once
#include <memory>
#include <string>

#include "avlens/train/train_config.hpp"
#include "avlens/train/window_cache.hpp"

namespace avlens::train {

// A cache folder, restricted to the videos of list_csv when it is not empty.
std::shared_ptr<WindowCache> open_cache(const std::string& dir, const std::string& list_csv = "");

// Throws Error(kInvalidArgument) unless `cache`'s windows have `expected`'s geometry; `what` names the
// cache and `whose` the other side in the message ("the validation cache 'v'", "the model's").
void require_geometry(const WindowSource& cache, const WindowGeometry& expected, const std::string& what,
                      const std::string& whose);

struct TrainingData {
  std::shared_ptr<const WindowSource> train, validation;  // validation may be null
};
TrainingData open_training_data(const TrainConfig& config);

}  // namespace avlens::train
