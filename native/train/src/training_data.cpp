#include "avlens/train/training_data.hpp"

#include "avlens/error.hpp"

namespace avlens::train {

std::shared_ptr<WindowCache> open_cache(const std::string& dir, const std::string& list_csv) {
  if (dir.empty()) throw Error(ErrorCode::kInvalidArgument, "no window cache given (--data CACHE, made by avlens prep)");
  if (list_csv.empty()) return WindowCache::open(dir);
  return WindowCache::open(dir, read_video_csv(list_csv));
}

TrainingData open_training_data(const TrainConfig& c) {
  TrainingData data;
  auto all = open_cache(c.data, c.data_list);
  if (!c.val_data.empty()) {
    data.train = all;
    data.validation = open_cache(c.val_data, c.val_list);
    if (data.validation->geometry().to_metadata() != all->geometry().to_metadata())
      throw Error(ErrorCode::kInvalidArgument, "validation cache '" + c.val_data + "' has another window geometry than '" +
                                                   c.data + "'");
  } else if (c.val_fraction > 0) {
    SourceSplit split = split_by_group(all, c.val_fraction, c.seed);
    data.train = split.train;
    data.validation = split.validation;
  } else {
    data.train = all;
  }
  return data;
}

}  // namespace avlens::train
