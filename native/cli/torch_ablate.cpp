// `avlens ablate --data TRAIN_CACHE --test [NAME=]TEST_CACHE ... --out DIR`: the paper's Table 1
// rows and the Fig. 5 sweeps, trained on one set and scored on each test set, written as one
// table (ablation.md / ablation.json).
#include <cstdio>
#include <sstream>

#include "args.hpp"
#include "avlens/error.hpp"
#include "avlens/model/model_config.hpp"
#include "avlens/train/ablation.hpp"
#include "avlens/train/training_data.hpp"
#include "command.hpp"

namespace avlens::cli {
namespace {

void usage() {
  std::printf(
      "usage: avlens ablate --data TRAIN_CACHE --test [NAME=]TEST_CACHE [--test ...] --out DIR\n"
      "                     [--test-list CSV] [--runs table1,table1_core,r_min,r_max,map_size]\n"
      "                     [--config FILE] [--KEY VALUE ...]\n\n"
      "Every run trains with the base configuration (--config and training flags, e.g. --epochs 20)\n"
      "plus its own changes, then scores each test cache (e.g. --test A=cache-A --test B=cache-B for\n"
      "in-domain and cross-domain columns) with its best-by-validation checkpoint. --test-list\n"
      "restricts the first test set. Finished runs are reused on a re-run; a new test set is scored\n"
      "without retraining.\n");
}

int run_ablate(const std::vector<std::string>& argv) {
  std::set<std::string> values{"config", "test", "test-list", "runs"};
  for (auto k : train::TrainConfig::keys()) {
    values.insert(k);
    for (auto& c : k)
      if (c == '_') c = '-';
    values.insert(k);
  }
  Args args(argv, values, {"help"},
            {{"preset", "ablate's optimiser settings are --recipe paper|reference (--preset names a window geometry in prep and windows)"}});
  if (args.has("help")) {
    usage();
    return 0;
  }
  train::TrainConfig base;
  if (args.has("config")) base.apply(train::read_config_file(args.get("config")));
  if (args.has("recipe")) base.set("recipe", args.get("recipe"));
  for (const auto& k : train::TrainConfig::keys()) {
    std::string dashed = k;
    for (auto& c : dashed)
      if (c == '_') c = '-';
    for (const auto& name : {k, dashed})
      if (name != "recipe" && args.has(name)) base.set(k, args.get(name));
  }
  base.validate();
  std::vector<std::string> groups;
  std::stringstream list(args.get("runs", "table1,r_min,r_max,map_size"));
  for (std::string g; std::getline(list, g, ',');)
    if (!g.empty()) groups.push_back(g);
  auto train_cache = train::open_cache(base.data, base.data_list);
  model::ModelConfig mc;
  mc.geometry = train_cache->geometry();
  auto runs = train::ablation_runs(groups, model::derive_dims(mc).feature_height);
  std::vector<train::AblationTestSet> tests;
  for (const auto& spec : args.get_all("test")) tests.push_back(train::parse_test_set(spec));
  if (tests.empty()) throw Error(ErrorCode::kInvalidArgument, "ablate: --test CACHE is required");
  tests.front().list = args.get("test-list");
  auto table = train::run_ablation(base, tests, runs, args.require("out"),
                                   [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  std::printf("%s\n", table.dump().c_str());
  return 0;
}

}  // namespace
AVLENS_COMMAND("ablate", "run the paper's ablations (Table 1, Fig. 5 sweeps) on a train/test pair", run_ablate);
}  // namespace avlens::cli
