#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "avlens/error.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train {

void MemoryWindowSource::add(const std::string& video, WindowSample sample, double start_time, const std::string& group) {
  const size_t crop_bytes = static_cast<size_t>(geometry_.frames) * geometry_.height * geometry_.width * 3;
  if (sample.crops.size() != crop_bytes || sample.audio.size() != static_cast<size_t>(geometry_.samples()))
    throw Error(ErrorCode::kInvalidArgument, "window of '" + video + "' does not match the geometry: " +
                                                 std::to_string(sample.crops.size()) + " crop bytes and " +
                                                 std::to_string(sample.audio.size()) + " samples, expected " +
                                                 std::to_string(crop_bytes) + " and " + std::to_string(geometry_.samples()));
  auto it = std::find(videos_.begin(), videos_.end(), video);
  size_t index = static_cast<size_t>(it - videos_.begin());
  if (it == videos_.end()) {
    videos_.push_back(video);
    groups_.push_back(group.empty() ? video : group);
  }
  samples_.push_back(std::move(sample));
  video_index_.push_back(index);
  start_times_.push_back(start_time);
}

bool MemoryWindowSource::load_neighbour(size_t i, int offset, WindowSample& out) const {
  const double wanted = start_times_.at(i) + offset * geometry_.duration();
  for (size_t j = 0; j < samples_.size(); ++j) {
    if (video_index_[j] == video_index_[i] && std::abs(start_times_[j] - wanted) < 1e-6) {
      out = samples_[j];
      return true;
    }
  }
  return false;
}

SubsetWindowSource::SubsetWindowSource(std::shared_ptr<const WindowSource> base, std::vector<size_t> windows)
    : base_(std::move(base)), windows_(std::move(windows)) {
  for (size_t w : windows_)
    if (w >= base_->size()) throw Error(ErrorCode::kInvalidArgument, "subset window index out of range");
}

SourceSplit split_by_group(std::shared_ptr<const WindowSource> source, double validation_fraction, uint64_t seed) {
  if (!(validation_fraction >= 0 && validation_fraction < 1))
    throw Error(ErrorCode::kInvalidArgument, "validation fraction must be in [0, 1)");
  const auto& groups = source->groups();
  // Distinct groups in first-seen order (deterministic for a seed), with their video counts.
  std::map<std::string, size_t> index_of;
  std::vector<std::string> names;
  std::vector<size_t> videos_in;
  for (const auto& g : groups) {
    auto [it, fresh] = index_of.emplace(g, names.size());
    if (fresh) names.push_back(g), videos_in.push_back(0);
    ++videos_in[it->second];
  }
  std::vector<size_t> order(names.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const size_t target = static_cast<size_t>(std::lround(validation_fraction * groups.size()));
  std::set<std::string> val_groups;
  size_t val_videos = 0;
  for (size_t k = 0; k < order.size() && validation_fraction > 0; ++k) {
    if (val_videos >= std::max<size_t>(target, 1) || k + 1 == order.size()) break;  // keep at least one group to train
    val_groups.insert(names[order[k]]);
    val_videos += videos_in[order[k]];
  }
  std::vector<size_t> train_windows, val_windows;
  for (size_t i = 0; i < source->size(); ++i)
    (val_groups.count(groups[source->video_of(i)]) ? val_windows : train_windows).push_back(i);
  SourceSplit split;
  split.train = std::make_shared<SubsetWindowSource>(source, std::move(train_windows));
  if (!val_windows.empty()) split.validation = std::make_shared<SubsetWindowSource>(source, std::move(val_windows));
  return split;
}

}  // namespace avlens::train
