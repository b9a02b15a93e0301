#include "avlens/train/training_data.hpp"

#include <nlohmann/json.hpp>

#include "avlens/error.hpp"

namespace avlens::train {

std::shared_ptr<WindowCache> open_cache(const std::string& dir, const std::string& list_csv) {
  if (dir.empty()) throw Error(ErrorCode::kInvalidArgument, "no window cache given (--data CACHE, made by avlens prep)");
  if (list_csv.empty()) return WindowCache::open(dir);
  return WindowCache::open(dir, read_video_csv(list_csv));
}

void require_geometry(const WindowSource& cache, const WindowGeometry& expected, const std::string& what,
                      const std::string& whose) {
  if (cache.geometry().to_metadata() != expected.to_metadata())
    throw Error(ErrorCode::kInvalidArgument, what + " has another window geometry (" +
                                                 nlohmann::json(cache.geometry().to_metadata()).dump() + ") than " + whose + " (" +
                                                 nlohmann::json(expected.to_metadata()).dump() + ")");
}

TrainingData open_training_data(const TrainConfig& c) {
  TrainingData data;
  auto all = open_cache(c.data, c.data_list);
  if (!c.val_data.empty()) {
    data.train = all;
    data.validation = open_cache(c.val_data, c.val_list);
    require_geometry(*data.validation, all->geometry(), "validation cache '" + c.val_data + "'", "'" + c.data + "'");
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
