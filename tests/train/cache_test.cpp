// The window cache (format, atomic files, lists), `prep` over real clips made with ffmpeg
// (resumable, skipped videos logged with reasons), metrics, eval figures, scan verdicts and the
// ablation runner over caches.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "avlens/error.hpp"
#include "avlens/train/ablation.hpp"
#include "avlens/train/eval_report.hpp"
#include "avlens/train/metrics.hpp"
#include "avlens/train/scan.hpp"
#include "avlens/train/datasets.hpp"
#include "avlens/train/trainer.hpp"
#include "avlens/train/window_cache.hpp"
#include "test_clips.hpp"
#include "window_fixtures.hpp"

using namespace avlens;
using namespace avlens::train;
namespace fs = std::filesystem;

namespace {
const WindowGeometry kTiny = WindowGeometry::preset("tiny");

fs::path fresh_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("avlens_cache_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void write_video(const fs::path& cache, const std::string& source, int label, int windows, uint64_t seed) {
  fixtures::write_cache_video(cache, kTiny, source, label, windows, seed);
}
}  // namespace

TEST(WindowCache, StoresCropsExactlyAndAudioAsInt16) {
  fs::path dir = fresh_dir("format");
  write_video(dir, "/data/a.mp4", 0, 3, 10);
  write_video(dir, "/data/b.mp4", 1, 2, 20);
  auto cache = WindowCache::open(dir.string());
  ASSERT_EQ(cache->size(), 5u);
  ASSERT_EQ(cache->videos().size(), 2u);
  EXPECT_EQ(cache->window_bytes(), 8u * 64 * 64 * 3 + 2u * 16000);
  for (size_t i = 0; i < cache->size(); ++i) {
    const int label = cache->label(i);
    const int index = static_cast<int>(cache->start_time(i));
    WindowSample want = fixtures::make_window(kTiny, label, (label ? 20 : 10) + index), got;
    cache->load(i, got);
    EXPECT_EQ(got.crops, want.crops);
    ASSERT_EQ(got.audio.size(), want.audio.size());
    for (size_t s = 0; s < got.audio.size(); s += 97) EXPECT_NEAR(got.audio[s], want.audio[s], 1.0 / 32767);
    EXPECT_EQ(got.label, label);
  }
  // A list keeps only its videos (and its labels win).
  auto only_b = WindowCache::open(dir.string(), {{"/data/b.mp4", 1, "g"}});
  EXPECT_EQ(only_b->size(), 2u);
  EXPECT_THROW(WindowCache::open(dir.string(), {{"/data/zzz.mp4", 1, "g"}}), Error);
}

TEST(WindowCache, MadeFromARelativePathItIsReadFromAnyFolder) {
  // A dataset CSV given with a relative path, prepared in one folder, then opened with its list
  // from another: the cache stores absolute sources.
  const fs::path root = fresh_dir("relative");
  fs::create_directories(root / "data" / "clips");
  fs::copy_file(avlens::testing::face_clip(2.2, 25), root / "data" / "clips" / "a.mp4");
  std::ofstream(root / "data" / "labels.csv") << "path,label,group\nclips/a.mp4,0,alice\n";
  const fs::path before = fs::current_path();
  fs::current_path(root);
  std::vector<VideoItem> items = read_dataset("data/labels.csv");
  PrepOptions o;
  o.maker.geometry = kTiny;
  o.out = "cache";
  o.workers = 1;
  PrepSummary s = prepare_cache(items, o);
  fs::current_path(root / "data");  // somewhere else
  EXPECT_EQ(s.cached, 1u);
  auto all = WindowCache::open((root / "cache").string());
  ASSERT_EQ(all->videos().size(), 1u);
  EXPECT_EQ(all->videos()[0], (root / "data" / "clips" / "a.mp4").string());
  EXPECT_EQ(all->groups()[0], "alice");
  auto listed = WindowCache::open((root / "cache").string(), read_video_csv((root / "data" / "labels.csv").string()));
  EXPECT_EQ(listed->size(), all->size());
  fs::current_path(before);
}

TEST(WindowCache, UnfinishedAndDamagedFilesAreNeverRead) {
  fs::path dir = fresh_dir("atomic");
  fs::create_directories(dir / "items");
  {
    CacheFileWriter w((dir / "items" / "x.avw").string(), kTiny);
    WindowSample s = fixtures::make_window(kTiny, 0, 1);
    w.add(s.crops, s.audio, s.audio_low, s.audio_high, 0);
    // destroyed without commit(), as when the process is killed mid-video
  }
  EXPECT_FALSE(fs::exists(dir / "items" / "x.avw"));
  EXPECT_TRUE(fs::is_empty(dir / "items"));
  EXPECT_THROW(WindowCache::open(dir.string()), Error);  // no videos

  write_video(dir, "/data/a.mp4", 0, 2, 1);
  const fs::path file = dir / "items" / (cache_item_id("/data/a.mp4") + ".avw");
  fs::resize_file(file, fs::file_size(file) - 100);  // trailer damaged
  try {
    WindowCache::open(dir.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnreadable);
  }
  EXPECT_THROW(WindowCache::open((dir / "nothing").string()), Error);
}

TEST(Prep, CachesGoodClipsLogsBadOnesAndResumes) {
  const std::string good = avlens::testing::face_clip(3.5, 25);
  const std::string missing = (fresh_dir("missing") / "missing.mp4").string();
  const std::string not_media = avlens::testing::write_bytes("not_media.mp4", std::vector<uint8_t>(1000, 7));
  const fs::path out = fresh_dir("prep");
  PrepOptions o;
  o.maker.geometry = kTiny;
  o.out = out.string();
  o.workers = 2;
  std::vector<std::string> outcomes;
  o.on_item = [&](size_t, size_t, const VideoItem&, const std::string& outcome) { outcomes.push_back(outcome); };
  std::vector<VideoItem> items{{good, 0, "g"}, {missing, 1, "m"}, {not_media, 1, "n"}};
  PrepSummary s = prepare_cache(items, o);
  EXPECT_EQ(s.cached, 1u);
  EXPECT_EQ(s.skipped, 2u);
  EXPECT_EQ(s.windows, 3u);  // 3.5 s -> 3 whole one-second windows
  EXPECT_EQ(s.bytes, 3 * (8u * 64 * 64 * 3 + 2u * 16000));
  std::ifstream skipped(out / "skipped" / (cache_item_id(missing) + ".json"));
  std::string log((std::istreambuf_iterator<char>(skipped)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("file_not_found"), std::string::npos) << log;
  EXPECT_TRUE(fs::exists(out / "skipped" / (cache_item_id(not_media) + ".json")));

  auto cache = WindowCache::open(out.string());
  EXPECT_EQ(cache->size(), 3u);
  WindowSample w;
  cache->load(0, w);
  EXPECT_EQ(w.crops.size(), 8u * 64 * 64 * 3);
  // The raw range each window's audio was scaled from travels with it (for seamless audio shifts).
  EXPECT_TRUE(std::isfinite(w.audio_low) && std::isfinite(w.audio_high));
  EXPECT_LT(w.audio_low, 0.f);
  EXPECT_GT(w.audio_high, 0.f);
  EXPECT_LE(w.audio_high, 1.f);

  // A second run does nothing new; --retry-skipped tries the failures again.
  PrepSummary again = prepare_cache(items, o);
  EXPECT_EQ(again.already, 3u);
  EXPECT_EQ(again.cached, 0u);
  o.retry_skipped = true;
  PrepSummary retry = prepare_cache(items, o);
  EXPECT_EQ(retry.already, 1u);
  EXPECT_EQ(retry.skipped, 2u);
}

TEST(Metrics, AucTiesThresholdAndVideoMeans) {
  EXPECT_DOUBLE_EQ(roc_auc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}), 0.0);
  EXPECT_DOUBLE_EQ(roc_auc({0.5, 0.5}, {0, 1}), 0.5);                       // a tie counts one half
  EXPECT_DOUBLE_EQ(roc_auc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}), 0.75);     // sklearn's example
  EXPECT_TRUE(std::isnan(roc_auc({0.1, 0.2}, {1, 1})));
  // A NaN score (a diverged model) is an error that says so, not an undefined sort.
  try {
    roc_auc({0.1, std::nan(""), 0.8}, {0, 1, 1});
    FAIL() << "a NaN score was ranked";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
  EXPECT_THROW(roc_curve({std::nan(""), 0.2}, {0, 1}), Error);
  const double t = choose_threshold({0.1, 0.2, 0.3, 0.7, 0.8}, {0, 0, 0, 1, 1});
  EXPECT_GT(t, 0.3);
  EXPECT_LE(t, 0.7);
  EXPECT_DOUBLE_EQ(accuracy_at({0.1, 0.2, 0.3, 0.7, 0.8}, {0, 0, 0, 1, 1}, t), 1.0);
  auto videos = video_scores({0.2, 0.4, 0.9}, {1, 3, 5}, {0, 0, 1}, {0, 0, 1}, {"a", "b"});
  ASSERT_EQ(videos.size(), 2u);
  EXPECT_DOUBLE_EQ(videos[0].score, 0.3);  // the mean of its window scores
  EXPECT_DOUBLE_EQ(videos[0].mean_weighted, 2.0);
  EXPECT_EQ(videos[1].windows, 1);
  auto curve = roc_curve({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1});
  EXPECT_DOUBLE_EQ(curve.back().false_positive_rate, 1.0);
  EXPECT_DOUBLE_EQ(curve.back().true_positive_rate, 1.0);
}

TEST(EvalAndScan, WriteMetricsFiguresAndJsonVerdicts) {
  auto source = fixtures::make_source(kTiny, 4, 2, 9);
  TrainConfig c;
  c.out = fresh_dir("eval_run").string();
  c.batch = 4;
  c.epochs = 1;
  c.progress = false;
  c.device = "cpu";
  Trainer t(c, source, source);
  t.fit();
  auto detector = load_detector(c.out + "/last.pt");
  EvalOptions o;
  o.out = fresh_dir("eval_out").string();
  o.heatmaps = 2;
  auto report = evaluate(detector, *source, nullptr, o);
  EXPECT_EQ(report["videos"]["total"], 4);
  EXPECT_EQ(report["windows"], 8);
  EXPECT_GE(report["auc"].get<double>(), 0.0);
  EXPECT_LE(report["auc"].get<double>(), 1.0);
  for (const char* f : {"metrics.json", "roc.png", "mhat_histogram.png"}) EXPECT_TRUE(fs::exists(fs::path(o.out) / f)) << f;
  int heatmaps = 0;
  for (const auto& e : fs::directory_iterator(fs::path(o.out) / "heatmaps")) heatmaps += e.path().extension() == ".png";
  EXPECT_EQ(heatmaps, 6);  // M, A, Mhat for 2 windows

  WindowMakerOptions wo;
  wo.geometry = kTiny;
  ClipVerdict ok = scan_clip(detector.model, avlens::testing::face_clip(3.5, 25), wo, 8, torch::kCPU);
  EXPECT_EQ(ok.error, "");
  EXPECT_EQ(ok.windows.size(), 3u);
  double mean = 0;
  for (const auto& w : ok.windows) mean += w.score / ok.windows.size();
  EXPECT_NEAR(ok.score, mean, 1e-9);
  auto j = ok.to_json();
  EXPECT_TRUE(j.contains("file") && j.contains("score") && j.contains("windows") && j.contains("error"));
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_DOUBLE_EQ(j["windows"][1]["start"].get<double>(), 1.0);

  ClipVerdict bad = scan_clip(detector.model, "/nonexistent/clip.mp4", wo, 8, torch::kCPU);
  EXPECT_NE(bad.error.find("file_not_found"), std::string::npos) << bad.error;
  EXPECT_TRUE(bad.to_json()["score"].is_null());
}

TEST(Ablation, RunsAreTheTable1RowsAndTestSetsAreNamed) {
  auto core = ablation_runs({"table1_core"}, 8);
  ASSERT_EQ(core.size(), 4u);
  EXPECT_EQ(core[3].name, "+attention +pseudo-fakes");
  EXPECT_EQ(core[3].overrides.at("pseudo_fakes"), "true");
  EXPECT_EQ(ablation_runs({"table1"}, 8).size(), 5u);
  EXPECT_EQ(ablation_runs({"map_size"}, 8).size(), 4u);  // S = 1, 2, 4 and the native 8
  EXPECT_THROW(ablation_runs({"table2"}, 8), Error);
  EXPECT_EQ(parse_test_set("B=/x/cache").name, "B");
  EXPECT_EQ(parse_test_set("B=/x/cache").cache, "/x/cache");
  EXPECT_EQ(parse_test_set("/x/cache-B/").name, "cache-B");
  EXPECT_THROW(parse_test_set("=/x"), Error);
}

TEST(Ablation, ScoresEveryTestSetAndAddsANewOneWithoutRetraining) {
  const fs::path root = fresh_dir("ablation");
  for (int v = 0; v < 6; ++v) write_video(root / "train", "/t/" + std::to_string(v) + ".mp4", v % 2, 2, 100 + 10 * v);
  for (const char* set : {"A", "B", "C"})
    for (int v = 0; v < 4; ++v)
      write_video(root / set, std::string("/") + set + "/" + std::to_string(v) + ".mp4", v % 2, 1, 500 + 10 * v + set[0]);
  TrainConfig base;
  base.data = (root / "train").string();
  base.batch = 4;
  base.epochs = 1;
  base.max_steps_per_epoch = 1;
  base.progress = false;
  base.device = "cpu";
  auto runs = ablation_runs({"table1_core"}, 8);
  runs.resize(1);  // "plain" is enough to check the bookkeeping
  const auto out = (root / "study").string();
  auto quiet = [](const std::string&) {};
  auto table = run_ablation(base, {parse_test_set("A=" + (root / "A").string()), parse_test_set("B=" + (root / "B").string())},
                            runs, out, quiet);
  ASSERT_EQ(table.size(), 1u);
  for (const char* set : {"A", "B"}) {
    const auto& m = table[0]["tests"][set];
    EXPECT_GE(m["auc"].get<double>(), 0.0) << set;
    EXPECT_LE(m["auc"].get<double>(), 1.0) << set;
    EXPECT_EQ(m["videos"]["total"], 4) << set;
  }
  const fs::path run_dir = fs::path(out) / "table1_plain";
  const auto trained_at = fs::last_write_time(run_dir / "last.pt");
  auto again = run_ablation(base, {parse_test_set("A=" + (root / "A").string()), parse_test_set("C=" + (root / "C").string())},
                            runs, out, quiet);
  EXPECT_EQ(fs::last_write_time(run_dir / "last.pt"), trained_at);  // not retrained
  EXPECT_EQ(again[0]["tests"]["A"], table[0]["tests"]["A"]);
  EXPECT_TRUE(again[0]["tests"].contains("B"));  // kept from the first call
  EXPECT_TRUE(again[0]["tests"].contains("C"));
  std::ifstream md(fs::path(out) / "ablation.md");
  std::string text((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("AUC A (%)"), std::string::npos) << text;
  EXPECT_NE(text.find("AUC C (%)"), std::string::npos) << text;
  EXPECT_NE(text.find("| table1 | plain |"), std::string::npos) << text;
}
