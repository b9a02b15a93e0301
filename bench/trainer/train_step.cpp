// bench_train_step --preset tiny|small|paper [--batch 8] [--steps 5] [--threads N] [--norm group|batch]
//                  [--loader-windows N] [--device cpu|cuda|auto] [--mode train|forward]
// Prints one JSON line: the median time of a training step (forward, BCE, backward, Adam) on
// random windows, and the windows/s that the BatchLoader (with pseudo-fakes) delivers from a
// window cache written to a temporary folder. Same network, batch and threads as
// train_step_torch.py, so the two are comparable. --mode forward times the inference forward
// pass alone (eval mode, no gradients) and reports ms per window. On CUDA each timed step ends
// with a device synchronisation, so the clock reads finished work; the first step (warm-up:
// allocators, cuDNN's choices) is never counted.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "avlens/model/detector.hpp"
#include "avlens/train/batch_loader.hpp"
#include "avlens/train/trainer.hpp"
#include "avlens/train/window_cache.hpp"

using namespace avlens;
namespace fs = std::filesystem;

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

double loader_windows_per_second(const WindowGeometry& g, int windows, int batch, int workers) {
  const fs::path dir = fs::temp_directory_path() / ("avlens_bench_cache_" + std::to_string(::getpid()));
  fs::create_directories(dir / "items");
  std::mt19937 rng(1);
  for (int v = 0; v < windows / 4; ++v) {
    const std::string source = "/bench/video" + std::to_string(v) + ".mp4";
    train::CacheFileWriter w((dir / "items" / (train::cache_item_id(source) + ".avw")).string(), g);
    for (int k = 0; k < 4; ++k) {
      std::vector<uint8_t> crops(static_cast<size_t>(g.frames) * g.height * g.width * 3);
      for (auto& c : crops) c = static_cast<uint8_t>(rng());
      std::vector<float> audio(g.samples());
      for (auto& a : audio) a = (rng() % 2000) / 1000.0f - 1;
      w.add(crops, audio, -1.f, 1.f, k);
    }
    w.commit({source, v % 2, source});
  }
  auto cache = train::WindowCache::open(dir.string());
  train::LoaderOptions lo;
  lo.batch_size = batch;
  lo.pseudo_fakes = true;
  lo.workers = workers;
  train::BatchLoader loader(cache, lo);
  loader.start_epoch(0);
  train::Batch b;
  size_t n = 0;
  const double t0 = now();
  while (loader.next(b)) n += b.windows.size();
  const double rate = n / (now() - t0);
  fs::remove_all(dir);
  return rate;
}
}  // namespace

int main(int argc, char** argv) {
  const std::string preset = arg(argc, argv, "preset", "tiny");
  const int batch = std::stoi(arg(argc, argv, "batch", "8"));
  const int steps = std::stoi(arg(argc, argv, "steps", "5"));
  const int threads = std::stoi(arg(argc, argv, "threads", "0"));
  const int loader_windows = std::stoi(arg(argc, argv, "loader-windows", "64"));
  const std::string mode = arg(argc, argv, "mode", "train");
  if (threads > 0) torch::set_num_threads(threads);
  if (mode != "train" && mode != "forward") {
    std::fprintf(stderr, "bench_train_step: unknown --mode '%s' (train, forward)\n", mode.c_str());
    return 2;
  }
  torch::Device device = torch::kCPU;
  try {
    device = train::resolve_device(arg(argc, argv, "device", "cpu"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train_step: %s\n", e.what());
    return 2;
  }
  const auto finish = [&] {  // CUDA runs asynchronously: wait for the step before reading the clock
    if (device.is_cuda()) torch::cuda::synchronize();
  };

  model::ModelConfig c;
  c.geometry = WindowGeometry::preset(preset);
  c.norm = model::norm_kind_from_name(arg(argc, argv, "norm", "group"));
  torch::manual_seed(0);
  model::Detector net(c);
  net->to(device);
  net->train(mode == "train");
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3).weight_decay(1e-5));
  const auto& g = c.geometry;
  // Made on the CPU with the seeded generator (the same numbers on every device), then moved.
  auto video = (torch::rand({batch, 3, g.frames, g.height, g.width}) * 2 - 1).to(device);
  auto audio = (torch::rand({batch, g.samples()}) * 2 - 1).to(device);
  auto labels = torch::randint(0, 2, {batch}).to(torch::kFloat32).to(device);
  std::vector<double> times;
  for (int s = 0; s < steps + 1; ++s) {  // the first step warms up allocators and is not counted
    finish();
    const double t0 = now();
    if (mode == "forward") {
      torch::NoGradGuard no_grad;
      auto logits = net->forward(video, audio).logits;
    } else {
      opt.zero_grad();
      auto loss = torch::binary_cross_entropy_with_logits(net->forward(video, audio).logits, labels);
      loss.backward();
      opt.step();
    }
    finish();
    if (s > 0) times.push_back(now() - t0);
  }
  std::sort(times.begin(), times.end());
  const double step = times[times.size() / 2];
  if (mode == "forward") {
    std::printf(
        "{\"framework\": \"libtorch-cpp\", \"mode\": \"forward\", \"device\": \"%s\", \"preset\": \"%s\", "
        "\"batch\": %d, \"threads\": %d, \"norm\": \"%s\", \"steps\": %d, \"forward_seconds_median\": %.6f, "
        "\"ms_per_window\": %.4f, \"parameters\": %lld}\n",
        device.str().c_str(), preset.c_str(), batch, torch::get_num_threads(), model::norm_kind_name(c.norm), steps,
        step, 1000 * step / batch, static_cast<long long>(model::count_parameters(*net)));
    return 0;
  }
  const double loader = loader_windows > 0 ? loader_windows_per_second(g, loader_windows, batch, 2) : 0;
  std::printf(
      "{\"framework\": \"libtorch-cpp\", \"mode\": \"train\", \"device\": \"%s\", \"preset\": \"%s\", \"batch\": %d, "
      "\"threads\": %d, \"norm\": \"%s\", \"steps\": %d, \"step_seconds_median\": %.4f, "
      "\"train_windows_per_second\": %.2f, \"loader_windows_per_second\": %.1f, \"parameters\": %lld}\n",
      device.str().c_str(), preset.c_str(), batch, torch::get_num_threads(), model::norm_kind_name(c.norm), steps,
      step, batch / step, loader,
      static_cast<long long>(model::count_parameters(*net)));
  return 0;
}
