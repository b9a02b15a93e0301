// The prepared window cache: what `avlens prep` writes and training reads. One file per video
// (CACHE/items/<id>.avw) holding its windows as the network sees them, uint8 RGB crops and int16
// audio, followed by a JSON trailer (geometry, label, group, source, window start times). A file
// exists only once complete (written under a temporary name, then renamed); videos that gave no
// window are recorded in CACHE/skipped/<id>.json with the reason.
#pragma once
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "avlens/train/datasets.hpp"
#include "avlens/train/window_sample.hpp"
#include "avlens/windows.hpp"

namespace avlens::train {

// Stable file name for a video: its stem and a hash of its full path.
std::string cache_item_id(const std::string& video_path);

// Streams one video's windows into a cache file; commit() makes it visible.
class CacheFileWriter {
 public:
  CacheFileWriter(const std::string& path, const WindowGeometry& geometry);
  ~CacheFileWriter();  // an uncommitted file is removed
  // audio_low/high: the raw range its audio was scaled from (Window::audio_low/high).
  void add(const std::vector<uint8_t>& crops, const std::vector<float>& audio, float audio_low, float audio_high,
           double start_time);
  size_t windows() const { return start_times_.size(); }
  size_t bytes() const { return bytes_; }
  void commit(const VideoItem& item);

 private:
  std::string path_, tmp_;
  WindowGeometry geometry_;
  std::FILE* file_ = nullptr;
  std::vector<double> start_times_;
  std::vector<std::array<float, 2>> audio_ranges_;
  size_t bytes_ = 0;
};

// All cached windows of the videos in a cache folder (optionally only those of a list) as a
// WindowSource for the trainer.
class WindowCache : public WindowSource {
 public:
  // only: when non-empty, keep the videos whose source path is in it (a split list).
  static std::shared_ptr<WindowCache> open(const std::string& dir, const std::vector<VideoItem>& only = {});

  const WindowGeometry& geometry() const override { return geometry_; }
  size_t size() const override { return windows_.size(); }
  int label(size_t i) const override { return files_[windows_.at(i).file].label; }
  size_t video_of(size_t i) const override { return windows_.at(i).file; }
  double start_time(size_t i) const override { return windows_.at(i).start_time; }
  const std::vector<std::string>& videos() const override { return names_; }
  const std::vector<std::string>& groups() const override { return groups_; }
  void load(size_t i, WindowSample& out) const override;
  bool load_neighbour(size_t i, int offset, WindowSample& out) const override;

  size_t window_bytes() const;  // on disk, per window

 private:
  struct File {
    std::string path;
    int label = 0;
    std::string group;
  };
  struct Entry {
    size_t file;
    size_t index;
    double start_time;
    float audio_low, audio_high;  // NaN: a cache from before the ranges were stored
  };
  WindowGeometry geometry_;
  std::vector<File> files_;
  std::vector<std::string> names_, groups_;
  std::vector<Entry> windows_;
};

struct PrepOptions {
  WindowMakerOptions maker;  // geometry, face tracking
  std::string out;           // the cache folder
  int workers = 0;           // parallel videos; 0 = hardware threads
  bool retry_skipped = false;
  int max_windows_per_video = 0;  // 0 = all
  // Called (from worker threads, serialised) after each video: done so far, total, and the
  // item's outcome ("cached", "skipped: <reason>", "already cached").
  std::function<void(size_t done, size_t total, const VideoItem&, const std::string& outcome)> on_item;
};

struct PrepSummary {
  size_t cached = 0, already = 0, skipped = 0, windows = 0, bytes = 0;
  size_t windows_without_face = 0;  // of the videos read this run: windows the tracker found no face in
  double seconds = 0;
};

// Runs the core's window maker over every video, in parallel, resumably.
PrepSummary prepare_cache(const std::vector<VideoItem>& items, const PrepOptions& options);

}  // namespace avlens::train
