#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "avlens/error.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train {

void MemoryWindowSource::add(const std::string& video, WindowSample sample, double start_time) {
  const size_t crop_bytes = static_cast<size_t>(geometry_.frames) * geometry_.height * geometry_.width * 3;
  if (sample.crops.size() != crop_bytes || sample.audio.size() != static_cast<size_t>(geometry_.samples()))
    throw Error(ErrorCode::kInvalidArgument, "window of '" + video + "' does not match the geometry: " +
                                                 std::to_string(sample.crops.size()) + " crop bytes and " +
                                                 std::to_string(sample.audio.size()) + " samples, expected " +
                                                 std::to_string(crop_bytes) + " and " + std::to_string(geometry_.samples()));
  auto it = std::find(videos_.begin(), videos_.end(), video);
  size_t index = static_cast<size_t>(it - videos_.begin());
  if (it == videos_.end()) videos_.push_back(video);
  samples_.push_back(std::move(sample));
  video_index_.push_back(index);
  start_times_.push_back(start_time);
}

SubsetWindowSource::SubsetWindowSource(std::shared_ptr<const WindowSource> base, std::vector<size_t> windows)
    : base_(std::move(base)), windows_(std::move(windows)) {
  for (size_t w : windows_)
    if (w >= base_->size()) throw Error(ErrorCode::kInvalidArgument, "subset window index out of range");
}

SourceSplit split_by_video(std::shared_ptr<const WindowSource> source, double validation_fraction, uint64_t seed) {
  if (!(validation_fraction >= 0 && validation_fraction < 1))
    throw Error(ErrorCode::kInvalidArgument, "validation fraction must be in [0, 1)");
  std::vector<size_t> videos(source->videos().size());
  std::iota(videos.begin(), videos.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(videos.begin(), videos.end(), rng);
  size_t n_val = static_cast<size_t>(std::lround(validation_fraction * videos.size()));
  if (validation_fraction > 0 && n_val == 0 && videos.size() > 1) n_val = 1;
  std::set<size_t> val_videos(videos.begin(), videos.begin() + n_val);
  std::vector<size_t> train_windows, val_windows;
  for (size_t i = 0; i < source->size(); ++i)
    (val_videos.count(source->video_of(i)) ? val_windows : train_windows).push_back(i);
  SourceSplit split;
  split.train = std::make_shared<SubsetWindowSource>(source, std::move(train_windows));
  if (!val_windows.empty()) split.validation = std::make_shared<SubsetWindowSource>(source, std::move(val_windows));
  return split;
}

}  // namespace avlens::train
