#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "avlens/export/exporter.hpp"
#include "avlens/model_metadata.hpp"
#include "model_source.hpp"

namespace avlens::cli {

std::set<std::string> model_source_options() { return {"checkpoint", "model"}; }

const char* model_source_usage() { return "[--checkpoint C.pt | --model M.onnx]"; }
const char* checkpoint_safety_note() {
  return "--checkpoint reads a LibTorch archive, which can run code it carries: load only checkpoints you made.\n"
         "Shared models come as --model M.onnx (weights from M.safetensors beside it): nothing in them is run.\n";
}

std::string bundled_model_path() {
  if (const char* env = std::getenv("AVLENS_MODEL"); env && *env) return env;
  return std::string(AVLENS_SOURCE_DIR) + "/web/model/avlens.onnx";
}

std::string verdict_withheld_reason(const Args& args) {
  if (args.has("checkpoint")) return "";
  const std::string path = args.has("model") ? args.get("model") : bundled_model_path();
  const auto meta = read_onnx_metadata_file(path);
  auto it = meta.find("card");
  if (it == meta.end()) return "";
  const auto card = nlohmann::json::parse(it->second, nullptr, false);
  if (!card.is_object()) return "its model card cannot be read";
  // The page's rule (web/src/model-card.js): only an explicit false withholds the verdict.
  if (!(card.contains("verdict_supported") && card["verdict_supported"] == false)) return "";
  const std::string note = card.value("verdict_note", std::string());
  return note.empty() ? "its model card does not say its held-out results back a verdict" : note;
}

train::LoadedDetector load_model_from_args(const Args& args, torch::Device device) {
  if (args.has("checkpoint") && args.has("model"))
    throw std::invalid_argument("give --checkpoint or --model, not both");
  if (args.has("checkpoint")) return train::load_detector(args.get("checkpoint"), device);
  std::string path = args.get("model");
  if (path.empty()) {
    path = bundled_model_path();
    if (!std::filesystem::exists(path))
      throw std::invalid_argument("no --model or --checkpoint given, and the bundled model '" + path +
                                  "' is missing (set AVLENS_MODEL or pass --model M.onnx)");
  }
  exporter::ExportedModel exported = exporter::load_exported_model(path, device);
  train::LoadedDetector loaded;
  loaded.model = exported.model;
  loaded.state.threshold = exported.threshold;
  loaded.state.model_config = exported.model->config().to_json();
  return loaded;
}

}  // namespace avlens::cli
