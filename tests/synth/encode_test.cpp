// End to end: `generate_dataset` writes MP4s the native core reads, with a face in every window,
// labels.csv in the generic format, the same bytes for the same options, and encoded audio that
// keeps what the kind promises (desync: shifted by the recorded amount).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "avlens/synth/dataset.hpp"
#include "avlens/synth/face_check.hpp"
#include "avlens/synth/speech.hpp"
#include "avlens/windows.hpp"
#include "test_clips.hpp"

namespace fs = std::filesystem;
using namespace avlens::synth;

namespace {

DatasetOptions one_of_each(const fs::path& dir) {
  DatasetOptions o;
  o.out_dir = dir.string();
  o.count = 6;
  o.seed = 2024;
  o.domain = Domain::kA;
  o.seconds = 2.0;
  o.mix = KindMix::parse("real=1,audio_swap=1,lipsync=1,desync=1,face_swap=1,partial=1");
  o.jobs = 2;
  return o;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The dataset is made once per test process.
const fs::path& dataset_dir() {
  static const fs::path dir = [] {
    const fs::path d = avlens::testing::temp_dir() / "synth_A";
    generate_dataset(one_of_each(d));
    return d;
  }();
  return dir;
}

struct Row {
  std::string path, label, kind, domain, seed;
};
std::vector<Row> read_labels(const fs::path& dir) {
  std::ifstream in(dir / "labels.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "path,label,kind,domain,seed");
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    std::stringstream s(line);
    Row r;
    std::getline(s, r.path, ',');
    std::getline(s, r.label, ',');
    std::getline(s, r.kind, ',');
    std::getline(s, r.domain, ',');
    std::getline(s, r.seed, ',');
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

TEST(SynthEncode, LabelsListEveryClipWithItsKindAndSeed) {
  const auto rows = read_labels(dataset_dir());
  ASSERT_EQ(rows.size(), 6u);
  std::set<std::string> kinds;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    EXPECT_TRUE(fs::exists(dataset_dir() / r.path)) << r.path;
    EXPECT_EQ(r.label, r.kind == "real" ? "0" : "1");
    EXPECT_EQ(r.domain, "A");
    EXPECT_EQ(r.seed, std::to_string(clip_seed(2024, Domain::kA, static_cast<int>(i))));
    kinds.insert(r.kind);
  }
  EXPECT_EQ(kinds.size(), 6u);  // one of each kind
  EXPECT_TRUE(fs::exists(dataset_dir() / "clips.jsonl"));
}

TEST(SynthEncode, TheCoreReadsEveryClipAndFindsTheFaceInEveryWindow) {
  for (const Row& r : read_labels(dataset_dir())) {
    avlens::WindowMakerOptions o;
    auto reader = avlens::ClipWindowReader::open_file((dataset_dir() / r.path).string(), o);
    EXPECT_EQ(reader->info().video_codec, "h264");
    EXPECT_EQ(reader->info().audio_codec, "aac");
    EXPECT_EQ(reader->info().audio_sample_rate, 48000);
    EXPECT_NEAR(reader->info().source_fps, 30.0, 1e-6);
    EXPECT_EQ(reader->info().width, 480);
    avlens::Window w;
    int windows = 0;
    while (reader->next(w)) {
      ++windows;
      EXPECT_EQ(w.frames_without_face, 0) << r.path << " window " << w.index;
    }
    EXPECT_EQ(windows, 2) << r.path;
    EXPECT_EQ(reader->report().frames_without_face, 0) << r.path << " (" << r.kind << ")";
  }
}

TEST(SynthEncode, SameOptionsSameBytes) {
  const fs::path again = avlens::testing::temp_dir() / "synth_A_again";
  generate_dataset(one_of_each(again));
  for (const char* f : {"labels.csv", "clips.jsonl", "synth.json"})
    EXPECT_EQ(read_all(dataset_dir() / f), read_all(again / f)) << f;
  for (const Row& r : read_labels(dataset_dir()))
    EXPECT_EQ(read_all(dataset_dir() / r.path), read_all(again / r.path)) << r.path;
  // Resuming after a lost clip rebuilds it byte for byte.
  const std::string lost = read_labels(again)[3].path;
  fs::remove(again / lost);
  generate_dataset(one_of_each(again));
  EXPECT_EQ(read_all(dataset_dir() / lost), read_all(again / lost));
  // A directory made with other options is refused.
  DatasetOptions other = one_of_each(again);
  other.seed = 1;
  EXPECT_THROW(generate_dataset(other), std::runtime_error);
}

TEST(SynthEncode, EncodedDesyncAudioIsTheRealAudioShifted) {
  for (const Row& r : read_labels(dataset_dir())) {
    if (r.kind != "desync") continue;
    ClipSpec spec;
    spec.domain = Domain::kA;
    spec.seed = std::stoull(r.seed);
    spec.seconds = 2.0;
    spec.kind = FakeKind::kReal;
    const ClipPlan real = plan_clip(spec);
    spec.kind = FakeKind::kDesync;
    const double shift = plan_clip(spec).manipulation.audio_shift;
    const std::vector<float> heard = decode_audio((dataset_dir() / r.path).string());
    ASSERT_GE(heard.size(), static_cast<size_t>(real.samples) - 2048);
    // The lag that best aligns the decoded audio with the real clip's audio (1 ms steps).
    auto score = [&](long lag) {
      double s = 0;
      for (long n = 0; n < real.samples; n += 4) {
        const long m = n - lag;
        if (m >= 0 && m < real.samples && n < static_cast<long>(heard.size())) s += heard[n] * real.audio[m];
      }
      return s;
    };
    long best = 0;
    double best_score = -1e30;
    for (long lag = -48000; lag <= 48000; lag += 48) {
      const double s = score(lag);
      if (s > best_score) best_score = s, best = lag;
    }
    EXPECT_NEAR(best / 48000.0, shift, 0.002) << r.path;
    return;
  }
  FAIL() << "no desync clip in the dataset";
}
