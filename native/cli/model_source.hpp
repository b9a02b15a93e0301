// Where scan and eval get the network from: a training checkpoint (--checkpoint C.pt), an exported
// model (--model M.onnx, weights from M.safetensors beside it), or, when neither is given, the
// bundled model the page loads (web/model/avlens.onnx; $AVLENS_MODEL overrides it).
#pragma once
#include <set>
#include <string>

#include "args.hpp"
#include "avlens/train/checkpoint.hpp"

namespace avlens::cli {

std::set<std::string> model_source_options();  // checkpoint, model
// legacy-checkpoint: lets --checkpoint load an old LibTorch-archive checkpoint (with a warning).
std::set<std::string> model_source_flags();
// LegacyArchive::kLoadWithWarning with --legacy-checkpoint, else kRefuse.
train::LegacyArchive legacy_archive_policy(const Args& args);
const char* model_source_usage();
// For usage texts: what loading a checkpoint risks and what to load instead (docs/RELIABILITY.md §11).
const char* checkpoint_safety_note();
// The detector (evaluation mode, on device) and its run state; for an exported model the state
// holds its model_config and its threshold.
train::LoadedDetector load_model_from_args(const Args& args, torch::Device device);
// Why a verdict must not be printed for this model, or "" when its card backs one: an exported
// model whose card (metadata "card", docs/MODEL_CARD.md) says verdict_supported: false gets its
// card's verdict_note, as the page does (web/src/model-card.js). Checkpoints carry no card: "".
std::string verdict_withheld_reason(const Args& args);
// The bundled model's path ($AVLENS_MODEL, else the source tree's web/model/avlens.onnx).
std::string bundled_model_path();

}  // namespace avlens::cli
