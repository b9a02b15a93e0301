// Converting a run's old checkpoints (LibTorch archives, avlens-checkpoint-1) to safetensors
// (avlens-checkpoint-2) in place, so that resuming a run leaves no archive behind: not only last.pt,
// which the next epoch rewrites anyway, but also a best_*.pt the resumed run may never beat.
#pragma once
#include <string>

namespace avlens::train {

// When path is a LibTorch-archive checkpoint, rewrites it as safetensors with the same weights, Adam
// state (when it holds one) and run state, with the legacy warning on stderr; returns whether it did.
bool convert_legacy_checkpoint(const std::string& path);

}  // namespace avlens::train
