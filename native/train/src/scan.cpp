#include "avlens/train/scan.hpp"

#include <cmath>

#include "avlens/error.hpp"
#include "avlens/train/batch_loader.hpp"

namespace avlens::train {

void ClipVerdict::decide(double t, const std::string& model_withheld) {
  threshold = t;
  verdict.clear();
  verdict_withheld.clear();
  if (!error.empty()) return;
  if (!model_withheld.empty()) verdict_withheld = model_withheld;
  else if (!coverage.verdict_withheld.empty()) verdict_withheld = coverage.verdict_withheld;
  else verdict = score >= threshold ? "fake" : "real";
}

nlohmann::json ClipVerdict::to_json() const {
  const auto text_or_null = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  nlohmann::json w = nlohmann::json::array();
  for (const auto& s : windows) w.push_back({{"start", s.start_time}, {"score", s.score}});
  nlohmann::json timeline_json = nlohmann::json::array();
  for (double v : timeline) timeline_json.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
  nlohmann::json j = {{"file", file}, {"windows", w}, {"timeline", timeline_json}};
  j["score"] = error.empty() ? nlohmann::json(score) : nlohmann::json(nullptr);
  j["threshold"] = threshold;
  j["verdict"] = text_or_null(verdict);
  j["verdict_withheld"] = text_or_null(verdict_withheld);
  j["warning"] = text_or_null(coverage.warning);
  j["coverage"] = {{"video_seconds", coverage.video_seconds},
                   {"audio_seconds", coverage.audio_seconds},
                   {"scored_seconds", coverage.scored_seconds},
                   {"windows", coverage.windows},
                   {"windows_scored", coverage.windows_scored},
                   {"windows_without_face", coverage.windows_without_face},
                   {"decode_errors", coverage.decode_errors},
                   // The clip's own reason for no verdict, even when the model's card gives one first.
                   {"verdict_withheld", text_or_null(coverage.verdict_withheld)}};
  j["error"] = text_or_null(error);
  return j;
}

ClipVerdict scan_clip(model::Detector& detector, const std::string& path, const WindowMakerOptions& options, int batch,
                      torch::Device device, const std::function<void(double, double)>& on_progress) {
  ClipVerdict v;
  v.file = path;
  try {
    torch::NoGradGuard no_grad;
    detector->eval();
    const WindowGeometry& g = options.geometry;
    auto reader = ClipWindowReader::open_file(path, options);
    std::vector<Window> pending;
    auto flush = [&] {
      if (pending.empty()) return;
      std::vector<WindowSample> samples(pending.size());
      std::vector<const WindowSample*> ptrs;
      for (size_t i = 0; i < pending.size(); ++i) {
        samples[i].crops = std::move(pending[i].crops);
        samples[i].audio = std::move(pending[i].audio);
        ptrs.push_back(&samples[i]);
      }
      auto scores = detector->scores(video_tensor(ptrs, g).to(device), audio_tensor(ptrs, g).to(device))
                        .to(torch::kCPU, torch::kFloat64)
                        .contiguous();
      for (size_t i = 0; i < pending.size(); ++i)
        v.windows.push_back({pending[i].start_time, g.duration(), scores.data_ptr<double>()[i]});
      if (on_progress) on_progress(pending.back().start_time + g.duration(), reader->info().duration);
      pending.clear();
    };
    Window w;
    while (reader->next(w)) {
      if (!w.has_face()) {
        ++v.windows_without_face;
        continue;
      }
      pending.push_back(std::move(w));
      w = Window();
      if (static_cast<int>(pending.size()) >= batch) flush();
    }
    flush();
    v.coverage = clip_coverage(reader->report(), v.windows, g);
    if (v.windows.empty())
      throw Error(ErrorCode::kNoFace, "no window with a face in '" + path + "' (" +
                                          std::to_string(v.windows_without_face) + " windows without one)");
    double duration = reader->info().duration;
    if (!(duration > 0)) duration = v.windows.back().start_time + g.duration();
    VideoScore agg = aggregate_scores(v.windows, duration);
    v.score = agg.mean;
    v.timeline = agg.timeline;
  } catch (const Error& e) {
    v.error = std::string(error_code_name(e.code())) + ": " + e.what();
    v.score = -1;
  } catch (const std::exception& e) {
    v.error = std::string("internal: ") + e.what();
    v.score = -1;
  }
  return v;
}

}  // namespace avlens::train
