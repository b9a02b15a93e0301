#include "avlens/train/batch_loader.hpp"

#include <algorithm>
#include <numeric>

#include "avlens/error.hpp"
#include "avlens/train/capture_jitter.hpp"
#include "avlens/train/clip_stretch.hpp"
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
  if (options_.twins && (options_.batch_size % 2 != 0 || (options_.batch_size / 2) % options_.world_size != 0))
    throw Error(ErrorCode::kInvalidArgument, "with twins the batch size " + std::to_string(options_.batch_size) +
                                                 " must be even and its half a multiple of the world size " +
                                                 std::to_string(options_.world_size));
  if (options_.pseudo_fakes) options_.pseudo.validate();
  options_.mismatch.validate();
  options_.workers = std::max(1, options_.workers);
  options_.prefetch = std::max(1, options_.prefetch);
}

BatchLoader::~BatchLoader() { stop_workers(); }

size_t BatchLoader::windows_per_batch() const {
  return static_cast<size_t>(options_.twins ? options_.batch_size / 2 : options_.batch_size);
}

size_t BatchLoader::batches_per_epoch() const {
  const size_t n = source_->size(), b = windows_per_batch();
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

MismatchKind BatchLoader::move_and_mismatch(int epoch, size_t pos, size_t window, WindowSample& sample,
                                            double probability) const {
  const WindowGeometry& g = source_->geometry();
  WindowCut cut;
  if (options_.jitter) {  // its own stream, as every edit: switching one on leaves the others' draws
    std::mt19937_64 rng(derive_seed(options_.seed ^ 0x6A6974746572ull, static_cast<uint64_t>(epoch) + 1, pos));
    cut.frame_offset = std::uniform_int_distribution<int>(-(g.frames - 1), g.frames - 1)(rng);
  }
  MismatchEdit edit;
  std::mt19937_64 rng(derive_seed(options_.seed ^ 0x6D69736D61746368ull, static_cast<uint64_t>(epoch) + 1, pos));
  if (sample.label == 0 && probability > 0) {
    MismatchOptions mismatch = options_.mismatch;
    mismatch.probability = probability;
    edit = draw_mismatch(mismatch, g, rng);
  }
  if (edit.kind == MismatchKind::kAudioShift) {
    // Late voice needs the clip before the window, early voice the clip after it: flip when missing.
    for (int delay : {edit.shift_samples, -edit.shift_samples}) {
      cut.voice_delay = delay;
      if (cut_window(*source_, window, cut, sample)) return MismatchKind::kAudioShift;
    }
    cut.voice_delay = 0;
    edit.kind = MismatchKind::kNone;
  }
  if (cut.frame_offset != 0) cut_window(*source_, window, cut, sample);  // without a delay it always fits
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
  }
  return MismatchKind::kNone;
}

PseudoFakeKind BatchLoader::pseudo_fake(int epoch, size_t pos, size_t window, WindowSample& sample,
                                        double probability) const {
  const size_t n = source_->size();
  if (!options_.pseudo_fakes || n < 2 || probability <= 0) return PseudoFakeKind::kNone;
  std::mt19937_64 rng(derive_seed(options_.seed, static_cast<uint64_t>(epoch) + 1, pos));
  PseudoFakeOptions pseudo = options_.pseudo;
  pseudo.probability = probability;
  const PseudoFakeEdit edit = draw_pseudo_fake(pseudo, source_->geometry(), rng);
  if (edit.kind == PseudoFakeKind::kNone) return edit.kind;
  size_t donor = std::uniform_int_distribution<size_t>(0, n - 2)(rng);
  if (donor >= window) ++donor;  // any window but itself
  WindowSample donor_sample;
  source_->load(donor, donor_sample);
  apply_pseudo_fake(edit, source_->geometry(), sample, donor_sample);
  return edit.kind;
}

Batch BatchLoader::build(int epoch, size_t batch_index) const {
  const WindowGeometry& g = source_->geometry();
  const size_t n = source_->size();
  const size_t first = batch_index * windows_per_batch();
  const size_t last = std::min(n, first + windows_per_batch());
  Batch batch;
  std::vector<WindowSample> samples;
  auto add = [&](size_t pos, size_t window, WindowSample sample, PseudoFakeKind kind, MismatchKind mismatch) {
    if (options_.mirror) {  // a window and its twin are mirrored alike: the same draw
      std::mt19937_64 rng(derive_seed(options_.seed ^ 0x6D6972726F72ull, static_cast<uint64_t>(epoch) + 1, pos));
      if (std::uniform_int_distribution<int>(0, 1)(rng)) mirror_crops(sample.crops, g);
    }
    if (options_.capture_jitter) {  // likewise one draw for a window and its twin
      std::mt19937_64 rng(derive_seed(options_.seed ^ 0x63617074757265ull, static_cast<uint64_t>(epoch) + 1, pos));
      apply_capture_jitter(draw_capture_jitter(rng), g, sample);
    }
    batch.windows.push_back(window);
    batch.edits.push_back(kind);
    batch.mismatches.push_back(mismatch);
    samples.push_back(std::move(sample));
  };
  for (size_t pos = first + options_.rank; pos < last; pos += options_.world_size) {
    const size_t window = order_.empty() ? pos : order_[pos];
    WindowSample sample;
    source_->load(window, sample);
    if (!options_.twins) {
      const MismatchKind mismatch = move_and_mismatch(epoch, pos, window, sample, options_.mismatch.probability);
      const PseudoFakeKind kind = mismatch == MismatchKind::kNone
                                      ? pseudo_fake(epoch, pos, window, sample, options_.pseudo.probability)
                                      : PseudoFakeKind::kNone;
      add(pos, window, std::move(sample), kind, mismatch);
      continue;
    }
    // Twins: the window as it is, and beside it the same picture made fake, so that within a batch
    // a real window and its fake differ only in how its sound and picture relate, never in the face.
    WindowSample twin = sample;
    move_and_mismatch(epoch, pos, window, sample, 0.0);  // moved in time only
    const bool real = sample.label == 0;
    add(pos, window, std::move(sample), PseudoFakeKind::kNone, MismatchKind::kNone);
    MismatchKind mismatch = move_and_mismatch(epoch, pos, window, twin, options_.mismatch.probability);
    PseudoFakeKind kind = PseudoFakeKind::kNone;
    if (mismatch == MismatchKind::kNone) kind = pseudo_fake(epoch, pos, window, twin, real ? 1.0 : options_.pseudo.probability);
    if (real && mismatch == MismatchKind::kNone && kind == PseudoFakeKind::kNone)
      mismatch = move_and_mismatch(epoch, pos, window, twin, 1.0);  // pseudo-fakes off: a mismatch
    add(pos, window, std::move(twin), kind, mismatch);
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
