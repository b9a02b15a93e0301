// A labelled synthetic dataset: N clips of one domain with a mix of real and fake kinds,
// generated in parallel, with labels.csv (path,label,kind,domain,seed) and clips.jsonl (what each
// fake changed). The same options give the same files.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "avlens/synth/clip.hpp"

namespace avlens::synth {

// Relative weights of the clip kinds.
struct KindMix {
  std::map<FakeKind, double> weight;

  // Half real, the other half split evenly between the five fake kinds.
  static KindMix balanced();
  // "real=0.5,desync=0.25,lipsync=0.25" (names from kind_name; unnamed kinds get 0). Throws
  // std::invalid_argument naming the bad item.
  static KindMix parse(const std::string& text);
  std::string to_string() const;
  // Exactly `count` kinds in a seeded random order, with counts proportional to the weights
  // (largest remainders).
  std::vector<FakeKind> assign(int count, uint64_t seed) const;
};

struct DatasetOptions {
  std::string out_dir;
  int count = 0;
  Domain domain = Domain::kA;
  uint64_t seed = 0;
  double seconds = 4.0;
  KindMix mix = KindMix::balanced();
  int jobs = 2;  // clips generated at once (each also runs espeak-ng and an ffmpeg encoder)
  // Called after each finished clip (from a worker thread, serialised).
  std::function<void(int done, int total)> progress;
};

struct DatasetItem {
  std::string path;  // relative to out_dir
  ClipSpec spec;
};

// The clips of a dataset, in order (no files touched).
std::vector<DatasetItem> dataset_items(const DatasetOptions& options);
// The seed of clip `index` of a dataset.
uint64_t clip_seed(uint64_t dataset_seed, Domain domain, int index);

// Writes the dataset. Resumable: clips already present are kept when out_dir's synth.json
// records the same options; a directory made with other options is refused.
void generate_dataset(const DatasetOptions& options);

}  // namespace avlens::synth
