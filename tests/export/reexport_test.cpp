// `avlens export EXPORTED.onnx`: an exported model again, the same bytes unless an option replaces
// a part of its metadata (a card after the model was evaluated again).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "avlens/export/exporter.hpp"
#include "avlens/model_metadata.hpp"
#include "test_clips.hpp"

using namespace avlens;
namespace fs = std::filesystem;

namespace {

// `avlens export ARGS`, its output in dir/export.log; the exit status.
int avlens_export(const fs::path& dir, const std::string& args) {
  const fs::path avlens = fs::path(AVLENS_BINARY_DIR) / "bin" / "avlens";
  return std::system((avlens.string() + " export " + args + " >" + (dir / "export.log").string() + " 2>&1").c_str());
}

std::string log_of(const fs::path& dir) {
  const auto bytes = avlens::testing::read_bytes((dir / "export.log").string());
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

TEST(Export, AnExportedModelExportsAgainToTheSameBytesOrWithANewCard) {
  ASSERT_TRUE(fs::exists(fs::path(AVLENS_BINARY_DIR) / "bin" / "avlens")) << "avlens is not built";
  const fs::path dir = avlens::testing::temp_dir() / "reexport";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A tiny model with every part of the metadata filled in: name, preset, training data, metrics,
  // train config, card.
  model::ModelConfig config;
  config.geometry = WindowGeometry::preset("tiny");
  torch::manual_seed(3);
  model::Detector detector(config);
  const exporter::ExportInfo info{"first",
                                  "tiny",
                                  "the fixture's",
                                  R"({"threshold":0.4})",
                                  R"({"lr":0.001})",
                                  R"({"real_faces":false,"intended_use":"tests","limits":["none"]})"};
  exporter::export_onnx(detector, info, (dir / "m.onnx").string());

  ASSERT_EQ(avlens_export(dir, (dir / "m.onnx").string() + " --out " + (dir / "again" / "m.onnx").string()), 0)
      << log_of(dir);
  EXPECT_EQ(avlens::testing::read_bytes((dir / "again" / "m.onnx").string()), avlens::testing::read_bytes((dir / "m.onnx").string()));
  EXPECT_EQ(avlens::testing::read_bytes((dir / "again" / "m.safetensors").string()),
            avlens::testing::read_bytes((dir / "m.safetensors").string()));

  std::ofstream(dir / "card.json") << R"({"real_faces":true,"intended_use":"tests","limits":["re-evaluated"]})";
  ASSERT_EQ(avlens_export(dir, (dir / "m.onnx").string() + " --card " + (dir / "card.json").string() + " --out " +
                                   (dir / "carded" / "m.onnx").string()),
            0)
      << log_of(dir);
  auto before = read_onnx_metadata_file((dir / "m.onnx").string());
  auto after = read_onnx_metadata_file((dir / "carded" / "m.onnx").string());
  EXPECT_EQ(nlohmann::json::parse(after.at("card"))["limits"][0], "re-evaluated");
  before.erase("card");
  after.erase("card");
  EXPECT_EQ(after, before);  // the name, metrics, training data and train config stay
  // The same weights (the safetensors carries the metadata too, so its bytes differ).
  const auto a = exporter::load_exported_model((dir / "m.onnx").string());
  const auto b = exporter::load_exported_model((dir / "carded" / "m.onnx").string());
  const auto pa = a.model->named_parameters(), pb = b.model->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i].value(), pb[i].value())) << pa[i].key();

  // Without its weights beside it: an error that names them.
  fs::remove(dir / "m.safetensors");
  EXPECT_NE(avlens_export(dir, (dir / "m.onnx").string() + " --out " + (dir / "lost" / "m.onnx").string()), 0);
  EXPECT_NE(log_of(dir).find("m.safetensors' (avlens export writes both files"), std::string::npos) << log_of(dir);
}
