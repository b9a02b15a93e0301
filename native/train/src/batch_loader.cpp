#include "avlens/train/batch_loader.hpp"

#include <algorithm>
#include <numeric>

#include "avlens/error.hpp"
#include "avlens/geometry.hpp"

namespace avlens::train {
namespace {

// splitmix64: decorrelates the seeds of neighbouring (epoch, position) pairs.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b) { return mix(mix(mix(seed) ^ a) ^ b); }

}  // namespace

torch::Tensor video_tensor(const std::vector<const WindowSample*>& samples, const WindowGeometry& g) {
  const int64_t n = static_cast<int64_t>(samples.size());
  auto out = torch::empty({n, 3, g.frames, g.height, g.width}, torch::kFloat32);
  const int64_t per_window = static_cast<int64_t>(3) * g.frames * g.height * g.width;
  float* dst = out.data_ptr<float>();
  // The core's one pixel normalisation, so training sees the bytes the page feeds the network.
  for (int64_t b = 0; b < n; ++b) normalise_crops(samples[b]->crops.data(), g, dst + b * per_window);
  return out;
}

torch::Tensor audio_tensor(const std::vector<const WindowSample*>& samples, const WindowGeometry& g) {
  const int64_t n = static_cast<int64_t>(samples.size()), s = g.samples();
  auto out = torch::empty({n, s}, torch::kFloat32);
  for (int64_t b = 0; b < n; ++b) std::copy_n(samples[b]->audio.data(), s, out.data_ptr<float>() + b * s);
  return out;
}

BatchLoader::BatchLoader(std::shared_ptr<const WindowSource> source, LoaderOptions options)
    : source_(std::move(source)), options_(options) {
  if (options_.batch_size < 1) throw Error(ErrorCode::kInvalidArgument, "batch size must be >= 1");
  if (options_.world_size < 1 || options_.rank < 0 || options_.rank >= options_.world_size)
    throw Error(ErrorCode::kInvalidArgument, "rank must be in [0, world_size)");
  if (options_.batch_size % options_.world_size != 0)
    throw Error(ErrorCode::kInvalidArgument, "the batch size " + std::to_string(options_.batch_size) +
                                                 " must be a multiple of the world size " +
                                                 std::to_string(options_.world_size));
  if (options_.pseudo_fakes) options_.pseudo.validate();
  options_.mismatch.validate();
  options_.workers = std::max(1, options_.workers);
  options_.prefetch = std::max(1, options_.prefetch);
}

BatchLoader::~BatchLoader() { stop_workers(); }

size_t BatchLoader::batches_per_epoch() const {
  const size_t n = source_->size(), b = static_cast<size_t>(options_.batch_size);
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

MismatchKind BatchLoader::make_mismatch(int epoch, size_t pos, size_t window, WindowSample& sample) const {
  if (options_.mismatch.probability <= 0) return MismatchKind::kNone;
  const WindowGeometry& g = source_->geometry();
  // Its own stream: switching mismatches on leaves the pseudo-fakes' draws as they were.
  std::mt19937_64 rng(derive_seed(options_.seed ^ 0x6D69736D61746368ull, static_cast<uint64_t>(epoch) + 1, pos));
  MismatchEdit edit = draw_mismatch(options_.mismatch, g, rng);
  if (edit.kind == MismatchKind::kVoiceSwap) {
    const auto& groups = source_->groups();
    const std::string& own = groups[source_->video_of(window)];
    for (int attempt = 0; attempt < 16; ++attempt) {  // another person's voice
      const size_t donor = std::uniform_int_distribution<size_t>(0, source_->size() - 1)(rng);
      if (groups[source_->video_of(donor)] == own) continue;
      WindowSample donor_sample;
      source_->load(donor, donor_sample);
      apply_voice_swap(sample, donor_sample);
      return edit.kind;
    }
    return MismatchKind::kNone;
  }
  if (edit.kind == MismatchKind::kAudioShift) {
    WindowSample neighbour;
    // Late voice needs the window before, early voice the one after; flip when that is missing.
    for (int flip = 0; flip < 2; ++flip) {
      if (source_->load_neighbour(window, edit.shift_samples > 0 ? -1 : 1, neighbour)) {
        apply_audio_shift(edit, g, sample, neighbour);
        return edit.kind;
      }
      edit.shift_samples = -edit.shift_samples;
    }
  }
  return MismatchKind::kNone;
}

Batch BatchLoader::build(int epoch, size_t batch_index) const {
  const WindowGeometry& g = source_->geometry();
  const size_t n = source_->size();
  const size_t first = batch_index * options_.batch_size;
  const size_t last = std::min(n, first + options_.batch_size);
  Batch batch;
  std::vector<WindowSample> samples;
  for (size_t pos = first + options_.rank; pos < last; pos += options_.world_size) {
    const size_t window = order_.empty() ? pos : order_[pos];
    WindowSample sample;
    source_->load(window, sample);
    const MismatchKind mismatch = sample.label == 0 ? make_mismatch(epoch, pos, window, sample) : MismatchKind::kNone;
    PseudoFakeKind kind = PseudoFakeKind::kNone;
    if (options_.pseudo_fakes && n > 1 && mismatch == MismatchKind::kNone) {
      std::mt19937_64 rng(derive_seed(options_.seed, static_cast<uint64_t>(epoch) + 1, pos));
      PseudoFakeEdit edit = draw_pseudo_fake(options_.pseudo, g, rng);
      if (edit.kind != PseudoFakeKind::kNone) {
        size_t donor = std::uniform_int_distribution<size_t>(0, n - 2)(rng);
        if (donor >= window) ++donor;  // any window but itself
        WindowSample donor_sample;
        source_->load(donor, donor_sample);
        apply_pseudo_fake(edit, g, sample, donor_sample);
        kind = edit.kind;
      }
    }
    batch.windows.push_back(window);
    batch.edits.push_back(kind);
    batch.mismatches.push_back(mismatch);
    samples.push_back(std::move(sample));
  }
  std::vector<const WindowSample*> ptrs;
  std::vector<float> labels;
  for (const auto& s : samples) {
    ptrs.push_back(&s);
    labels.push_back(static_cast<float>(s.label));
  }
  batch.video = video_tensor(ptrs, g);
  batch.audio = audio_tensor(ptrs, g);
  batch.labels = torch::tensor(labels, torch::kFloat32);
  return batch;
}

void BatchLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  stopping_ = false;
}

void BatchLoader::start_epoch(int epoch, size_t first_batch) {
  stop_workers();
  epoch_ = epoch;
  order_.clear();
  if (options_.shuffle) {
    order_.resize(source_->size());
    std::iota(order_.begin(), order_.end(), 0);
    std::mt19937_64 rng(derive_seed(options_.seed, static_cast<uint64_t>(epoch) + 1, ~0ull));
    std::shuffle(order_.begin(), order_.end(), rng);
  }
  ready_.clear();
  error_ = nullptr;
  end_ = batches_per_epoch();
  next_to_build_ = next_to_return_ = std::min(first_batch, end_);
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void BatchLoader::worker_loop() {
  while (true) {
    size_t index;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] {
        return stopping_ || next_to_build_ >= end_ || next_to_build_ < next_to_return_ + options_.prefetch;
      });
      if (stopping_ || next_to_build_ >= end_) return;
      index = next_to_build_++;
    }
    try {
      Batch batch = build(epoch_, index);
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.emplace(index, std::move(batch));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    cv_.notify_all();
  }
}

bool BatchLoader::next(Batch& out) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_to_return_ >= end_) return false;
  cv_.wait(lock, [&] { return error_ || ready_.count(next_to_return_) > 0; });
  if (error_) std::rethrow_exception(error_);
  auto it = ready_.find(next_to_return_);
  out = std::move(it->second);
  ready_.erase(it);
  ++next_to_return_;
  lock.unlock();
  cv_.notify_all();
  return true;
}

}  // namespace avlens::train
