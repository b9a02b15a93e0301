#include "avlens/train/weight_average.hpp"

#include "avlens/error.hpp"

namespace avlens::train {

LoadedDetector average_checkpoints(const std::vector<std::string>& paths, torch::Device device) {
  if (paths.size() < 2)
    throw Error(ErrorCode::kInvalidArgument, "averaging needs at least two checkpoints, got " + std::to_string(paths.size()));
  LoadedDetector sum = load_detector(paths.front(), torch::kCPU);
  const nlohmann::json first_model = sum.state.model_config;
  torch::NoGradGuard no_grad;
  auto floating = [](const torch::Tensor& t) { return t.is_floating_point(); };
  for (size_t i = 1; i < paths.size(); ++i) {
    LoadedDetector next = load_detector(paths[i], torch::kCPU);
    if (!model::same_model(next.state.model_config, first_model))
      throw Error(ErrorCode::kInvalidArgument, "cannot average '" + paths[i] + "' with '" + paths.front() +
                                                   "': its model " + next.state.model_config.dump() + " differs");
    const auto parameters = next.model->named_parameters();
    for (auto& p : sum.model->named_parameters()) p.value().add_(parameters[p.key()]);
    const auto buffers = next.model->named_buffers();
    for (auto& b : sum.model->named_buffers())
      if (floating(b.value())) b.value().add_(buffers[b.key()]);
    sum.state = next.state;
  }
  const double n = static_cast<double>(paths.size());
  for (auto& p : sum.model->parameters()) p.div_(n);
  for (auto& b : sum.model->buffers())
    if (floating(b)) b.div_(n);
  sum.model->to(device);
  sum.model->eval();
  return sum;
}

}  // namespace avlens::train
