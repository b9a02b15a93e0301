#include "avlens/export/exporter.hpp"

#include "avlens/version.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/script.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "avlens/error.hpp"
#include "avlens/model/tensor_file.hpp"
#include "avlens/model_metadata.hpp"
#include "avlens/safetensors.hpp"

namespace fs = std::filesystem;

namespace avlens::exporter {

void trace_to_torchscript(model::Detector& model, const std::string& path, int batch) {
  model->eval();
  model->to(torch::kCPU);
  const auto& g = model->config().geometry;
  torch::manual_seed(0);
  auto video = torch::rand({batch, 3, g.frames, g.height, g.width}) * 2 - 1;
  auto audio = torch::rand({batch, 1, g.samples()}) * 2 - 1;
  torch::NoGradGuard no_grad;
  // The weights become constants of the traced graph, which must not require gradients.
  std::vector<std::pair<torch::Tensor, bool>> restore;
  for (auto& p : model->parameters()) {
    restore.emplace_back(p, p.requires_grad());
    p.set_requires_grad(false);
  }
  auto traced = torch::jit::tracer::trace(
      {video, audio},
      [&](torch::jit::Stack inputs) -> torch::jit::Stack {
        auto out = model->forward(inputs[0].toTensor(), inputs[1].toTensor());
        auto attention = out.attention.defined() ? out.attention : torch::ones_like(out.distance);
        return {torch::sigmoid(out.logits), out.distance, attention, out.weighted};
      },
      [](const torch::autograd::Variable&) { return std::string(); }, /*strict=*/false, /*force_outplace=*/false);
  auto graph = traced.first->graph;
  // The traced graph returns 4 values; make it one tuple, as a TorchScript forward does.
  torch::jit::Module module("AvlensDetector");
  graph->insertInput(0, "self")->setType(module._ivalue()->type());
  if (graph->outputs().size() > 1) {
    std::vector<torch::jit::Value*> outs(graph->outputs().begin(), graph->outputs().end());
    auto* tuple = graph->insertNode(graph->createTuple(outs))->output();
    for (size_t i = outs.size(); i-- > 0;) graph->eraseOutput(i);
    graph->registerOutput(tuple);
  }
  auto* fn = module._ivalue()->compilation_unit()->create_function("forward", graph);
  module.type()->addMethod(fn);
  module.save(path);
  for (auto& [p, requires] : restore) p.set_requires_grad(requires);
}

void write_safetensors(model::Detector& model, const std::string& path,
                       const std::map<std::string, std::string>& metadata) {
  safetensors::Writer w;
  for (const auto& [k, v] : metadata) w.set_metadata(k, v);
  std::vector<torch::Tensor> keep;
  for (const auto& p : model->named_parameters()) model::add_tensor(w, p.key(), p.value().to(torch::kFloat32), keep);
  for (const auto& b : model->named_buffers())
    if (b.value().is_floating_point()) model::add_tensor(w, b.key(), b.value().to(torch::kFloat32), keep);
  w.write_file(path);
}

void read_safetensors(model::Detector& model, const std::string& path) {
  safetensors::Reader r(path);
  for (auto& p : model->named_parameters()) model::read_tensor_into(r, p.key(), p.value());
  for (auto& b : model->named_buffers())
    if (b.value().is_floating_point()) model::read_tensor_into(r, b.key(), b.value());
}

ExportedModel load_exported_model(const std::string& onnx_path, torch::Device device) {
  ExportedModel out;
  out.metadata = read_onnx_metadata_file(onnx_path);
  auto it = out.metadata.find("model_config");
  if (it == out.metadata.end())
    throw Error(ErrorCode::kInvalidArgument, "'" + onnx_path + "' has no model_config in its metadata (not exported by avlens)");
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kInvalidArgument, "'" + onnx_path + "': model_config is not JSON: " + e.what());
  }
  out.model = model::Detector(model::ModelConfig::from_json(config));
  const fs::path onnx(onnx_path);
  const std::string weights = (onnx.parent_path() / onnx.stem()).string() + ".safetensors";
  if (!fs::exists(weights))
    throw Error(ErrorCode::kFileNotFound, "the weights of '" + onnx_path + "' are missing: '" + weights +
                                              "' (avlens export writes both files; keep them together)");
  read_safetensors(out.model, weights);
  if (auto m = out.metadata.find("metrics"); m != out.metadata.end()) {
    try {
      const auto metrics = nlohmann::json::parse(m->second);
      if (metrics.contains("threshold") && metrics["threshold"].is_number()) {
        const double t = metrics["threshold"].get<double>();
        if (t > 0 && t < 1) out.threshold = t;
      }
    } catch (const nlohmann::json::exception&) {
      // No readable metrics: the default threshold, as the page does.
    }
  }
  out.model->to(device);
  out.model->eval();
  return out;
}

std::map<std::string, std::string> onnx_metadata(const model::ModelConfig& config, const ExportInfo& info) {
  std::map<std::string, std::string> meta = config.geometry.to_metadata();
  const nlohmann::json variant = config.to_json();
  meta["model_config"] = variant.dump();
  meta["variant"] = std::string(config.attention ? "attention" : "no_attention") + (config.residual ? "+residual" : "");
  meta["map_size"] = std::to_string(config.map_size);
  meta["name"] = info.name;
  meta["preset"] = info.preset;
  meta["training_data"] = info.training_data;
  meta["metrics"] = info.metrics_json.empty() ? "{}" : info.metrics_json;
  if (!info.train_config_json.empty()) meta["train_config"] = info.train_config_json;
  if (!info.card_json.empty()) meta["card"] = info.card_json;
  meta["version"] = AVLENS_VERSION;
  meta["inputs"] = std::string(kVideoInput) + " (B,3,T,H,W) float; " + kAudioInput + " (B,1,S) float";
  meta["outputs"] = std::string(kScoreOutput) + " (B) P(fake); " + kDistanceOutput + ", " + kAttentionOutput + ", " +
                    kWeightedOutput + " (B,h,w): M, A, Mhat";
  return meta;
}

std::string export_script_path() {
  if (const char* env = std::getenv("AVLENS_EXPORT_SCRIPT")) return env;
  return std::string(AVLENS_SOURCE_DIR) + "/model_export/torchscript_to_onnx.py";
}

namespace {
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

void export_onnx(model::Detector& model, const ExportInfo& info, const std::string& onnx_path,
                 const std::string& python) {
  const fs::path out(onnx_path);
  if (out.has_parent_path()) fs::create_directories(out.parent_path());
  const std::string stem = (out.parent_path() / out.stem()).string();
  const std::string torchscript = stem + ".torchscript.pt";
  const std::string meta_json = stem + ".metadata.json";
  trace_to_torchscript(model, torchscript);
  const auto meta = onnx_metadata(model->config(), info);
  write_safetensors(model, stem + ".safetensors", meta);
  std::ofstream(meta_json) << nlohmann::json(meta).dump(2);
  const std::string cmd = shell_quote(python) + " " + shell_quote(export_script_path()) + " --torchscript " +
                          shell_quote(torchscript) + " --metadata " + shell_quote(meta_json) + " --out " +
                          shell_quote(onnx_path) + " 2>&1";
  std::string output;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw Error(ErrorCode::kInternal, "cannot run " + python);
  char buf[4096];
  while (fgets(buf, sizeof(buf), pipe)) output += buf;
  const int status = pclose(pipe);
  fs::remove(torchscript);
  fs::remove(meta_json);
  if (status != 0) throw Error(ErrorCode::kInternal, "ONNX conversion failed:\n" + output);
}

}  // namespace avlens::exporter
