// The paper's ablations on one training set: Table 1 (±attention, ±pseudo-fakes, ±residual)
// and the sweeps of Fig. 5 (r_min, r_max, map size S). Each run trains from the same base
// configuration with a few keys changed, then scores every test set (e.g. held-out in-domain and
// cross-domain) with its best-by-validation checkpoint (best-by-training-loss when there is no
// validation data). Finished runs are kept (OUT/<run>/result.json), so an interrupted ablation
// continues where it stopped, and a test set added later is scored without retraining.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "avlens/train/train_config.hpp"

namespace avlens::train {

struct AblationTestSet {
  std::string name;   // column title, e.g. "A" or "B"
  std::string cache;  // window cache from avlens prep
  std::string list;   // optional CSV restricting the cache's videos
};

// "NAME=CACHE" or plain "CACHE" (named after the folder).
AblationTestSet parse_test_set(const std::string& spec);

struct AblationRun {
  std::string group;  // "table1", "r_min", "r_max", "map_size"
  std::string name;   // e.g. "+attention +pseudo-fakes"
  std::map<std::string, std::string> overrides;  // TrainConfig keys
};

// groups: any of table1 (5 rows), table1_core (its 4 rows without the residual variant),
// r_min, r_max, map_size. feature_map: the native map side (28 on the
// paper geometry): map sizes above it are left out.
std::vector<AblationRun> ablation_runs(const std::vector<std::string>& groups, int feature_map);

// Trains and evaluates every run; returns the table as JSON and writes OUT/ablation.{json,md}.
nlohmann::json run_ablation(const TrainConfig& base, const std::vector<AblationTestSet>& tests,
                            const std::vector<AblationRun>& runs, const std::string& out,
                            const std::function<void(const std::string&)>& log);

}  // namespace avlens::train
