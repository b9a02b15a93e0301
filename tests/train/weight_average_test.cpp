// Weight averaging (avlens average, native/train/src/weight_average.cpp): the mean of several
// checkpoints' weights, the last one's state, and a refusal that names a checkpoint of another model.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "avlens/error.hpp"
#include "avlens/train/checkpoint.hpp"
#include "avlens/train/weight_average.hpp"

using namespace avlens;
using namespace avlens::train;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir() {
  fs::path p = fs::temp_directory_path() / ("avlens_weight_average_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A tiny detector with its own random weights, saved weights-only as epoch `epoch` of a run.
model::Detector save_detector(const fs::path& path, uint64_t seed, int epoch, bool attention = true) {
  model::ModelConfig config;
  config.geometry = WindowGeometry::preset("tiny");
  config.attention = attention;
  torch::manual_seed(seed);
  model::Detector detector(config);
  RunState state;
  state.epochs_done = epoch;
  state.threshold = 0.1 * epoch;
  state.model_config = detector->config().to_json();
  save_checkpoint(path.string(), detector, nullptr, state);
  return detector;
}
}  // namespace

TEST(WeightAverage, IsTheMeanOfTheWeightsWithTheLastCheckpointsState) {
  const fs::path dir = temp_dir();
  std::vector<model::Detector> detectors;
  std::vector<std::string> paths;
  for (int i = 1; i <= 3; ++i) {
    paths.push_back((dir / ("epoch" + std::to_string(i) + ".pt")).string());
    detectors.push_back(save_detector(paths.back(), 100 + i, i));
  }
  LoadedDetector averaged = average_checkpoints(paths, torch::kCPU);
  EXPECT_EQ(averaged.state.epochs_done, 3);
  EXPECT_DOUBLE_EQ(averaged.state.threshold, 0.3);  // the last one's, until the caller validates
  EXPECT_FALSE(averaged.model->is_training());
  const auto got = averaged.model->named_parameters();
  size_t compared = 0, differing = 0;  // differing: drawn at random, so the mean is not any one's
  for (const auto& p : detectors[0]->named_parameters()) {
    const auto mean = (p.value() + detectors[1]->named_parameters()[p.key()] + detectors[2]->named_parameters()[p.key()]) / 3;
    EXPECT_TRUE(torch::allclose(got[p.key()], mean, 1e-6, 1e-7)) << p.key();
    if (!torch::allclose(p.value(), detectors[1]->named_parameters()[p.key()])) ++differing;
    ++compared;
  }
  EXPECT_GT(compared, 10u);
  EXPECT_GT(differing, 10u);  // every convolution and the decision layer (norms start at 1 and 0)
  fs::remove_all(dir);
}

TEST(WeightAverage, RefusesAnotherModelAndASingleCheckpoint) {
  const fs::path dir = temp_dir();
  const std::string a = (dir / "a.pt").string(), b = (dir / "b.pt").string();
  save_detector(a, 1, 1);
  save_detector(b, 2, 2, /*attention=*/false);
  try {
    average_checkpoints({a, b}, torch::kCPU);
    FAIL() << "a checkpoint of another model was averaged in";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("cannot average '" + b + "'"), std::string::npos) << e.what();
  }
  try {
    average_checkpoints({a}, torch::kCPU);
    FAIL() << "one checkpoint was 'averaged'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at least two checkpoints, got 1"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}
