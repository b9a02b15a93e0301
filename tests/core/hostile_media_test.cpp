// Hostile and odd media (issue 17): streams that change format mid-way, streams that do not
// overlap, containers that lie about their duration. Each clip is read in a child process under
// an address-space limit, so a crash or an unbounded allocation fails the test instead of the
// test program, and memory is shown to stay bounded without timing anything.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>

#include "avlens/windows.hpp"
#include "process_memory.hpp"
#include "test_clips.hpp"

using namespace avlens;
using namespace avlens::testing;

namespace {

// Memory a child may take on top of what the test program already has mapped: ample for a
// short clip at the tiny geometry, far below what the unbounded cases asked for (GBs).
constexpr size_t kChildBudgetBytes = size_t{1} << 30;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kLimitAddressSpace = false;  // ASan reserves terabytes of shadow memory
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kLimitAddressSpace = false;
#else
constexpr bool kLimitAddressSpace = true;
#endif
#else
constexpr bool kLimitAddressSpace = true;
#endif


struct Outcome {
  int signal = 0;                // the child was killed by this signal (a crash)
  std::string error;             // "" when the clip was read; else "code: message"
  int windows = 0;
  double audio_seconds = 0;      // audio delivered to the window maker
  double duration = 0;           // info().duration after reading
  size_t timeline_seconds = 0;   // aggregate_scores over the windows, as `avlens scan` does it
  int decode_errors = 0;         // the reader's report
  std::string warning;           // clip_coverage's
  double box_x = 0, box_y = 0;   // mean centre of every window's crop boxes (source pixels)
  double box_side = 0;           // their mean side
  int frames_without_face = 0;
};

// Reads `path` to the end in a child process (tiny geometry), like `avlens scan`: every window
// scored 0.5, then aggregated over info().duration.
Outcome read_in_child(const std::string& path) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const size_t limit = mapped_bytes() + kChildBudgetBytes;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    if (kLimitAddressSpace) {
      rlimit rl{limit, limit};
      setrlimit(RLIMIT_AS, &rl);
    }
    std::ostringstream out;
    int windows = 0;
    try {
      WindowMakerOptions o;
      o.geometry = WindowGeometry::preset("tiny");
      auto reader = ClipWindowReader::open_file(path, o);
      std::vector<WindowScore> scores;
      Window w;
      double box_x = 0, box_y = 0, box_side = 0;
      size_t boxes = 0;
      while (reader->next(w)) {
        scores.push_back({w.start_time, o.geometry.duration(), 0.5}), ++windows;
        for (const FaceBox& b : w.boxes) box_x += b.x + b.w / 2, box_y += b.y + b.h / 2, box_side += b.w, ++boxes;
      }
      if (boxes) box_x /= boxes, box_y /= boxes, box_side /= boxes;
      const VideoScore v = aggregate_scores(scores, reader->info().duration);
      const ClipCoverage c = clip_coverage(reader->report(), scores, o.geometry);
      out << "|" << windows << "|" << reader->report().audio_samples / 16000.0 << "|" << reader->info().duration
          << "|" << v.timeline.size() << "|" << c.decode_errors << "|" << c.warning << "|" << box_x << "|" << box_y
          << "|" << box_side << "|" << reader->report().frames_without_face;
    } catch (const Error& e) {
      out << error_code_name(e.code()) << ": " << e.what() << "|" << windows;
    } catch (const std::bad_alloc&) {
      out << "bad_alloc|" << windows;
    } catch (const std::exception& e) {
      out << "exception: " << e.what() << "|" << windows;
    }
    const std::string text = out.str();
    if (write(fds[1], text.data(), text.size()) < 0) _exit(3);
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  Outcome r;
  if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
    return r;
  }
  std::vector<std::string> fields;
  std::stringstream ss(text);
  for (std::string f; std::getline(ss, f, '|');) fields.push_back(f);
  if (fields.empty()) fields.push_back("no answer from the child");
  r.error = fields[0];
  if (fields.size() > 1) r.windows = std::stoi(fields[1]);
  if (fields.size() > 4) {
    r.audio_seconds = std::stod(fields[2]);
    r.duration = std::stod(fields[3]);
    r.timeline_seconds = std::stoull(fields[4]);
  }
  if (fields.size() > 5) r.decode_errors = std::stoi(fields[5]);
  if (fields.size() > 6) r.warning = fields[6];
  if (fields.size() > 10) {
    r.box_x = std::stod(fields[7]);
    r.box_y = std::stod(fields[8]);
    r.box_side = std::stod(fields[9]);
    r.frames_without_face = std::stoi(fields[10]);
  }
  return r;
}

std::string describe(const Outcome& r) {
  if (r.signal) return "killed by signal " + std::to_string(r.signal);
  return "error '" + r.error + "', " + std::to_string(r.windows) + " windows";
}

// One MPEG-TS segment of the face clip: `seconds` long from `offset` s, AAC with `channels`
// channels at `rate` Hz.
std::string ts_segment(int channels, int rate, double offset, double seconds) {
  const std::string name = "seg_" + std::to_string(channels) + "ch_" + std::to_string(rate) + "_" +
                           std::to_string(static_cast<int>(offset)) + ".ts";
  return make_clip(name, "-i " + face_clip(seconds, 25) + " -map 0:v -c:v copy -map 0:a -c:a aac -ac " +
                             std::to_string(channels) + " -ar " + std::to_string(rate) + " -output_ts_offset " +
                             std::to_string(offset) + " -f mpegts");
}

// Two TS segments back to back (what the concat protocol or `cat` gives): the AAC changes its
// channels or rate at 3 s.
std::string audio_change_clip(int ch1, int rate1, int ch2, int rate2) {
  std::vector<uint8_t> bytes = read_bytes(ts_segment(ch1, rate1, 0, 3));
  const std::vector<uint8_t> second = read_bytes(ts_segment(ch2, rate2, 3, 3));
  bytes.insert(bytes.end(), second.begin(), second.end());
  return write_bytes("change_" + std::to_string(ch1) + "_" + std::to_string(rate1) + "_" + std::to_string(ch2) +
                         "_" + std::to_string(rate2) + ".ts",
                     bytes);
}

// The face clip remuxed with one stream shifted by `offset` seconds.
std::string shifted_clip(const std::string& which, double offset) {
  const std::string clip = face_clip(3.5, 25);
  const std::string shift = "-itsoffset " + std::to_string(offset) + " -i " + clip;
  const std::string plain = "-i " + clip;
  const std::string inputs = which == "audio" ? plain + " " + shift : shift + " " + plain;
  return make_clip("late_" + which + "_" + std::to_string(static_cast<int>(offset)) + ".ts",
                   inputs + " -map 0:v -map 1:a -c copy -f mpegts");
}

// The face clip as Matroska, its Segment duration patched to `declared` seconds.
std::string lying_duration_clip(double declared) {
  const std::string mkv = make_clip("face.mkv", "-i " + face_clip(3.5, 25) + " -c copy");
  std::vector<uint8_t> bytes = read_bytes(mkv);
  // Duration element: ID 0x4489, size 8 (0x88), a big-endian double in milliseconds.
  const uint8_t id[3] = {0x44, 0x89, 0x88};
  auto at = std::search(bytes.begin(), bytes.end(), id, id + 3);
  if (at == bytes.end()) throw std::runtime_error("no Duration element in " + mkv);
  const double ms = declared * 1000;
  uint64_t raw;
  std::memcpy(&raw, &ms, 8);
  for (int i = 0; i < 8; ++i) at[3 + i] = static_cast<uint8_t>(raw >> (56 - 8 * i));
  std::ostringstream name;
  name << "declares_" << declared << ".mkv";
  return write_bytes(name.str(), bytes);
}

// The face clip as MPEG-TS with junk written over the payload of every 7th packet from 1 s on
// (sync bytes and headers kept, so the demuxer goes on and the decoders meet the damage).
std::string damaged_ts_clip() {
  const std::string ts = make_clip("face_for_damage.ts", "-i " + face_clip(6, 25) + " -c:v libx264 -preset ultrafast "
                                                          "-c:a aac -f mpegts");
  std::vector<uint8_t> bytes = read_bytes(ts);
  uint32_t x = 12345;
  for (size_t p = bytes.size() / 6 / 188 * 188; p + 188 <= bytes.size(); p += 7 * 188)
    for (size_t i = 8; i < 188; ++i) bytes[p + i] = static_cast<uint8_t>((x = x * 1103515245u + 12345u) >> 24);
  return write_bytes("face_damaged.ts", bytes);
}

// The astronaut photo scaled to side x side, 2 s at 8 fps with a tone, H.264 + AAC.
std::string square_face_clip(int side) {
  return make_clip("face_square_" + std::to_string(side) + ".mp4",
                   "-loop 1 -i " + face_image() +
                       " -f lavfi -i sine=frequency=440:sample_rate=44100 -filter_complex \"[0:v]scale=" +
                       std::to_string(side) + ":" + std::to_string(side) +
                       ",format=yuv420p[v]\" -map [v] -map 1:a -t 2 -r 8 -c:v libx264 -preset ultrafast -c:a aac "
                       "-shortest");
}

}  // namespace

// Item 8: an 8000x8000 clip was converted to RGB at full size (192 MB a frame), copied into the
// frame queue and held by the face tracker for a dozen frames: 2.6 GB natively, more than the
// 2 GB wasm heap (here: bad_alloc under the 1 GiB limit). The decoder now scales frames whose
// longer side exceeds max_frame_side down while converting them; the face is found at the same
// place, boxes in source pixels, as in a 640x640 copy.
TEST(HostileMedia, VeryLargeFramesAreScaledDownEarly) {
  const Outcome small = read_in_child(square_face_clip(640));
  ASSERT_EQ(small.error, "") << describe(small);
  const Outcome big = read_in_child(square_face_clip(8000));
  EXPECT_EQ(big.signal, 0) << describe(big);
  ASSERT_EQ(big.error, "") << describe(big);
  EXPECT_EQ(big.windows, small.windows);
  EXPECT_EQ(big.windows, 2);
  EXPECT_EQ(big.frames_without_face, small.frames_without_face);
  const double scale = 8000.0 / 640.0;
  ASSERT_GT(small.box_side, 50);
  // The same place within 2 % of the frame, the same size within 5 %, in source pixels.
  EXPECT_NEAR(big.box_x / scale, small.box_x, 0.02 * 640) << big.box_x;
  EXPECT_NEAR(big.box_y / scale, small.box_y, 0.02 * 640) << big.box_y;
  EXPECT_NEAR(big.box_side / scale, small.box_side, 0.05 * small.box_side) << big.box_side;
}

// The cap follows what tracking can use: the smallest face the detector finds (80 px in its
// 2 x detect_max_side search) cropped at the window's size; never under 1920 (1080p is read pixel
// for pixel), never over 4096.
TEST(HostileMedia, MaxFrameSideFollowsTheGeometry) {
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset("paper");
  EXPECT_EQ(max_frame_side(o), 2560);  // 224 x 1280 / (1.4 x 80)
  o.geometry = WindowGeometry::preset("small");
  EXPECT_EQ(max_frame_side(o), 1920);
  o.geometry = WindowGeometry::preset("tiny");
  EXPECT_EQ(max_frame_side(o), 1920);
  o.face.detect_max_side = 4000;
  EXPECT_EQ(max_frame_side(o), 4096);
}

// Item 5: damaged data was skipped in silence; the report counts it and the coverage says so.
TEST(HostileMedia, DamagedPacketsAreCountedAndReported) {
  const Outcome r = read_in_child(damaged_ts_clip());
  EXPECT_EQ(r.signal, 0) << describe(r);
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_GT(r.decode_errors, 0);
  EXPECT_NE(r.warning.find("damaged packet"), std::string::npos) << r.warning;
  // An undamaged clip reports none.
  const Outcome clean = read_in_child(make_clip("face_clean.ts", "-i " + face_clip(6, 25) +
                                                                     " -c:v libx264 -preset ultrafast -c:a aac -f mpegts"));
  ASSERT_EQ(clean.error, "") << describe(clean);
  EXPECT_EQ(clean.decode_errors, 0);
  EXPECT_EQ(clean.warning, "");
}

// Issue 17 item 1: the resampler was built once from the first audio frame; a later frame with
// fewer channels was read with the old layout (out of bounds, SIGSEGV in swr_convert).
TEST(HostileMedia, AudioChannelsChangeMidStream) {
  for (const auto& [from, to] : {std::pair{2, 1}, std::pair{6, 1}, std::pair{1, 2}}) {
    const Outcome r = read_in_child(audio_change_clip(from, 48000, to, 48000));
    EXPECT_EQ(r.signal, 0) << from << " -> " << to << " channels: " << describe(r);
    EXPECT_EQ(r.error, "") << from << " -> " << to << " channels: " << describe(r);
    EXPECT_EQ(r.windows, 6) << from << " -> " << to << " channels";
    EXPECT_NEAR(r.audio_seconds, 6.0, 0.25) << from << " -> " << to << " channels";
  }
}

// ...and a new rate was resampled as if it were the old one (6 s of 22.05 kHz read as 44.1 kHz:
// too few samples, 5 windows for 6 s).
TEST(HostileMedia, AudioRateChangesMidStream) {
  const Outcome r = read_in_child(audio_change_clip(1, 44100, 1, 22050));
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_EQ(r.windows, 6);
  EXPECT_NEAR(r.audio_seconds, 6.0, 0.25);
}

// Item 3: audio 20 000 s after the video was padded with 20 000 s of silence (GBs); video 3 000 s
// after the audio repeated its first frame for 3 000 s. Both are refused at once, clearly.
TEST(HostileMedia, StreamsThatDoNotOverlapAreRefused) {
  for (const auto& [which, offset] : {std::pair{"audio", 20000.0}, std::pair{"video", 3000.0}}) {
    const std::string path = shifted_clip(which, offset);
    const Outcome r = read_in_child(path);
    EXPECT_EQ(r.signal, 0) << which << ": " << describe(r);
    EXPECT_EQ(r.error.rfind("unreadable: " + path + ": the audio and video streams do not overlap", 0), 0u)
        << which << ": " << describe(r);
    EXPECT_NE(r.error.find(std::string("the ") + which + " starts"), std::string::npos) << r.error;
    EXPECT_EQ(r.windows, 0) << which;
  }
}

// A small offset between the streams is ordinary (priming, edit lists): still read.
TEST(HostileMedia, StreamsOffsetBySecondsAreRead) {
  const Outcome r = read_in_child(shifted_clip("audio", 2));
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_GE(r.windows, 1);
}

// Item 4: a duration of 1e8 s declared for a 3.5 s clip sized the timeline (2.4 GB); 1e10 s
// overflowed an int. The results are sized from what was decoded.
TEST(HostileMedia, DeclaredDurationDoesNotSizeResults) {
  for (double declared : {1e8, 1e10}) {
    const Outcome r = read_in_child(lying_duration_clip(declared));
    ASSERT_EQ(r.error, "") << declared << ": " << describe(r);
    EXPECT_EQ(r.windows, 3) << declared;
    EXPECT_LE(r.duration, 3.6 + 1.0) << declared;
    EXPECT_LE(r.timeline_seconds, 5u) << declared;
  }
}

// An honest duration is kept as declared (ordinary clips are unchanged).
TEST(HostileMedia, HonestDurationIsKept) {
  const Outcome r = read_in_child(lying_duration_clip(3.543));
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_NEAR(r.duration, 3.543, 1e-9);
  EXPECT_EQ(r.timeline_seconds, 4u);
}

TEST(HostileMedia, AggregateRefusesADurationNoTimelineCanHold) {
  EXPECT_THROW(aggregate_scores({{0, 1, 0.5}}, 1e10), Error);
  EXPECT_THROW(aggregate_scores({{0, 1, 0.5}}, INFINITY), Error);
  EXPECT_EQ(aggregate_scores({{0, 1, 0.5}}, NAN).timeline.size(), 1u);  // unknown: the windows' extent
}
