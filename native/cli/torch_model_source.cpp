#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "avlens/export/exporter.hpp"
#include "avlens/model_metadata.hpp"
#include "model_source.hpp"

namespace avlens::cli {

std::set<std::string> model_source_options() { return {"checkpoint", "model"}; }

std::set<std::string> model_source_flags() { return {"legacy-checkpoint"}; }

train::LegacyArchive legacy_archive_policy(const Args& args) {
  return args.has("legacy-checkpoint") ? train::LegacyArchive::kLoadWithWarning : train::LegacyArchive::kRefuse;
}

const char* model_source_usage() { return "[--checkpoint C.pt [--legacy-checkpoint] | --model M.onnx]"; }
const char* checkpoint_safety_note() {
  return "--checkpoint reads a training checkpoint (safetensors: loading it runs nothing it carries). Checkpoints\n"
         "written before avlens-checkpoint-2 are LibTorch archives, which can run code they carry: they load only\n"
         "with --legacy-checkpoint (then with a warning), so pass it only for checkpoints you made; `avlens train\n"
         "--resume` converts a run's checkpoints. Shared models come as --model M.onnx (weights from M.safetensors).\n";
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
  if (args.has("legacy-checkpoint") && !args.has("checkpoint"))
    throw std::invalid_argument("--legacy-checkpoint goes with --checkpoint");
  if (args.has("checkpoint")) return train::load_detector(args.get("checkpoint"), device, legacy_archive_policy(args));
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
