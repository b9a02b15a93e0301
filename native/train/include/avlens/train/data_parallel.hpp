// Data-parallel training across processes and machines over PyTorch's own c10d library:
// a TCPStore at master_addr:master_port for the rendezvous and a process group for the
// collectives: NCCL on CUDA tensors where this LibTorch has it, else Gloo (CUDA tensors go
// through CPU copies). Every rank computes the gradient of the mean loss over its shard of the
// global batch; average_gradients() makes them the gradient of the global batch.
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include <torch/torch.h>

namespace avlens::train {

struct DataParallelOptions {
  int world_size = 1;
  int rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29512;
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  // "auto" (NCCL when device is CUDA and nccl_available(), else Gloo), "gloo" or "nccl".
  std::string backend = "auto";
  // Where the module's tensors live (each rank's own GPU: see local_cuda_device).
  torch::Device device = torch::kCPU;
};

// Whether this build can run NCCL: a CUDA LibTorch built with it, and nccl.h at build time.
bool nccl_available();
// The GPU of a rank on its machine: LOCAL_RANK when set (torchrun's convention), else
// rank % the number of visible GPUs.
int local_cuda_device(int rank);

class DataParallel {
 public:
  // Blocks until all world_size ranks have joined (or the timeout, with a clear error).
  explicit DataParallel(const DataParallelOptions& options);
  ~DataParallel();

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  // "nccl" or "gloo", as resolved from options.backend.
  const std::string& backend() const { return backend_; }

  // Copies rank 0's parameters and buffers to every rank (same start everywhere).
  void broadcast_parameters(torch::nn::Module& module);
  // Replaces each gradient by its mean over the ranks (one flattened all-reduce).
  void average_gradients(torch::nn::Module& module);
  // Mean of a scalar over the ranks.
  double average(double value);
  void barrier();

 private:
  struct Impl;
  DataParallelOptions options_;
  std::string backend_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace avlens::train
