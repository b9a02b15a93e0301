// Turns a WindowSource into batches of tensors on background threads: per-epoch shuffling,
// mismatch fakes and pseudo-fakes on the fly, and sharding of each global batch across data-parallel ranks.
// Everything random is a function of (seed, epoch, position in the epoch), so an epoch is the
// same whatever the number of worker threads, the rank count or an interruption before it.
#pragma once
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "avlens/train/mismatch_fake.hpp"
#include "avlens/train/pseudo_fake.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train {

struct Batch {
  torch::Tensor video;   // (B,3,T,H,W) float, (x/255 - mean) / std
  torch::Tensor audio;   // (B,S) float
  torch::Tensor labels;  // (B) float 0/1 (after pseudo-fakes)
  std::vector<size_t> windows;  // source indices
  std::vector<PseudoFakeKind> edits;
  std::vector<MismatchKind> mismatches;
};

struct LoaderOptions {
  int batch_size = 8;       // the global batch (all ranks together)
  bool shuffle = true;
  bool drop_last = true;    // a trailing partial batch is dropped (training)
  bool pseudo_fakes = false;
  PseudoFakeOptions pseudo;
  MismatchOptions mismatch;  // real windows become voice swaps / shifts (probability 0 = off)
  bool jitter = false;      // each window starts 0..T-1 frames before or after its cached start (clip_stretch.hpp)
  bool mirror = false;      // half the windows are mirrored left to right
  bool capture_jitter = false;  // another framing, camera's look and microphone's noise (capture_jitter.hpp)
  // Each window comes with a twin made from the same picture: a real window's twin is a mismatch
  // (with mismatch.probability) or else a pseudo-fake of it, a fake window's twin a fake again. A
  // batch then holds batch_size / 2 windows of the source, each twice.
  bool twins = false;
  uint64_t seed = 1;
  int workers = 2;          // threads building batches
  int prefetch = 4;         // batches built ahead of the consumer
  int rank = 0, world_size = 1;  // this process takes positions rank, rank + world, ... of each batch
};

// Converts samples into the network's input tensors.
torch::Tensor video_tensor(const std::vector<const WindowSample*>& samples, const WindowGeometry& g);
torch::Tensor audio_tensor(const std::vector<const WindowSample*>& samples, const WindowGeometry& g);

class BatchLoader {
 public:
  BatchLoader(std::shared_ptr<const WindowSource> source, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  size_t batches_per_epoch() const;
  // Starts producing the batches of this epoch (stops any epoch in progress).
  void start_epoch(int epoch, size_t first_batch = 0);
  // The next batch in order; false at the end of the epoch. Rethrows a worker's error.
  bool next(Batch& out);

  // Builds one batch synchronously (what the workers run).
  Batch build(int epoch, size_t batch_index) const;

 private:
  size_t windows_per_batch() const;  // source windows per batch (half the batch with twins)
  // Moves the window in time (jitter) and turns a real one into a mismatch fake with the given
  // probability, or leaves it (kNone): seeded by (epoch, pos).
  MismatchKind move_and_mismatch(int epoch, size_t pos, size_t window, WindowSample& sample, double probability) const;
  // The paper's pseudo-fake with the given probability (docs/METHOD.md §3), seeded by (epoch, pos).
  PseudoFakeKind pseudo_fake(int epoch, size_t pos, size_t window, WindowSample& sample, double probability) const;
  void stop_workers();
  void worker_loop();

  std::shared_ptr<const WindowSource> source_;
  LoaderOptions options_;
  int epoch_ = 0;
  std::vector<size_t> order_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<size_t, Batch> ready_;
  std::exception_ptr error_;
  size_t next_to_build_ = 0, next_to_return_ = 0, end_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace avlens::train
