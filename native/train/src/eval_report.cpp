#include "avlens/train/eval_report.hpp"

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "avlens/train/batch_loader.hpp"
#include "avlens/train/evaluation.hpp"
#include "avlens/train/plots.hpp"

namespace avlens::train {
namespace fs = std::filesystem;

namespace {
void draw_heatmaps(model::Detector& model, const WindowSource& source, const std::vector<size_t>& windows,
                   const std::vector<double>& scores, const fs::path& dir, torch::Device device) {
  torch::NoGradGuard no_grad;
  fs::create_directories(dir);
  for (size_t w : windows) {
    WindowSample sample;
    source.load(w, sample);
    auto out = model->forward(video_tensor({&sample}, source.geometry()).to(device),
                              audio_tensor({&sample}, source.geometry()).to(device));
    const std::string stem = fs::path(source.videos()[source.video_of(w)]).stem().string() + "_t" +
                             std::to_string(static_cast<int>(source.start_time(w))) + "s";
    const std::string tag = " (label " + std::to_string(source.label(w)) + ", score " +
                            std::to_string(scores[w]).substr(0, 5) + ")";
    // Over the window's middle face crop, as the page draws it.
    const WindowGeometry& g = source.geometry();
    const size_t frame_bytes = static_cast<size_t>(g.height) * g.width * 3;
    const FaceImage face{sample.crops.data() + frame_bytes * (g.frames / 2), g.height, g.width};
    auto draw = [&](const torch::Tensor& t, const std::string& name) {
      if (!t.defined()) return;
      auto m = t[0].to(torch::kCPU, torch::kFloat32).contiguous();
      std::vector<float> v(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
      plot_heatmap((dir / (stem + "_" + name + ".png")).string(), v, static_cast<int>(m.size(0)),
                   static_cast<int>(m.size(1)), name + tag, face);
    };
    draw(out.distance, "M");
    draw(out.attention, "A");
    draw(out.weighted, "Mhat");
  }
}

std::pair<std::vector<double>, std::vector<int>> columns(const std::vector<ScoredVideo>& videos) {
  std::vector<double> s;
  std::vector<int> l;
  for (const auto& v : videos) s.push_back(v.score), l.push_back(v.label);
  return {s, l};
}
}  // namespace

nlohmann::json evaluate(LoadedDetector& detector, const WindowSource& test, const WindowSource* validation,
                        const EvalOptions& o) {
  nlohmann::json report;
  double threshold = detector.state.threshold;
  std::string threshold_source = "checkpoint (training run's validation split)";
  if (validation) {
    const Validation v = validate(detector.model, *validation, o.batch, o.device);
    threshold = v.threshold;
    threshold_source = "validation data";
    report["validation_videos"] = v.videos;
  }
  WindowPredictions p = predict_windows(detector.model, test, o.batch, o.device);
  VideoMetrics m = video_metrics(p, test, threshold);
  auto [scores, labels] = columns(m.videos);
  const auto fakes = std::count(labels.begin(), labels.end(), 1);
  report["auc"] = m.auc;
  report["accuracy"] = m.accuracy;
  report["threshold"] = threshold;
  report["threshold_source"] = threshold_source;
  report["window_auc"] = roc_auc(p.scores, p.labels);
  report["videos"] = {{"total", m.videos.size()}, {"fake", fakes}, {"real", m.videos.size() - fakes}};
  report["windows"] = p.scores.size();
  report["model"] = detector.state.model_config;
  report["epochs_trained"] = detector.state.epochs_done;
  nlohmann::json per_video = nlohmann::json::array();
  for (const auto& v : m.videos)
    per_video.push_back({{"video", v.name}, {"label", v.label}, {"score", v.score}, {"mean_mhat", v.mean_weighted},
                         {"windows", v.windows}});
  report["per_video"] = per_video;
  if (o.out.empty()) return report;

  const fs::path out(o.out);
  fs::create_directories(out);
  if (m.auc >= 0)
    plot_roc((out / "roc.png").string(), roc_curve(scores, labels), m.auc, "video-level ROC", threshold);
  std::vector<double> real_mhat, fake_mhat;
  for (const auto& v : m.videos) (v.label ? fake_mhat : real_mhat).push_back(v.mean_weighted);
  plot_histogram((out / "mhat_histogram.png").string(), real_mhat, fake_mhat, "mean Mhat per video");
  if (o.heatmaps > 0 && !p.scores.empty()) {
    std::vector<size_t> order(p.scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p.scores[a] > p.scores[b]; });
    std::vector<size_t> chosen;
    for (int k = 0; k < o.heatmaps && k < static_cast<int>(order.size()); ++k)  // alternate top fake / top real
      chosen.push_back(k % 2 == 0 ? order[k / 2] : order[order.size() - 1 - k / 2]);
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    draw_heatmaps(detector.model, test, chosen, p.scores, out / "heatmaps", o.device);
  }
  write_file_atomically((out / "metrics.json").string(), report.dump(2) + "\n");
  return report;
}

}  // namespace avlens::train
