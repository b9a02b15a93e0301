// One training window as it is stored and edited before it becomes a tensor, and the sources
// that hand them out (a prepared cache on disk, or windows held in memory).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "avlens/geometry.hpp"

namespace avlens::train {

struct WindowSample {
  std::vector<uint8_t> crops;  // T x H x W x 3 RGB, as produced by the core's window maker
  std::vector<float> audio;    // S samples, normalised to [-1, 1]
  // The raw range the normalisation mapped to [-1, 1] (core Window::audio_low/high); NaN when the
  // window came from a cache written before avlens stored it.
  float audio_low = -1.f, audio_high = 1.f;
  int label = 0;               // 1 = fake, 0 = real
};

// Windows indexed 0..size()-1; each belongs to one video (for video-level scores and splits).
class WindowSource {
 public:
  virtual ~WindowSource() = default;
  virtual const WindowGeometry& geometry() const = 0;
  virtual size_t size() const = 0;
  virtual int label(size_t i) const = 0;
  virtual size_t video_of(size_t i) const = 0;     // index into videos()
  virtual double start_time(size_t i) const = 0;    // seconds from the start of its clip
  virtual const std::vector<std::string>& videos() const = 0;  // names (source paths)
  // Per video (parallel to videos()): videos of one group (a person, or a fake and the original it
  // was made from) always land on the same side of a split.
  virtual const std::vector<std::string>& groups() const = 0;
  // Thread-safe: called from the loader's worker threads.
  virtual void load(size_t i, WindowSample& out) const = 0;
  // Loads the window right after (offset +1) or before (-1) window i in its video, when that one
  // exists and is contiguous in time (windows without a face are not stored); false otherwise.
  virtual bool load_neighbour(size_t i, int offset, WindowSample& out) const = 0;
};

// Windows held in memory (tests, small experiments).
class MemoryWindowSource : public WindowSource {
 public:
  explicit MemoryWindowSource(const WindowGeometry& g) : geometry_(g) {}
  // Throws avlens::Error(kInvalidArgument) when the sample's sizes do not match the geometry.
  // group: the video's group; empty = the video is its own group.
  void add(const std::string& video, WindowSample sample, double start_time = 0, const std::string& group = "");

  const WindowGeometry& geometry() const override { return geometry_; }
  size_t size() const override { return samples_.size(); }
  int label(size_t i) const override { return samples_.at(i).label; }
  size_t video_of(size_t i) const override { return video_index_.at(i); }
  double start_time(size_t i) const override { return start_times_.at(i); }
  const std::vector<std::string>& videos() const override { return videos_; }
  const std::vector<std::string>& groups() const override { return groups_; }
  void load(size_t i, WindowSample& out) const override { out = samples_.at(i); }
  bool load_neighbour(size_t i, int offset, WindowSample& out) const override;

 private:
  WindowGeometry geometry_;
  std::vector<WindowSample> samples_;
  std::vector<size_t> video_index_;
  std::vector<double> start_times_;
  std::vector<std::string> videos_, groups_;
};

// A view on a subset of another source's windows (a train or validation split).
class SubsetWindowSource : public WindowSource {
 public:
  SubsetWindowSource(std::shared_ptr<const WindowSource> base, std::vector<size_t> windows);
  const WindowGeometry& geometry() const override { return base_->geometry(); }
  size_t size() const override { return windows_.size(); }
  int label(size_t i) const override { return base_->label(windows_.at(i)); }
  size_t video_of(size_t i) const override { return base_->video_of(windows_.at(i)); }
  double start_time(size_t i) const override { return base_->start_time(windows_.at(i)); }
  const std::vector<std::string>& videos() const override { return base_->videos(); }
  const std::vector<std::string>& groups() const override { return base_->groups(); }
  void load(size_t i, WindowSample& out) const override { base_->load(windows_.at(i), out); }
  bool load_neighbour(size_t i, int offset, WindowSample& out) const override {
    return base_->load_neighbour(windows_.at(i), offset, out);
  }

 private:
  std::shared_ptr<const WindowSource> base_;
  std::vector<size_t> windows_;
};

// Splits a source by group (every window of every video of a group lands on the same side),
// seeded; validation gets whole groups until it holds about validation_fraction of the videos.
struct SourceSplit {
  std::shared_ptr<WindowSource> train, validation;
};
SourceSplit split_by_group(std::shared_ptr<const WindowSource> source, double validation_fraction, uint64_t seed);

}  // namespace avlens::train
