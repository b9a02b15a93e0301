#include "avlens/train/data_parallel.hpp"

#include <cstdlib>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "avlens/error.hpp"

namespace avlens::train {

struct DataParallel::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

DataParallel::DataParallel(const DataParallelOptions& options) : options_(options), impl_(std::make_unique<Impl>()) {
  if (options.world_size < 1 || options.rank < 0 || options.rank >= options.world_size)
    throw Error(ErrorCode::kInvalidArgument, "data parallel: rank must be in [0, world_size)");
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(options.master_port);
    store_options.isServer = options.rank == 0;
    store_options.numWorkers = options.world_size;
    store_options.timeout = options.timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);

    auto gloo_options = c10d::ProcessGroupGloo::Options::create(options.timeout);
    // Like PyTorch: GLOO_SOCKET_IFNAME picks the interface; a loopback master means one machine.
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME")) {
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    } else if (options.master_addr == "127.0.0.1" || options.master_addr == "localhost") {
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, options.rank, options.world_size,
                                                              gloo_options);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::kInternal, "data parallel: cannot join " + options.master_addr + ":" +
                                          std::to_string(options.master_port) + " as rank " +
                                          std::to_string(options.rank) + " of " + std::to_string(options.world_size) +
                                          ": " + e.what_without_backtrace());
  }
}

DataParallel::~DataParallel() = default;

void DataParallel::broadcast_parameters(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> tensors;
  for (auto& p : module.parameters()) tensors.push_back(p);
  for (auto& b : module.buffers()) tensors.push_back(b);
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    c10d::BroadcastOptions opts;
    opts.rootRank = 0;
    impl_->group->broadcast(one, opts)->wait();
  }
}

void DataParallel::average_gradients(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (auto& p : module.parameters())
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return;
  std::vector<at::Tensor> flat{torch::cat([&] {
    std::vector<at::Tensor> views;
    for (auto& g : grads) views.push_back(g.reshape({-1}));
    return views;
  }())};
  impl_->group->allreduce(flat)->wait();
  flat[0].div_(options_.world_size);
  int64_t offset = 0;
  for (auto& g : grads) {
    g.copy_(flat[0].slice(0, offset, offset + g.numel()).view_as(g));
    offset += g.numel();
  }
}

double DataParallel::average(double value) {
  std::vector<at::Tensor> t{torch::tensor({value}, torch::kFloat64)};
  impl_->group->allreduce(t)->wait();
  return t[0].item<double>() / options_.world_size;
}

void DataParallel::barrier() { impl_->group->barrier()->wait(); }

}  // namespace avlens::train
