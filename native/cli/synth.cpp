// `avlens synth`: makes a labelled synthetic talking-face dataset (real clips and five kinds of
// audio-visual fakes, domain A or B), or one clip of a given kind and seed.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "args.hpp"
#include "avlens/synth/dataset.hpp"
#include "avlens/synth/face_check.hpp"
#include "avlens/synth/subprocess.hpp"
#include "command.hpp"

namespace fs = std::filesystem;

namespace avlens::cli {
namespace {

const char* kUsage =
    "usage: avlens synth --out DIR --count N --domain A|B --seed S [options]\n"
    "       avlens synth --out DIR --kind KIND --clip-seed S --domain A|B [--seconds X]\n"
    "\n"
    "Makes synthetic talking-face clips (H.264 + AAC MP4, 30 fps, 48 kHz): a rendered face speaks\n"
    "espeak-ng speech. Real clips and five fake kinds: audio_swap, lipsync, desync, face_swap,\n"
    "partial. Writes DIR/videos/*.mp4, DIR/labels.csv (path,label,kind,domain,seed; label 1 = fake),\n"
    "DIR/clips.jsonl (what each fake changed) and DIR/synth.json (the options). Same options, same\n"
    "bytes. An interrupted run resumes: clips already written are kept.\n"
    "\n"
    "options:\n"
    "  --seconds X      clip length in seconds (default 4)\n"
    "  --mix SPEC       kind weights, e.g. real=0.5,audio_swap=0.1,lipsync=0.1,desync=0.1,\n"
    "                   face_swap=0.1,partial=0.1 (the default); unnamed kinds get 0\n"
    "  --jobs N         clips generated at once (default: the number of cores)\n"
    "  --check-faces    then run dlib's HOG face detector the way the core does (longer side\n"
    "                   <= 640 px, every 5th frame) on every clip; writes DIR/face_check.json\n"
    "  --kind KIND      one clip of this kind (with --clip-seed), written to DIR/KIND_SEED.mp4\n";

uint64_t parse_seed(const std::string& name, const std::string& text) {
  try {
    size_t used = 0;
    if (!text.empty() && text[0] == '-') throw std::invalid_argument("");
    const unsigned long long v = std::stoull(text, &used);
    if (used != text.size()) throw std::invalid_argument("");
    return v;
  } catch (...) {
    throw std::invalid_argument("option --" + name + " expects a non-negative integer, got '" + text + "'");
  }
}

void require_tools() {
  for (const char* tool : {"espeak-ng", "ffmpeg"})
    if (!synth::tool_available(tool))
      throw std::runtime_error(std::string(tool) + " is not installed (Debian: apt-get install " +
                               (std::string(tool) == "ffmpeg" ? "ffmpeg" : "espeak-ng") + ")");
}

int check_dataset_faces(const fs::path& root, int jobs) {
  std::ifstream in(root / "labels.csv");
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::string> paths;
  while (std::getline(in, line))
    if (!line.empty()) paths.push_back(line.substr(0, line.find(',')));
  std::vector<synth::FaceCheck> checks(paths.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < paths.size();) checks[i] = synth::check_faces((root / paths[i]).string());
  };
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  int checked = 0, found = 0, clips_all = 0;
  nlohmann::json misses = nlohmann::json::object();
  for (size_t i = 0; i < paths.size(); ++i) {
    checked += checks[i].checked;
    found += checks[i].found;
    clips_all += checks[i].found == checks[i].checked;
    if (!checks[i].missed_frames.empty()) misses[paths[i]] = checks[i].missed_frames;
  }
  const nlohmann::json report = {{"detector", "dlib frontal HOG, longer side <= 640 px, no upsampling"},
                                 {"every", 5},
                                 {"clips", paths.size()},
                                 {"clips_with_face_in_every_checked_frame", clips_all},
                                 {"frames_checked", checked},
                                 {"frames_with_face", found},
                                 {"rate", checked ? static_cast<double>(found) / checked : 0.0},
                                 {"missed_frames", misses}};
  std::ofstream(root / "face_check.json") << report.dump(2) << "\n";
  std::printf("face check: %d / %d frames (%.2f %%), %d / %zu clips with a face in every checked frame\n", found,
              checked, checked ? 100.0 * found / checked : 0.0, clips_all, paths.size());
  return 0;
}

int run_synth(const std::vector<std::string>& argv) {
  Args args(argv, {"out", "count", "domain", "seed", "seconds", "mix", "jobs", "kind", "clip-seed"},
            {"check-faces", "help"});
  if (args.has("help")) {
    std::printf("%s", kUsage);
    return 0;
  }
  if (!args.positionals().empty())
    throw std::invalid_argument("unexpected argument '" + args.positionals()[0] + "' (see avlens synth --help)");
  const std::string out = args.require("out");
  const synth::Domain domain = synth::domain_from_name(args.require("domain"));
  const double seconds = args.get_double("seconds", 4.0);
  if (!(seconds >= 1.0 && seconds <= 60.0)) throw std::invalid_argument("--seconds must be within 1..60");
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int jobs = args.get_int("jobs", cores);
  if (jobs < 1 || jobs > 256) throw std::invalid_argument("--jobs must be within 1..256");
  require_tools();

  if (args.has("kind")) {
    // One clip, for looking at a kind or reproducing a dataset entry (its seed is in labels.csv).
    for (const char* bad : {"count", "seed", "mix"})
      if (args.has(bad)) throw std::invalid_argument(std::string("--") + bad + " does not go with --kind");
    synth::ClipSpec spec;
    spec.domain = domain;
    spec.kind = synth::kind_from_name(args.get("kind"));
    spec.seed = parse_seed("clip-seed", args.require("clip-seed"));
    spec.seconds = seconds;
    fs::create_directories(out);
    const std::string stem = std::string(synth::kind_name(spec.kind)) + "_" + std::to_string(spec.seed);
    const fs::path path = fs::path(out) / (stem + ".mp4");
    const synth::ClipPlan plan = synth::plan_clip(spec);
    synth::write_clip(plan, path.string());
    std::printf("wrote %s\n", path.c_str());
    if (args.has("check-faces")) {
      const synth::FaceCheck c = synth::check_faces(path.string());
      std::printf("face check: %d / %d frames\n", c.found, c.checked);
    }
    return 0;
  }
  if (args.has("clip-seed")) throw std::invalid_argument("--clip-seed goes with --kind");

  synth::DatasetOptions o;
  o.out_dir = out;
  o.count = args.get_int("count", 0);
  if (!args.has("count")) throw std::invalid_argument("missing required option --count");
  o.domain = domain;
  o.seed = parse_seed("seed", args.require("seed"));
  o.seconds = seconds;
  if (args.has("mix")) o.mix = synth::KindMix::parse(args.get("mix"));
  o.jobs = jobs;
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  o.progress = [&](int done, int total) {
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last < std::chrono::seconds(2)) return;
    last = now;
    const double t = std::chrono::duration<double>(now - start).count();
    std::fprintf(stderr, "\r[synth] %d/%d clips, %.1f clips/s, %.0f s elapsed, ETA %.0f s   ", done, total,
                 done / std::max(t, 1e-9), t, (total - done) * t / std::max(done, 1));
    if (done == total) std::fprintf(stderr, "\n");
  };
  synth::generate_dataset(o);
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %d clips of domain %s to %s in %.1f s (%s)\n", o.count, synth::domain_name(domain), out.c_str(), t,
              o.mix.to_string().c_str());
  if (args.has("check-faces")) return check_dataset_faces(out, jobs);
  return 0;
}

}  // namespace

AVLENS_COMMAND("synth", "make a labelled synthetic talking-face dataset (real + 5 fake kinds, domain A/B)", run_synth);

}  // namespace avlens::cli
