#include "avlens/train/evaluation.hpp"

#include <cmath>

#include "avlens/train/batch_loader.hpp"

namespace avlens::train {

WindowPredictions predict_windows(model::Detector& model, const WindowSource& source, int batch_size,
                                  torch::Device device) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  WindowPredictions out;
  const WindowGeometry& g = source.geometry();
  for (size_t first = 0; first < source.size(); first += batch_size) {
    const size_t last = std::min(source.size(), first + batch_size);
    std::vector<WindowSample> samples(last - first);
    std::vector<const WindowSample*> ptrs;
    for (size_t i = first; i < last; ++i) {
      source.load(i, samples[i - first]);
      ptrs.push_back(&samples[i - first]);
      out.labels.push_back(source.label(i));
      out.video_of.push_back(source.video_of(i));
    }
    auto result = model->forward(video_tensor(ptrs, g).to(device), audio_tensor(ptrs, g).to(device));
    auto scores = torch::sigmoid(result.logits).to(torch::kCPU, torch::kFloat64).contiguous();
    auto weighted = result.weighted.flatten(1).mean(1).to(torch::kCPU, torch::kFloat64).contiguous();
    out.scores.insert(out.scores.end(), scores.data_ptr<double>(), scores.data_ptr<double>() + scores.numel());
    out.weighted_mean.insert(out.weighted_mean.end(), weighted.data_ptr<double>(),
                             weighted.data_ptr<double>() + weighted.numel());
  }
  model->train(was_training);
  return out;
}

VideoMetrics video_metrics(const WindowPredictions& p, const WindowSource& source, double threshold) {
  VideoMetrics m;
  m.videos = video_scores(p.scores, p.weighted_mean, p.labels, p.video_of, source.videos());
  std::vector<double> scores;
  std::vector<int> labels;
  for (const auto& v : m.videos) {
    scores.push_back(v.score);
    labels.push_back(v.label);
  }
  double auc = roc_auc(scores, labels);
  m.auc = std::isnan(auc) ? -1 : auc;
  m.threshold = threshold;
  double acc = accuracy_at(scores, labels, threshold);
  m.accuracy = std::isnan(acc) ? -1 : acc;
  return m;
}

Validation validate(model::Detector& model, const WindowSource& validation, int batch_size, torch::Device device) {
  const VideoMetrics vm = video_metrics(predict_windows(model, validation, batch_size, device), validation, 0.5);
  std::vector<double> scores;
  std::vector<int> labels;
  for (const auto& v : vm.videos) {
    scores.push_back(v.score);
    labels.push_back(v.label);
  }
  Validation r;
  r.auc = vm.auc;
  r.threshold = choose_threshold(scores, labels);
  r.accuracy = accuracy_at(scores, labels, r.threshold);
  r.videos = vm.videos.size();
  return r;
}

}  // namespace avlens::train
