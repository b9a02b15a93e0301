// `avlens export CHECKPOINT --out model.onnx`: the trained detector as ONNX for the browser, with
// its window geometry, variant, metrics and version in the metadata (model_export/).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "avlens/export/exporter.hpp"
#include "avlens/train/checkpoint.hpp"
#include "avlens/windows.hpp"
#include "command.hpp"

namespace fs = std::filesystem;

namespace avlens::cli {
namespace {

void usage() {
  std::printf(
      "usage: avlens export CHECKPOINT --out MODEL.onnx [--name NAME] [--training-data TEXT] [--metrics M.json]\n"
      "                     [--card CARD.json] [--legacy-checkpoint]\n"
      "       avlens export EXPORTED.onnx --out MODEL.onnx [--card CARD.json] [--metrics M.json] [--name NAME]\n"
      "                     [--training-data TEXT]\n"
      "                     (the same weights and metadata again, with what is given replaced: e.g. the card\n"
      "                     after the model was evaluated again; its safetensors must lie beside it)\n"
      "       avlens export --untrained PRESET --out MODEL.onnx [--save-checkpoint C.pt]\n"
      "                     (random weights: test fixtures only; C.pt is the same model for scan/eval)\n"
      "       [--reference-out DIR [--reference-clip CLIP]]\n\n"
      "Writes MODEL.onnx (opset 17, dynamic batch; inputs video (B,3,T,H,W), audio (B,1,S); outputs\n"
      "score, distance, attention, weighted) and MODEL.safetensors (the weights, framework-neutral).\n"
      "--legacy-checkpoint: CHECKPOINT may be an old LibTorch archive (before avlens-checkpoint-2), which can\n"
      "run code it carries: only for checkpoints you made (`avlens train --resume` converts a run's instead).\n"
      "--reference-out writes LibTorch's outputs on a few windows (random ones, and the windows of\n"
      "--reference-clip when given) as raw float32 files + reference.json, for parity tests.\n"
      "--card: the model card the page shows beside a verdict (metadata key \"card\"): a JSON object with\n"
      "real_faces (bool), intended_use (text), limits (texts), and optionally training_data, heldout_real\n"
      "(results on held-out real clips) and calibration ({method, bins: [[low, high, fake rate, count]]}).\n");
}

void write_floats(const torch::Tensor& t, const fs::path& path) {
  auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.numel() * sizeof(float)));
}

// LibTorch's outputs on the given windows, for the ONNX Runtime parity tests.
nlohmann::json write_reference(model::Detector& model, const torch::Tensor& video, const torch::Tensor& audio,
                               const fs::path& dir, const std::string& name) {
  torch::NoGradGuard no_grad;
  model->eval();
  auto out = model->forward(video, audio);
  auto attention = out.attention.defined() ? out.attention : torch::ones_like(out.distance);
  write_floats(video, dir / (name + ".video.f32"));
  write_floats(audio, dir / (name + ".audio.f32"));
  write_floats(torch::sigmoid(out.logits), dir / (name + ".score.f32"));
  write_floats(out.distance, dir / (name + ".distance.f32"));
  write_floats(attention, dir / (name + ".attention.f32"));
  write_floats(out.weighted, dir / (name + ".weighted.f32"));
  return {{"name", name},
          {"video_shape", video.sizes().vec()},
          {"audio_shape", audio.sizes().vec()},
          {"map_shape", out.distance.sizes().vec()}};
}

// The model card that travels in the metadata (key "card"): what the page shows beside a verdict.
// Checked here so that a model never ships a card the page cannot read.
nlohmann::json read_model_card(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot open the model card '" + path + "'");
  const auto card = nlohmann::json::parse(in, nullptr, false);
  auto bad = [&](const std::string& why) { throw std::invalid_argument("model card '" + path + "': " + why); };
  if (!card.is_object()) bad("not a JSON object");
  if (!card.contains("real_faces") || !card["real_faces"].is_boolean())
    bad("needs \"real_faces\": true|false (were real faces in the training data?)");
  if (!card.contains("intended_use") || !card["intended_use"].is_string()) bad("needs \"intended_use\" (text)");
  if (!card.contains("limits") || !card["limits"].is_array()) bad("needs \"limits\" (a list of texts)");
  for (const auto& l : card["limits"])
    if (!l.is_string()) bad("every limit must be a text");
  if (card.contains("calibration") && !card["calibration"].is_null()) {
    const auto& c = card["calibration"];
    if (!c.is_object() || !c.contains("bins") || !c["bins"].is_array()) bad("calibration needs \"bins\"");
    for (const auto& b : c["bins"])
      if (!b.is_array() || b.size() != 4) bad("a calibration bin is [low, high, observed fake rate, count]");
  }
  return card;
}

// The metrics with --metrics (a JSON object file, e.g. test-set results from avlens eval) merged in.
nlohmann::json with_metrics_file(nlohmann::json metrics, const Args& args) {
  if (args.has("metrics")) {
    std::ifstream in(args.get("metrics"));
    const auto extra = nlohmann::json::parse(in, nullptr, false);
    if (!extra.is_object()) throw std::invalid_argument("--metrics must name a JSON object file");
    metrics.update(extra);
  }
  return metrics;
}

int run_export(const std::vector<std::string>& argv) {
  Args args(argv, {"out", "name", "training-data", "untrained", "reference-out", "reference-clip", "python",
                   "save-checkpoint", "metrics", "card"},
            {"help", "legacy-checkpoint"});
  if (args.has("help")) {
    usage();
    return 0;
  }
  const std::string out = args.require("out");
  exporter::ExportInfo info;
  info.name = args.get("name", fs::path(out).stem().string());
  model::Detector detector{nullptr};
  if (args.has("untrained")) {
    if (!args.positionals().empty()) throw std::invalid_argument("give a CHECKPOINT or --untrained, not both");
    model::ModelConfig config;
    config.geometry = WindowGeometry::preset(args.get("untrained"));
    info.preset = args.get("untrained");
    torch::manual_seed(7);
    detector = model::Detector(config);
    info.training_data = "none: untrained random weights (test fixture)";
    if (args.has("save-checkpoint")) {
      const fs::path checkpoint = args.get("save-checkpoint");
      if (checkpoint.has_parent_path()) fs::create_directories(checkpoint.parent_path());
      train::RunState state;
      state.model_config = config.to_json();
      train::save_checkpoint(args.get("save-checkpoint"), detector, nullptr, state);
    }
  } else if (args.positionals().size() == 1 && fs::path(args.positionals()[0]).extension() == ".onnx") {
    // An exported model: its weights and metadata, what the options give replacing them.
    auto exported = exporter::load_exported_model(args.positionals()[0]);
    detector = exported.model;
    const auto meta = [&](const std::string& key) {
      const auto it = exported.metadata.find(key);
      return it == exported.metadata.end() ? std::string() : it->second;
    };
    info.name = args.get("name", meta("name").empty() ? info.name : meta("name"));
    info.preset = detector->config().geometry.preset_name();
    info.training_data = args.get("training-data", meta("training_data"));
    info.train_config_json = meta("train_config");
    info.card_json = meta("card");
    nlohmann::json metrics = nlohmann::json::parse(meta("metrics").empty() ? "{}" : meta("metrics"), nullptr, false);
    if (!metrics.is_object()) metrics = nlohmann::json::object();
    info.metrics_json = with_metrics_file(metrics, args).dump();
  } else {
    if (args.positionals().size() != 1) throw std::invalid_argument("export needs one CHECKPOINT (see --help)");
    auto loaded = train::load_detector(args.positionals()[0], torch::kCPU,
                                       args.has("legacy-checkpoint") ? train::LegacyArchive::kLoadWithWarning
                                                                     : train::LegacyArchive::kRefuse);
    detector = loaded.model;
    info.preset = detector->config().geometry.preset_name();
    const auto& tc = loaded.state.train_config;
    info.training_data = args.get("training-data", tc.contains("data") ? tc["data"].get<std::string>() : "");
    info.train_config_json = tc.dump();
    nlohmann::json metrics = {{"epochs", loaded.state.epochs_done},
                              {"best_val_auc", loaded.state.best_val_auc},
                              {"threshold", loaded.state.threshold}};
    if (!loaded.state.history.empty()) metrics["last_epoch"] = loaded.state.history.back();
    info.metrics_json = with_metrics_file(metrics, args).dump();
  }
  if (args.has("card")) info.card_json = read_model_card(args.get("card")).dump();
  exporter::export_onnx(detector, info, out, args.get("python", "/usr/bin/python3"));
  std::printf("wrote %s and %s\n", out.c_str(),
              (fs::path(out).parent_path() / (fs::path(out).stem().string() + ".safetensors")).c_str());

  if (args.has("reference-out")) {
    const fs::path dir = args.get("reference-out");
    fs::create_directories(dir);
    const auto& g = detector->config().geometry;
    torch::manual_seed(11);
    nlohmann::json sets = nlohmann::json::array();
    sets.push_back(write_reference(detector, torch::rand({3, 3, g.frames, g.height, g.width}) * 2 - 1,
                                   torch::rand({3, 1, g.samples()}) * 2 - 1, dir, "random"));
    if (args.has("reference-clip")) {
      WindowMakerOptions o;
      o.geometry = g;
      auto reader = ClipWindowReader::open_file(args.get("reference-clip"), o);
      std::vector<torch::Tensor> videos, audios;
      Window w;
      while (reader->next(w) && videos.size() < 4) {
        videos.push_back(torch::from_blob(w.video_tensor(g).data(), {1, 3, g.frames, g.height, g.width}).clone());
        audios.push_back(torch::from_blob(w.audio.data(), {1, 1, g.samples()}).clone());
      }
      sets.push_back(write_reference(detector, torch::cat(videos), torch::cat(audios), dir, "clip"));
    }
    std::ofstream(dir / "reference.json") << nlohmann::json({{"model", out}, {"sets", sets}}).dump(2);
    std::printf("wrote LibTorch reference outputs to %s\n", dir.c_str());
  }
  return 0;
}

}  // namespace

AVLENS_COMMAND("export", "export a checkpoint to ONNX (+ safetensors) for the browser", run_export);

}  // namespace avlens::cli
