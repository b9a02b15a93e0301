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
    if (g == "table1") {
      runs.push_back({g, "plain", {{"attention", "false"}, {"pseudo_fakes", "false"}, {"residual", "false"}}});
      runs.push_back({g, "+pseudo-fakes", {{"attention", "false"}, {"pseudo_fakes", "true"}, {"residual", "false"}}});
      runs.push_back({g, "+attention", {{"attention", "true"}, {"pseudo_fakes", "false"}, {"residual", "false"}}});
      runs.push_back({g, "+attention +pseudo-fakes", {{"attention", "true"}, {"pseudo_fakes", "true"}, {"residual", "false"}}});
      runs.push_back({g, "+attention +pseudo-fakes +residual",
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
      throw Error(ErrorCode::kInvalidArgument, "unknown ablation '" + g + "' (table1, r_min, r_max, map_size)");
    }
  }
  return runs;
}

namespace {
std::string slug(const std::string& group, const std::string& name) {
  std::string s = group + "_";
  for (char c : name) s += std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '_';
  return s;
}
}  // namespace

nlohmann::json run_ablation(const TrainConfig& base, const std::string& test_cache, const std::string& test_list,
                            const std::vector<AblationRun>& runs, const std::string& out,
                            const std::function<void(const std::string&)>& log) {
  fs::create_directories(out);
  auto test = open_cache(test_cache, test_list);
  nlohmann::json table = nlohmann::json::array();
  for (const auto& run : runs) {
    const fs::path dir = fs::path(out) / slug(run.group, run.name);
    const fs::path result_file = dir / "result.json";
    nlohmann::json result;
    if (fs::exists(result_file)) {
      std::ifstream(result_file) >> result;
      log("ablation: " + run.name + " already done");
    } else {
      TrainConfig c = base;
      for (const auto& [k, v] : run.overrides) c.set(k, v);
      c.out = dir.string();
      log("ablation: training " + run.name);
      auto data = open_training_data(c);
      Trainer trainer(c, data.train, data.validation);
      if (fs::exists(dir / "last.pt")) trainer.resume((dir / "last.pt").string());
      trainer.fit();
      const bool by_auc = fs::exists(dir / "best_val_auc.pt");
      auto detector = load_detector((dir / (by_auc ? "best_val_auc.pt" : "best_train_loss.pt")).string(), trainer.device());
      EvalOptions eo;
      eo.batch = c.batch;
      eo.device = trainer.device();
      nlohmann::json report = evaluate(detector, *test, nullptr, eo);
      result = {{"group", run.group},          {"name", run.name},
                {"overrides", run.overrides},   {"test_auc", report["auc"]},
                {"test_accuracy", report["accuracy"]}, {"best_val_auc", trainer.state().best_val_auc},
                {"checkpoint", by_auc ? "best_val_auc" : "best_train_loss"}, {"epochs", trainer.state().epochs_done}};
      write_file_atomically(result_file.string(), result.dump(2) + "\n");
    }
    table.push_back(result);
  }
  write_file_atomically((fs::path(out) / "ablation.json").string(), table.dump(2) + "\n");
  std::string md = "| group | run | test AUC (%) | test accuracy (%) | best val AUC (%) | checkpoint |\n|---|---|---|---|---|---|\n";
  auto pct = [](const nlohmann::json& v) {
    char b[32];
    double x = v.is_number() ? v.get<double>() : -1;
    if (x < 0) return std::string("n/a");
    std::snprintf(b, sizeof b, "%.2f", 100 * x);
    return std::string(b);
  };
  for (const auto& r : table)
    md += "| " + r["group"].get<std::string>() + " | " + r["name"].get<std::string>() + " | " + pct(r["test_auc"]) +
          " | " + pct(r["test_accuracy"]) + " | " + pct(r["best_val_auc"]) + " | " + r["checkpoint"].get<std::string>() +
          " |\n";
  write_file_atomically((fs::path(out) / "ablation.md").string(), md);
  return table;
}

}  // namespace avlens::train
