// `avlens prep DATASET --out CACHE`: runs the window maker over every video of a dataset in
// parallel and writes the window cache that `avlens train` reads. Resumable: finished videos are
// skipped on a re-run; videos that gave no window are logged with their reason. Each video is read
// in its own process (clip_process.hpp): one that crashes the decoder is skipped like any bad video.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "args.hpp"
#include "avlens/train/datasets.hpp"
#include "avlens/train/window_cache.hpp"
#include "clip_process.hpp"
#include "command.hpp"
#include "window_options.hpp"

namespace avlens::cli {
namespace {
namespace fs = std::filesystem;

void usage() {
  std::printf(
      "usage: avlens prep DATASET --out CACHE [--workers N] [--retry-skipped] [--max-windows N]\n"
      "                   [--list CSV] [--protocol dfdc|fakeavceleb|groups --seed S --lists-out DIR]\n"
      "                   [--test-fraction F] [--holdout-kinds K1,K2]\n"
      "                   %s\n\n"
      "DATASET: a DFDC folder (dfdc_train_part_N/metadata.json), a FakeAVCeleb folder (meta_data.csv),\n"
      "a CSV path,label[,group] or a synthetic set (labels.csv); prefixes dfdc: fakeavceleb: csv: force one.\n"
      "--protocol writes the split lists (DFDC: train.csv 7650+7650, test.csv 2293 fake + 407 real;\n"
      "FakeAVCeleb: test.csv 70+70, 7 identities per race x gender, fakes drawn from categories B, C, D)\n"
      "to --lists-out and prepares only the listed videos. groups (your own data): whole groups (people)\n"
      "to test.csv until it holds --test-fraction (0.25) of the groups with a real video, plus every video\n"
      "whose kind (generator) is in --holdout-kinds; the rest to train.csv.\n"
      "--whole-frame skips face tracking and resizes whole frames (the reference evaluates FakeAVCeleb's\n"
      "face-centred clips this way).\n%s"
      "Exit status: 0 when at least one video is in the cache, 1 when none is, 2 for a usage error.\n",
      window_options_usage(), clip_process_usage());
}

// Hidden: the one video a child process prepares, as JSON (VideoItem's fields).
constexpr const char* kClipItemOption = "clip-item";
// What only the parent uses (the dataset and its split, the parallelism).
const std::set<std::string> kParentOnlyOptions = {"list",          "protocol",      "seed",    "lists-out",
                                                  "test-fraction", "holdout-kinds", "workers", "in-process"};

nlohmann::json item_to_json(const train::VideoItem& item) {
  return {{"path", item.path}, {"label", item.label}, {"group", item.group}, {"kind", item.kind},
          {"stratum", item.stratum}};
}

// A child: prepare_cache on its one video; its outcome and counts as one JSON line on stdout.
int run_prep_child(const Args& args) {
  const nlohmann::json j = nlohmann::json::parse(args.require(kClipItemOption));
  train::VideoItem item;
  item.path = j.at("path").get<std::string>();
  item.label = j.at("label").get<int>();
  item.group = j.at("group").get<std::string>();
  item.kind = j.at("kind").get<std::string>();
  item.stratum = j.at("stratum").get<std::string>();
  train::PrepOptions o;
  o.maker = window_options_from_args(args);
  o.out = args.require("out");
  o.workers = 1;
  o.retry_skipped = args.has("retry-skipped");
  o.max_windows_per_video = args.get_int("max-windows", 0);
  std::string outcome;
  o.on_item = [&outcome](size_t, size_t, const train::VideoItem&, const std::string& what) { outcome = what; };
  const train::PrepSummary s = train::prepare_cache({item}, o);
  const nlohmann::json out = {{"outcome", outcome}, {"cached", s.cached},   {"already", s.already},
                              {"skipped", s.skipped}, {"windows", s.windows}, {"bytes", s.bytes},
                              {"windows_without_face", s.windows_without_face}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// The parent: one child per video, `workers` at once. A child that does not come back with its
// summary (a crash, a time-out) gets the video skipped with the reason, as prepare_cache records a
// bad video (skipped/ID.json: source, label, code, reason), so a re-run skips it too unless
// --retry-skipped.
train::PrepSummary prepare_in_clip_processes(const std::vector<train::VideoItem>& items, const train::PrepOptions& o,
                                             const ClipProcessLimits& limits,
                                             const std::vector<std::string>& shared_args) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path item_dir = fs::path(o.out) / "items", skip_dir = fs::path(o.out) / "skipped";
  fs::create_directories(item_dir);
  fs::create_directories(skip_dir);
  std::vector<std::vector<std::string>> jobs;
  for (const auto& item : items) {
    jobs.push_back({"prep", std::string("--") + kClipChildFlag});
    jobs.back().insert(jobs.back().end(), shared_args.begin(), shared_args.end());
    jobs.back().insert(jobs.back().end(), {std::string("--") + kClipItemOption, item_to_json(item).dump()});
  }
  const int workers = o.workers > 0 ? o.workers : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  train::PrepSummary s;
  size_t done = 0;
  run_clip_processes(jobs, workers, limits, [&](size_t i, const ClipProcessResult& r) {
    const train::VideoItem& item = items[i];
    std::string outcome;
    nlohmann::json child;
    if (r.exited() && r.exit_code == 0) child = nlohmann::json::parse(r.out, nullptr, false);
    if (child.is_object() && child.contains("outcome")) {
      outcome = child["outcome"];
      s.cached += child["cached"].get<size_t>();
      s.already += child["already"].get<size_t>();
      s.skipped += child["skipped"].get<size_t>();
      s.windows += child["windows"].get<size_t>();
      s.bytes += child["bytes"].get<size_t>();
      s.windows_without_face += child["windows_without_face"].get<size_t>();
    } else {
      std::string failure = r.failure(limits);
      if (failure.empty())  // it exited without its summary; it said why on stderr
        failure = "internal: the process preparing this video exited with status " + std::to_string(r.exit_code);
      const std::string code = failure.substr(0, failure.find(':'));
      const std::string reason = failure.substr(failure.find(':') + 2);
      const std::string id = train::cache_item_id(item.path);
      // What the killed child was writing (CacheFileWriter's temporary name) goes too.
      fs::remove(item_dir / (id + ".avw.tmp." + std::to_string(r.pid)));
      const fs::path skip = skip_dir / (id + ".json");
      std::ofstream(skip.string() + ".tmp")
          << nlohmann::json{{"source", item.path}, {"label", item.label}, {"code", code}, {"reason", reason}}.dump()
          << "\n";
      fs::rename(skip.string() + ".tmp", skip);
      ++s.skipped;
      outcome = "skipped [" + code + "]: " + reason;
    }
    if (o.on_item) o.on_item(++done, items.size(), item, outcome);
  });
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

int run_prep(const std::vector<std::string>& argv) {
  auto values = window_value_options();
  values.insert({"out", "workers", "max-windows", "list", "protocol", "seed", "lists-out", "test-fraction",
                 "holdout-kinds"});
  for (const auto& o : clip_process_value_options()) values.insert(o);
  values.insert(kClipItemOption);
  auto flags = tracking_flag_options();
  flags.insert({"retry-skipped", "help"});
  for (const auto& o : clip_process_flag_options()) flags.insert(o);
  Args args(argv, values, flags);
  if (args.has("help")) {
    usage();
    return 0;
  }
  if (args.has(kClipChildFlag)) return run_prep_child(args);
  if (args.positionals().size() != 1) throw std::invalid_argument("prep needs exactly one DATASET (see --help)");
  std::vector<train::VideoItem> items = train::read_dataset(args.positionals()[0]);
  if (args.has("list")) items = train::read_video_csv(args.get("list"));

  if (args.has("protocol")) {
    const std::string protocol = args.get("protocol");
    const uint64_t seed = static_cast<uint64_t>(args.get_int("seed", 1));
    const fs::path lists = args.require("lists-out");
    fs::create_directories(lists);
    if (protocol == "dfdc") {
      auto split = train::dfdc_protocol(items, seed);
      train::write_video_csv((lists / "train.csv").string(), split.train);
      train::write_video_csv((lists / "test.csv").string(), split.test);
      items = split.train;
      items.insert(items.end(), split.test.begin(), split.test.end());
    } else if (protocol == "fakeavceleb") {
      items = train::fakeavceleb_test_set(items, seed);
      train::write_video_csv((lists / "test.csv").string(), items);
    } else if (protocol == "groups") {
      std::vector<std::string> kinds;
      for (std::string rest = args.get("holdout-kinds"); !rest.empty();) {
        const size_t comma = rest.find(',');
        if (!rest.substr(0, comma).empty()) kinds.push_back(rest.substr(0, comma));
        rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
      }
      auto split = train::group_protocol(items, seed, args.get_double("test-fraction", 0.25), kinds);
      train::write_video_csv((lists / "train.csv").string(), split.train);
      train::write_video_csv((lists / "test.csv").string(), split.test);
    } else {
      throw std::invalid_argument("unknown --protocol '" + protocol + "' (dfdc, fakeavceleb, groups)");
    }
    std::fprintf(stderr, "prep: split lists written to %s\n", lists.c_str());
  }

  train::PrepOptions o;
  o.maker = window_options_from_args(args);
  o.out = args.require("out");
  o.workers = args.get_int("workers", 0);
  o.retry_skipped = args.has("retry-skipped");
  o.max_windows_per_video = args.get_int("max-windows", 0);
  o.on_item = [](size_t done, size_t total, const train::VideoItem& item, const std::string& outcome) {
    std::fprintf(stderr, "[%zu/%zu] %s: %s\n", done, total, item.path.c_str(), outcome.c_str());
  };
  std::fprintf(stderr, "prep: %zu videos -> %s (%dx%dx%d, %d samples per window)\n", items.size(), o.out.c_str(),
               o.maker.geometry.frames, o.maker.geometry.height, o.maker.geometry.width, o.maker.geometry.samples());
  train::PrepSummary s = args.has("in-process")
                             ? train::prepare_cache(items, o)
                             : prepare_in_clip_processes(items, o, clip_process_limits(args),
                                                         argv_without(argv, values, kParentOnlyOptions));

  const double window_seconds = o.maker.geometry.duration();
  const double per_second = s.windows ? s.bytes / (s.windows * window_seconds) : 0;
  nlohmann::json summary = {{"videos", items.size()},          {"cached", s.cached},
                            {"already_cached", s.already},     {"skipped", s.skipped},
                            {"windows", s.windows},            {"windows_without_face", s.windows_without_face},
                            {"bytes", s.bytes},
                            {"bytes_per_video_second", per_second}, {"seconds", s.seconds},
                            {"geometry", o.maker.geometry.to_metadata()}};
  std::ofstream(fs::path(o.out) / "prep_summary.json") << summary.dump(2) << "\n";
  std::printf("%s\n", summary.dump().c_str());
  std::fprintf(stderr, "prep: %zu cached, %zu already there, %zu skipped (see %s/skipped/); %.1f KiB per video-second\n",
               s.cached, s.already, s.skipped, o.out.c_str(), per_second / 1024);
  return s.cached + s.already > 0 ? 0 : 1;
}

}  // namespace
AVLENS_COMMAND("prep", "prepare a window cache from a dataset for training (parallel, resumable)", run_prep);
}  // namespace avlens::cli
