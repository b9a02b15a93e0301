// The exporter: ONNX metadata carries the geometry the core reads; bad models get clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "avlens/error.hpp"
#include "avlens/export/exporter.hpp"
#include "avlens/model_metadata.hpp"
#include "test_clips.hpp"

using namespace avlens;

TEST(Export, OnnxCarriesTheGeometryAndVariant) {
  model::ModelConfig config;
  config.geometry = WindowGeometry::preset("tiny");
  config.residual = true;
  torch::manual_seed(1);
  model::Detector detector(config);
  exporter::ExportInfo info;
  info.name = "test-tiny";
  info.preset = "tiny";
  info.training_data = "nothing";
  const std::string out = (avlens::testing::temp_dir() / "exported" / "tiny.onnx").string();
  exporter::export_onnx(detector, info, out);
  const auto meta = read_onnx_metadata_file(out);
  const WindowGeometry g = WindowGeometry::from_metadata(meta);
  EXPECT_EQ(g.frames, 8);
  EXPECT_EQ(g.height, 64);
  EXPECT_EQ(g.samples(), 16000);
  EXPECT_EQ(meta.at("variant"), "attention+residual");
  EXPECT_EQ(meta.at("name"), "test-tiny");
  EXPECT_EQ(meta.at("preset"), "tiny");
  EXPECT_EQ(meta.at("audio_norm"), "minmax_window");
  EXPECT_FALSE(meta.at("version").empty());
  EXPECT_TRUE(std::filesystem::exists(avlens::testing::temp_dir() / "exported" / "tiny.safetensors"));
  EXPECT_FALSE(std::filesystem::exists(avlens::testing::temp_dir() / "exported" / "tiny.torchscript.pt"));
}

TEST(Export, ReadBackFromTheOnnxMetadataAndSafetensorsItScoresTheSame) {
  model::ModelConfig config;
  config.geometry = WindowGeometry::preset("tiny");
  config.attention = false;
  torch::manual_seed(2);
  model::Detector detector(config);
  detector->eval();
  exporter::ExportInfo info;
  info.metrics_json = R"({"threshold": 0.62})";
  info.card_json = R"({"real_faces": false, "intended_use": "tests", "limits": []})";
  const std::string out = (avlens::testing::temp_dir() / "readback" / "m.onnx").string();
  exporter::export_onnx(detector, info, out);
  exporter::ExportedModel back = exporter::load_exported_model(out);
  EXPECT_DOUBLE_EQ(back.threshold, 0.62);
  EXPECT_EQ(back.metadata.at("card"), info.card_json);
  EXPECT_EQ(back.model->config().to_json(), config.to_json());
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  auto video = torch::rand({3, 3, 8, 64, 64}) * 2 - 1, audio = torch::rand({3, 16000}) * 2 - 1;
  EXPECT_TRUE(torch::equal(detector->scores(video, audio), back.model->scores(video, audio)));

  // A damaged weights file is named, not loaded.
  const std::string weights = (avlens::testing::temp_dir() / "readback" / "m.safetensors").string();
  std::filesystem::resize_file(weights, std::filesystem::file_size(weights) / 2);
  try {
    exporter::load_exported_model(out);
    FAIL() << "a truncated safetensors file was loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("m.safetensors"), std::string::npos) << e.what();
  }
  std::filesystem::remove(weights);
  EXPECT_THROW(exporter::load_exported_model(out), Error);
}

TEST(Export, CorruptModelFileIsAClearError) {
  const std::string path = (avlens::testing::temp_dir() / "corrupt.onnx").string();
  std::ofstream(path) << "definitely not protobuf \xff\xff\xff";
  try {
    WindowGeometry::from_metadata(read_onnx_metadata_file(path));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("not a valid ONNX model"), std::string::npos) << e.what();
  }
}

TEST(Export, FailingConversionReportsTheScriptOutput) {
  model::ModelConfig config;
  config.geometry = WindowGeometry::preset("tiny");
  model::Detector detector(config);
  try {
    exporter::export_onnx(detector, {}, (avlens::testing::temp_dir() / "x" / "m.onnx").string(), "/bin/false");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ONNX conversion failed"), std::string::npos);
  }
}
