// Weight averaging (stochastic weight averaging, Izmailov et al., UAI 2018): the mean of the
// weights a run had at several epochs of a constant learning rate. On a small training set the
// weights wander between epochs (the validation AUC moves by ±0.05 from one to the next,
// docs/MODEL_CARD.md); their mean sits nearer the middle of the region they wander in.
#pragma once
#include <string>
#include <vector>

#include "avlens/train/checkpoint.hpp"

namespace avlens::train {

// The mean of the checkpoints' weights (parameters, and floating-point buffers; other buffers are
// the first checkpoint's), as a detector in evaluation mode on `device`. The checkpoints must hold
// the same model (as `train --resume` compares them); an error names the first that does not.
// The state is the last checkpoint's; its threshold and validation AUC are the caller's to set
// (the averaged weights were never validated).
LoadedDetector average_checkpoints(const std::vector<std::string>& paths, torch::Device device);

}  // namespace avlens::train
