#include "avlens/train/data_parallel.hpp"

#include <cstdlib>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

// A CUDA LibTorch built with NCCL exports USE_C10D_NCCL to its users (through torch_cuda); Debian's
// CPU LibTorch ships ProcessGroupNCCL.hpp too, but empty without that define. The header includes
// <nccl.h>, which not every LibTorch distribution ships (native/train/CMakeLists.txt looks for it).
#if defined(USE_C10D_NCCL) && __has_include(<nccl.h>)
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define AVLENS_HAVE_NCCL 1
#else
#define AVLENS_HAVE_NCCL 0
#endif

#include "avlens/error.hpp"

namespace avlens::train {

bool nccl_available() { return AVLENS_HAVE_NCCL; }

int local_cuda_device(int rank) {
  if (const char* local = std::getenv("LOCAL_RANK")) return std::atoi(local);
  const int count = static_cast<int>(torch::cuda::device_count());
  return count > 0 ? rank % count : 0;
}

struct DataParallel::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#if AVLENS_HAVE_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  torch::Device device = torch::kCPU;
  bool stage_on_cpu = false;  // Gloo here has CPU tensors only: CUDA tensors travel as CPU copies

  // Runs one collective on whichever group this rank has and waits for it.
  template <typename Op>
  void run(Op op) {
#if AVLENS_HAVE_NCCL
    if (nccl) {
      op(*nccl)->wait();
      return;
    }
#endif
    op(*gloo)->wait();
  }
  // The tensor a collective works on: t itself, or its CPU copy (copy it back with unstage).
  at::Tensor stage(const at::Tensor& t) const { return stage_on_cpu ? t.to(torch::kCPU) : t; }
  void unstage(at::Tensor& t, const at::Tensor& staged) const {
    if (stage_on_cpu) t.copy_(staged);
  }
};

DataParallel::DataParallel(const DataParallelOptions& options) : options_(options), impl_(std::make_unique<Impl>()) {
  if (options.world_size < 1 || options.rank < 0 || options.rank >= options.world_size)
    throw Error(ErrorCode::kInvalidArgument, "data parallel: rank must be in [0, world_size)");
  const bool cuda = options.device.is_cuda();
  if (options.backend == "nccl" || (options.backend == "auto" && cuda && AVLENS_HAVE_NCCL)) backend_ = "nccl";
  else if (options.backend == "gloo" || options.backend == "auto") backend_ = "gloo";
  else throw Error(ErrorCode::kInvalidArgument, "data parallel: unknown backend '" + options.backend + "' (auto, gloo, nccl)");
  if (backend_ == "nccl" && !AVLENS_HAVE_NCCL)
    throw Error(ErrorCode::kInvalidArgument,
                "data parallel: backend nccl asked for, but avlens was built without NCCL (a CUDA LibTorch built "
                "with USE_C10D_NCCL and nccl.h are needed); use --backend gloo");
  if (backend_ == "nccl" && !cuda)
    throw Error(ErrorCode::kInvalidArgument, "data parallel: backend nccl needs CUDA tensors; use --device cuda");
  impl_->device = options.device;
  impl_->stage_on_cpu = backend_ == "gloo" && cuda;
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(options.master_port);
    store_options.isServer = options.rank == 0;
    store_options.numWorkers = options.world_size;
    store_options.timeout = options.timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);

#if AVLENS_HAVE_NCCL
    if (backend_ == "nccl") {
      // The rank's GPU becomes the current one, so that nothing lands on GPU 0 by default.
      if (options.device.has_index()) c10::cuda::set_device(options.device.index());
      auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
      nccl_options->timeout = options.timeout;
      impl_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, options.rank, options.world_size,
                                                                nccl_options);
      return;
    }
#endif
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(options.timeout);
    // Like PyTorch: GLOO_SOCKET_IFNAME picks the interface; a loopback master means one machine.
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME")) {
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    } else if (options.master_addr == "127.0.0.1" || options.master_addr == "localhost") {
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    impl_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, options.rank, options.world_size,
                                                             gloo_options);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::kInternal, "data parallel: cannot join " + options.master_addr + ":" +
                                          std::to_string(options.master_port) + " as rank " +
                                          std::to_string(options.rank) + " of " + std::to_string(options.world_size) +
                                          " over " + backend_ + ": " + e.what_without_backtrace());
  }
}

DataParallel::~DataParallel() = default;

void DataParallel::broadcast_parameters(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> tensors;
  for (auto& p : module.parameters()) tensors.push_back(p);
  for (auto& b : module.buffers()) tensors.push_back(b);
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{impl_->stage(t)};
    c10d::BroadcastOptions opts;
    opts.rootRank = 0;
    impl_->run([&](auto& group) { return group.broadcast(one, opts); });
    impl_->unstage(t, one[0]);
  }
}

void DataParallel::average_gradients(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (auto& p : module.parameters())
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return;
  std::vector<at::Tensor> views;
  for (auto& g : grads) views.push_back(g.reshape({-1}));
  std::vector<at::Tensor> flat{impl_->stage(torch::cat(views))};
  impl_->run([&](auto& group) { return group.allreduce(flat); });
  flat[0].div_(options_.world_size);
  int64_t offset = 0;
  for (auto& g : grads) {
    g.copy_(flat[0].slice(0, offset, offset + g.numel()).view_as(g));  // copy_ moves it back to g's device
    offset += g.numel();
  }
}

double DataParallel::average(double value) {
  const auto on = impl_->stage_on_cpu ? torch::Device(torch::kCPU) : impl_->device;
  std::vector<at::Tensor> t{torch::tensor({value}, torch::TensorOptions().dtype(torch::kFloat64).device(on))};
  impl_->run([&](auto& group) { return group.allreduce(t); });
  return t[0].item<double>() / options_.world_size;
}

void DataParallel::barrier() {
  c10d::BarrierOptions opts;
  // NCCL's barrier is an all-reduce on a GPU it would otherwise guess from the rank.
  if (backend_ == "nccl" && impl_->device.has_index()) opts.device_ids = {impl_->device.index()};
  impl_->run([&](auto& group) { return group.barrier(opts); });
}

}  // namespace avlens::train
