#include "avlens/train/ablation.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "avlens/error.hpp"
#include "avlens/train/eval_report.hpp"
#include "avlens/train/trainer.hpp"
#include "avlens/train/training_data.hpp"

namespace avlens::train {
namespace fs = std::filesystem;

std::vector<AblationRun> ablation_runs(const std::vector<std::string>& groups, int feature_map) {
  std::vector<AblationRun> runs;
  for (const auto& g : groups) {
    if (g == "table1" || g == "table1_core") {
      // Same directory names for both groups, so a table1_core study is reused by table1.
      const std::string group = "table1";
      runs.push_back({group, "plain", {{"attention", "false"}, {"pseudo_fakes", "false"}, {"residual", "false"}}});
      runs.push_back({group, "+pseudo-fakes", {{"attention", "false"}, {"pseudo_fakes", "true"}, {"residual", "false"}}});
      runs.push_back({group, "+attention", {{"attention", "true"}, {"pseudo_fakes", "false"}, {"residual", "false"}}});
      runs.push_back({group, "+attention +pseudo-fakes", {{"attention", "true"}, {"pseudo_fakes", "true"}, {"residual", "false"}}});
      if (g == "table1")
        runs.push_back({group, "+attention +pseudo-fakes +residual",
                        {{"attention", "true"}, {"pseudo_fakes", "true"}, {"residual", "true"}}});
    } else if (g == "r_min") {
      for (const char* r : {"0", "0.1", "0.2", "0.3", "0.4", "0.5"})
        runs.push_back({g, std::string("r_min=") + r, {{"r_min", r}, {"r_max", "1"}, {"pseudo_fakes", "true"}}});
    } else if (g == "r_max") {
      for (const char* r : {"0.5", "0.6", "0.7", "0.8", "0.9", "1"})
        runs.push_back({g, std::string("r_max=") + r, {{"r_min", "0"}, {"r_max", r}, {"pseudo_fakes", "true"}}});
    } else if (g == "map_size") {
      for (int s : {1, 2, 4, 7, 14, 28})
        if (s <= feature_map)
          runs.push_back({g, "S=" + std::to_string(s), {{"map_size", std::to_string(s == feature_map ? 0 : s)}}});
    } else {
      throw Error(ErrorCode::kInvalidArgument,
                  "unknown ablation '" + g + "' (table1, table1_core, r_min, r_max, map_size)");
    }
  }
  return runs;
}

AblationTestSet parse_test_set(const std::string& spec) {
  AblationTestSet set;
  const auto eq = spec.find('=');
  set.cache = eq == std::string::npos ? spec : spec.substr(eq + 1);
  set.name = eq == std::string::npos ? fs::path(set.cache).lexically_normal().filename().string() : spec.substr(0, eq);
  if (set.name.empty() && !set.cache.empty()) set.name = fs::path(set.cache).parent_path().filename().string();
  if (set.name.empty() || set.cache.empty())
    throw Error(ErrorCode::kInvalidArgument, "test set '" + spec + "': expected NAME=CACHE or CACHE");
  return set;
}

namespace {
std::string slug(const std::string& group, const std::string& name) {
  std::string s = group + "_";
  for (char c : name) s += std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '_';
  return s;
}

std::string percent(const nlohmann::json& v) {
  if (!v.is_number() || v.get<double>() < 0) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", 100 * v.get<double>());
  return b;
}

std::string markdown_table(const nlohmann::json& table, const std::vector<AblationTestSet>& tests) {
  std::string md = "| group | run |";
  std::string rule = "|---|---|";
  for (const auto& t : tests) {
    md += " AUC " + t.name + " (%) | accuracy " + t.name + " (%) |";
    rule += "---|---|";
  }
  md += " best val AUC (%) | epochs | checkpoint |\n" + rule + "---|---|---|\n";
  for (const auto& r : table) {
    md += "| " + r["group"].get<std::string>() + " | " + r["name"].get<std::string>() + " |";
    for (const auto& t : tests) {
      const auto& m = r["tests"][t.name];
      md += " " + percent(m["auc"]) + " | " + percent(m["accuracy"]) + " |";
    }
    md += " " + percent(r["best_val_auc"]) + " | " + std::to_string(r["epochs"].get<int>()) + " | " +
          r["checkpoint"].get<std::string>() + " |\n";
  }
  return md;
}
}  // namespace

nlohmann::json run_ablation(const TrainConfig& base, const std::vector<AblationTestSet>& tests,
                            const std::vector<AblationRun>& runs, const std::string& out,
                            const std::function<void(const std::string&)>& log) {
  if (tests.empty()) throw Error(ErrorCode::kInvalidArgument, "ablation: give at least one test set");
  fs::create_directories(out);
  std::vector<std::shared_ptr<const WindowSource>> test_sources;
  for (const auto& t : tests) test_sources.push_back(open_cache(t.cache, t.list));
  nlohmann::json table = nlohmann::json::array();
  for (const auto& run : runs) {
    const fs::path dir = fs::path(out) / slug(run.group, run.name);
    const fs::path result_file = dir / "result.json";
    nlohmann::json result;
    torch::Device device = torch::kCPU;
    if (fs::exists(result_file)) {
      std::ifstream(result_file) >> result;
      device = resolve_device(base.device);
      log("ablation: " + run.name + " already trained");
    } else {
      TrainConfig c = base;
      for (const auto& [k, v] : run.overrides) c.set(k, v);
      c.out = dir.string();
      log("ablation: training " + run.name);
      auto data = open_training_data(c);
      Trainer trainer(c, data.train, data.validation);
      if (fs::exists(dir / "last.pt")) trainer.resume((dir / "last.pt").string());
      trainer.fit();
      device = trainer.device();
      const bool by_auc = fs::exists(dir / "best_val_auc.pt");
      result = {{"group", run.group},
                {"name", run.name},
                {"overrides", run.overrides},
                {"best_val_auc", trainer.state().best_val_auc},
                {"checkpoint", by_auc ? "best_val_auc" : "best_train_loss"},
                {"epochs", trainer.state().epochs_done},
                {"tests", nlohmann::json::object()}};
    }
    if (!result.contains("tests")) result["tests"] = nlohmann::json::object();
    // Score only the test sets this run has not met yet (keyed by name and cache path).
    std::unique_ptr<LoadedDetector> detector;
    for (size_t i = 0; i < tests.size(); ++i) {
      const auto& known = result["tests"].value(tests[i].name, nlohmann::json::object());
      if (known.value("cache", "") == tests[i].cache && known.value("list", "") == tests[i].list) continue;
      if (!detector)
        detector = std::make_unique<LoadedDetector>(
            load_detector((dir / (result["checkpoint"].get<std::string>() + ".pt")).string(), device,
                          LegacyArchive::kLoadWithWarning));  // this ablation's own run (older ones: LibTorch archives)
      log("ablation: scoring " + run.name + " on " + tests[i].name);
      EvalOptions eo;
      eo.batch = base.batch;
      eo.device = device;
      nlohmann::json report = evaluate(*detector, *test_sources[i], nullptr, eo);
      result["tests"][tests[i].name] = {{"cache", tests[i].cache}, {"list", tests[i].list},
                                        {"auc", report["auc"]}, {"accuracy", report["accuracy"]},
                                        {"videos", report.value("videos", nlohmann::json())}};
    }
    if (detector) write_file_atomically(result_file.string(), result.dump(2) + "\n");
    table.push_back(result);
  }
  write_file_atomically((fs::path(out) / "ablation.json").string(), table.dump(2) + "\n");
  write_file_atomically((fs::path(out) / "ablation.md").string(), markdown_table(table, tests));
  return table;
}

}  // namespace avlens::train
