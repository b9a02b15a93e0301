// The exporter: ONNX metadata carries the geometry the core reads; bad models get clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
  EXPECT_EQ(meta.at("audio_norm"), "minmax_clip");
  EXPECT_FALSE(meta.at("version").empty());
  EXPECT_TRUE(std::filesystem::exists(avlens::testing::temp_dir() / "exported" / "tiny.safetensors"));
  EXPECT_FALSE(std::filesystem::exists(avlens::testing::temp_dir() / "exported" / "tiny.torchscript.pt"));
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
