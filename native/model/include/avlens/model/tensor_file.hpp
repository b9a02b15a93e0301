// LibTorch tensors in and out of safetensors files (avlens/safetensors.hpp): the one bridge the
// checkpoints (native/train) and the exported weights (model_export) use.
#pragma once
#include <string>
#include <vector>

#include <torch/torch.h>

#include "avlens/safetensors.hpp"

namespace avlens::model {

// The safetensors dtype of a LibTorch scalar type ("F32", "I64", ...); an error for types the
// format has no name for (complex, quantised).
std::string safetensors_dtype(torch::ScalarType type);

// Adds t to w as name: a contiguous CPU copy is kept in keep, which must outlive the write.
void add_tensor(safetensors::Writer& w, const std::string& name, const torch::Tensor& t,
                std::vector<torch::Tensor>& keep);

// Copies the tensor called name into target (on any device), which must have the file's dtype and
// shape; a missing tensor, another dtype or shape is an error naming the file and the tensor.
void read_tensor_into(safetensors::Reader& r, const std::string& name, torch::Tensor& target);

// The tensor called name as a new CPU tensor of its dtype and shape.
torch::Tensor read_tensor(safetensors::Reader& r, const std::string& name);

}  // namespace avlens::model
