#include "avlens/train/scan.hpp"

#include <cmath>

#include "avlens/error.hpp"
#include "avlens/train/batch_loader.hpp"

namespace avlens::train {

nlohmann::json ClipVerdict::to_json() const {
  nlohmann::json w = nlohmann::json::array();
  for (const auto& s : windows) w.push_back({{"start", s.start_time}, {"score", s.score}});
  nlohmann::json j = {{"file", file}, {"windows", w}};
  j["score"] = error.empty() ? nlohmann::json(score) : nlohmann::json(nullptr);
  j["error"] = error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error);
  return j;
}

ClipVerdict scan_clip(model::Detector& detector, const std::string& path, const WindowMakerOptions& options, int batch,
                      torch::Device device) {
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
