// The bridge from a trained checkpoint to the browser. The C++ model stays the only definition of
// the architecture: it is traced here with torch::jit into a TorchScript file, and
// model_export/torchscript_to_onnx.py (Debian's PyTorch, no model code) turns that into ONNX with
// the metadata below inside it.
#pragma once
#include <map>
#include <string>

#include "avlens/model/detector.hpp"

namespace avlens::exporter {

// Names of the graph's inputs and outputs (the web worker and the parity tests use them).
inline constexpr const char* kVideoInput = "video";      // (B, 3, T, H, W) float, (x/255 - mean)/std
inline constexpr const char* kAudioInput = "audio";      // (B, 1, S) float, normalised waveform
inline constexpr const char* kScoreOutput = "score";     // (B) P(fake)
inline constexpr const char* kDistanceOutput = "distance";    // M    (B, h, w)
inline constexpr const char* kAttentionOutput = "attention";  // A    (B, h, w); ones without attention
inline constexpr const char* kWeightedOutput = "weighted";    // Mhat (B, h, w)

// Traces model (in eval mode, on CPU) with a batch of `batch` random windows and saves the
// TorchScript module. Its forward(video, audio) returns (score, M, A, Mhat).
void trace_to_torchscript(model::Detector& model, const std::string& path, int batch = 2);

// Writes the weights as a safetensors file (a JSON header and raw little-endian float32 data):
// readable by any framework and any PyTorch version, with no code execution on load.
void write_safetensors(model::Detector& model, const std::string& path,
                       const std::map<std::string, std::string>& metadata = {});

// Reads a safetensors file written by write_safetensors into model: every parameter and floating
// buffer must be there with its shape, as F32. The file is checked whole first by the one
// safetensors reader (avlens/safetensors.hpp, also the checkpoints'). Throws avlens::Error naming
// the file and the tensor that is missing or misshapen, or what is wrong with the file.
void read_safetensors(model::Detector& model, const std::string& path);

// An exported model read back for LibTorch: the network from the ONNX file's metadata
// (model_config), the weights from the safetensors file beside it (same stem), the decision
// threshold from its metrics (0.5 when it has none). The ONNX graph itself is not run.
struct ExportedModel {
  model::Detector model{nullptr};
  double threshold = 0.5;
  std::map<std::string, std::string> metadata;
};
ExportedModel load_exported_model(const std::string& onnx_path, torch::Device device = torch::kCPU);

// Everything that goes into the ONNX metadata_props: the window geometry (WindowGeometry keys),
// the variant, the preset, the training data, the metrics and the version.
struct ExportInfo {
  std::string name = "avlens";
  std::string preset;         // geometry preset name, when it is one
  std::string training_data;  // free text: what the model was trained on
  std::string metrics_json;   // JSON object of validation metrics
  std::string train_config_json;
  std::string card_json;      // JSON object: intended use, limits, real_faces, held-out results (the page shows it)
};
std::map<std::string, std::string> onnx_metadata(const model::ModelConfig& config, const ExportInfo& info);

// Full export: TorchScript trace + safetensors + ONNX via the script. Throws avlens::Error with
// the script's output when the conversion fails. python defaults to /usr/bin/python3.
void export_onnx(model::Detector& model, const ExportInfo& info, const std::string& onnx_path,
                 const std::string& python = "/usr/bin/python3");

// Where torchscript_to_onnx.py is: $AVLENS_EXPORT_SCRIPT, else the source tree's model_export/.
std::string export_script_path();

}  // namespace avlens::exporter
