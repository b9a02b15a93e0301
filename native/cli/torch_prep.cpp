// `avlens prep DATASET --out CACHE`: runs the window maker over every video of a dataset in
// parallel and writes the window cache that `avlens train` reads. Resumable: finished videos are
// skipped on a re-run; videos that gave no window are logged with their reason.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "args.hpp"
#include "avlens/train/datasets.hpp"
#include "avlens/train/window_cache.hpp"
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
      "face-centred clips this way).\n",
      window_options_usage());
}

int run_prep(const std::vector<std::string>& argv) {
  auto values = window_value_options();
  values.insert({"out", "workers", "max-windows", "list", "protocol", "seed", "lists-out", "test-fraction",
                 "holdout-kinds"});
  auto flags = tracking_flag_options();
  flags.insert({"retry-skipped", "help"});
  Args args(argv, values, flags);
  if (args.has("help")) {
    usage();
    return 0;
  }
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
  train::PrepSummary s = train::prepare_cache(items, o);

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
