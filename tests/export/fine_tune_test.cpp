// `avlens train --init M.onnx`: a run starts from an exported model (the page's model can be
// fine-tuned on a user's own clips), takes that model's variant unless the flags name one, and is
// refused, by name, when the flags ask for another network.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../train/window_fixtures.hpp"
#include "avlens/export/exporter.hpp"
#include "avlens/train/checkpoint.hpp"
#include "test_clips.hpp"

using namespace avlens;
namespace fs = std::filesystem;

namespace {

struct TrainRun {
  int status = -1;
  std::string log;
};

TrainRun avlens_train(const fs::path& dir, const std::string& name, const std::string& flags) {
  const fs::path avlens = fs::path(AVLENS_BINARY_DIR) / "bin" / "avlens";
  const fs::path log = dir / (name + ".log");
  const std::string command = avlens.string() + " train --data " + (dir / "cache").string() + " --out " +
                              (dir / name).string() +
                              " --epochs 1 --batch 4 --max-steps-per-epoch 2 --val-fraction 0 --device cpu"
                              " --threads 1 --loader-workers 1 --progress false --seed 5 " +
                              flags + " >" + log.string() + " 2>&1";
  TrainRun r;
  r.status = std::system(command.c_str());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  r.log = text.str();
  return r;
}

std::vector<torch::Tensor> weights_of(const fs::path& checkpoint) {
  auto loaded = train::load_detector(checkpoint.string());
  std::vector<torch::Tensor> out;
  for (const auto& p : loaded.model->named_parameters()) out.push_back(p.value().clone());
  return out;
}

}  // namespace

TEST(FineTune, TrainingStartsFromAnExportedModelAndTakesItsVariant) {
  ASSERT_TRUE(fs::exists(fs::path(AVLENS_BINARY_DIR) / "bin" / "avlens")) << "avlens is not built";
  const fs::path dir = avlens::testing::temp_dir() / "fine_tune";
  fs::remove_all(dir);
  const WindowGeometry tiny = WindowGeometry::preset("tiny");
  for (int v = 0; v < 4; ++v)  // 2 real and 2 fake videos of 2 windows
    train::fixtures::write_cache_video(dir / "cache", tiny, "/data/video" + std::to_string(v) + ".mp4", v % 2, 2,
                                       70 + 10 * v);

  // A model whose variant differs from train's defaults (attention on, group norm).
  model::ModelConfig config;
  config.geometry = tiny;
  config.attention = false;
  config.norm = model::NormKind::kBatch;
  torch::manual_seed(11);
  model::Detector detector(config);
  exporter::export_onnx(detector, {}, (dir / "m.onnx").string());
  // The same weights as a run's checkpoint, the way --init has always been fed.
  train::RunState state;
  state.model_config = config.to_json();
  train::save_checkpoint((dir / "same.pt").string(), detector, nullptr, state);

  const TrainRun from_model = avlens_train(dir, "from_model", "--init " + (dir / "m.onnx").string());
  ASSERT_EQ(from_model.status, 0) << from_model.log;
  const TrainRun from_checkpoint = avlens_train(dir, "from_checkpoint", "--init " + (dir / "same.pt").string());
  ASSERT_EQ(from_checkpoint.status, 0) << from_checkpoint.log;
  const TrainRun from_scratch = avlens_train(dir, "from_scratch", "--attention false --norm batch");
  ASSERT_EQ(from_scratch.status, 0) << from_scratch.log;

  // The variant came from the model, not from train's defaults.
  const auto run_config = nlohmann::json::parse(std::ifstream(dir / "from_model" / "config.json"));
  EXPECT_EQ(run_config["attention"], false);
  EXPECT_EQ(run_config["norm"], "batch");
  EXPECT_EQ(run_config["init"], (dir / "m.onnx").string());

  // Same start, same seed: the same weights after the epoch; from scratch, other weights.
  const auto a = weights_of(dir / "from_model" / "last.pt");
  const auto b = weights_of(dir / "from_checkpoint" / "last.pt");
  const auto c = weights_of(dir / "from_scratch" / "last.pt");
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.size(), c.size());
  double differs_from_scratch = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
    differs_from_scratch = std::max(differs_from_scratch, (a[i] - c[i]).abs().max().item<double>());
  }
  EXPECT_GT(differs_from_scratch, 1e-3) << "a run from scratch ended where the exported model's did";

  // Flags that ask for another network are refused, naming the model.
  const TrainRun other = avlens_train(dir, "other", "--init " + (dir / "m.onnx").string() + " --attention true");
  EXPECT_NE(other.status, 0);
  EXPECT_NE(other.log.find("cannot start from '" + (dir / "m.onnx").string() + "'"), std::string::npos) << other.log;

  // An exported model without its weights beside it: a clear error.
  fs::remove(dir / "m.safetensors");
  const TrainRun missing = avlens_train(dir, "missing", "--init " + (dir / "m.onnx").string());
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.log.find("m.safetensors"), std::string::npos) << missing.log;
  fs::remove_all(dir);
}
