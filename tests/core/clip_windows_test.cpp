// The window maker on real encoded clips made by the test (see tests/support/test_clips.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "avlens/windows.hpp"
#include "test_clips.hpp"

using namespace avlens;
using namespace avlens::testing;

namespace {

WindowMakerOptions options_for(const std::string& preset = "paper") {
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset(preset);
  return o;
}

std::vector<Window> read_all(const std::string& path, const WindowMakerOptions& o, ClipReport* report = nullptr,
                             MediaInfo* info = nullptr) {
  auto reader = ClipWindowReader::open_file(path, o);
  std::vector<Window> out;
  Window w;
  while (reader->next(w)) out.push_back(std::move(w));
  if (report) *report = reader->report();
  if (info) *info = reader->info();
  return out;
}

double mean_center_x(const Window& w) {
  double s = 0;
  for (const auto& b : w.boxes) s += b.x + b.w / 2;
  return s / w.boxes.size();
}
double mean_center_y(const Window& w) {
  double s = 0;
  for (const auto& b : w.boxes) s += b.y + b.h / 2;
  return s / w.boxes.size();
}

}  // namespace

TEST(ClipWindows, CountsOfFramesSamplesAndWindowTimes) {
  ClipReport report;
  MediaInfo info;
  const auto windows = read_all(face_clip(3.5, 25), options_for(), &report, &info);
  ASSERT_EQ(windows.size(), 3u);  // 3.5 s: the trailing half window is dropped
  EXPECT_NEAR(report.frames, 105, 1);  // 3.5 s at 30 fps from a 25 fps source (88 frames = 3.52 s)
  EXPECT_EQ(info.width, 800);
  EXPECT_EQ(info.height, 480);
  EXPECT_NEAR(info.source_fps, 25, 1e-6);
  for (size_t i = 0; i < windows.size(); ++i) {
    const Window& w = windows[i];
    EXPECT_EQ(w.index, static_cast<int>(i));
    EXPECT_DOUBLE_EQ(w.start_time, static_cast<double>(i));
    EXPECT_EQ(w.first_frame, static_cast<int>(i) * 30);
    EXPECT_EQ(w.crops.size(), 30u * 224 * 224 * 3);
    EXPECT_EQ(w.audio.size(), 48000u);
    EXPECT_EQ(w.boxes.size(), 30u);
    EXPECT_EQ(w.frames_without_face, 0);
  }
  EXPECT_EQ(report.frames_without_face, 0);
  EXPECT_NEAR(static_cast<double>(report.audio_samples), 3.5 * 48000, 48000 * 0.05);
}

TEST(ClipWindows, NormalisationRanges) {
  const WindowGeometry g = WindowGeometry::preset("paper");
  const auto windows = read_all(face_clip(3.5, 25), options_for());
  float amin = 1, amax = -1;
  for (const Window& w : windows) {
    const std::vector<float> v = w.video_tensor(g);
    ASSERT_EQ(v.size(), 3u * 30 * 224 * 224);
    auto [vmin, vmax] = std::minmax_element(v.begin(), v.end());
    EXPECT_GE(*vmin, -1.0f);
    EXPECT_LE(*vmax, 1.0f);
    EXPECT_LT(*vmin, -0.8f);  // the photo has dark hair and a bright background
    EXPECT_GT(*vmax, 0.8f);
    // (x/255 - 0.5)/0.5 of the first red value, in the (3, T, H, W) layout.
    EXPECT_EQ(v[0], (w.crops[0] / 255.0f - 0.5f) / 0.5f);
    EXPECT_EQ(v[30 * 224 * 224], (w.crops[1] / 255.0f - 0.5f) / 0.5f);  // green plane
    for (float a : w.audio) {
      ASSERT_GE(a, -1.0f);
      ASSERT_LE(a, 1.0f);
      amin = std::min(amin, a), amax = std::max(amax, a);
    }
  }
  // Per-window min-max (the default): every window reaches both ends of [-1, 1].
  EXPECT_NEAR(amin, -1.0f, 1e-6);
  EXPECT_NEAR(amax, 1.0f, 1e-6);
  for (const Window& w : windows) {
    auto [lo, hi] = std::minmax_element(w.audio.begin(), w.audio.end());
    EXPECT_NEAR(*lo, -1.0f, 1e-6);
    EXPECT_NEAR(*hi, 1.0f, 1e-6);
  }
}

TEST(ClipWindows, PerWindowAudioScaleIgnoresTheRestOfTheClip) {
  // A quiet second then a loud one: per window, both windows span [-1, 1]; per clip, the quiet
  // window stays small.
  const std::string clip = make_clip(
      "quiet_loud.mkv",
      "-loop 1 -framerate 25 -i " + face_image() +
          " -f lavfi -i \"sine=frequency=300:sample_rate=48000,volume='if(lt(t,1),0.05,0.9)':eval=frame\" "
          "-vf scale=640:480,format=yuv420p -t 2.2 -c:v libx264 -preset ultrafast -c:a pcm_s16le");
  WindowMakerOptions o = options_for("tiny");
  auto per_window = read_all(clip, o);
  ASSERT_EQ(per_window.size(), 2u);
  for (const Window& w : per_window) EXPECT_GT(*std::max_element(w.audio.begin(), w.audio.end()), 0.999f);
  // Each window reports the raw range it was scaled from (a trainer joins raw audio): the sine's
  // amplitude: ffmpeg's sine is 1/8 loud, times 0.05 then 0.9.
  EXPECT_NEAR(per_window[0].audio_high, 0.05 / 8, 0.001);
  EXPECT_NEAR(per_window[0].audio_low, -0.05 / 8, 0.001);
  EXPECT_NEAR(per_window[1].audio_high, 0.9 / 8, 0.003);
  o.geometry.audio_norm = AudioNorm::kMinMaxClip;
  auto per_clip = read_all(clip, o);
  ASSERT_EQ(per_clip.size(), 2u);
  EXPECT_LT(*std::max_element(per_clip[0].audio.begin(), per_clip[0].audio.end()), 0.2f);
  EXPECT_EQ(per_clip[0].audio_high, per_clip[1].audio_high);  // one range for the clip
  EXPECT_NEAR(per_clip[0].audio_high, 0.9 / 8, 0.003);
}

TEST(ClipWindows, CropIsOnTheFaceAndFollowsIt) {
  const auto left = read_all(face_clip(2.2, 25, -60), options_for());
  const auto right = read_all(face_clip(2.2, 25, 60), options_for());
  ASSERT_EQ(left.size(), 2u);
  ASSERT_EQ(right.size(), 2u);
  // The face of the still photo: known position, shifted by exactly the offset.
  // The crop's centre sits 0.2 box sides below the face's (the reference's crop).
  const double box_side = left[0].boxes[0].w / 1.4;
  EXPECT_NEAR(mean_center_x(left[0]), kFaceCenterX - 60, 20);
  EXPECT_NEAR(mean_center_y(left[0]), kFaceCenterY + 0.2 * box_side, 20);
  EXPECT_NEAR(mean_center_x(right[0]) - mean_center_x(left[0]), 120, 6);
  EXPECT_NEAR(mean_center_y(right[0]), mean_center_y(left[0]), 4);
  // Enlarged by 40 %: a crop side is 1.4 x dlib's box, which is ~90-140 px on this photo.
  const double side = left[0].boxes[0].w;
  EXPECT_GT(side, 1.4 * 80);
  EXPECT_LT(side, 1.4 * 180);
}

TEST(ClipWindows, SmallFaceInALowResolutionClipIsFound) {
  // A 256 x 144 clip (as some dubbing tools write) whose face is ~30 px: too small for the HOG
  // detector at the clip's size; the alternate searches upscale the frame.
  const std::string clip = make_clip(
      "small_face_256x144.mp4",
      "-loop 1 -framerate 25 -i " + face_image() +
          " -f lavfi -i sine=frequency=300:sample_rate=48000 -filter_complex "
          "\"[0:v]scale=160:160,crop=160:120:0:0,pad=256:144:60:12:color=gray,format=yuv420p[v]\" -map [v] -map 1:a "
          "-t 2.2 -r 25 -c:v libx264 -preset ultrafast -c:a aac -shortest");
  ClipReport report;
  const auto windows = read_all(clip, options_for("tiny"), &report);
  ASSERT_EQ(windows.size(), 2u);
  // Only the frames before the first upscaled search (the 2nd keyframe, frame 5) lack the face;
  // without upscaling every frame did.
  EXPECT_LE(report.frames_without_face, 5);
  EXPECT_GT(report.frames, 15);
  EXPECT_TRUE(windows[1].has_face());
}

TEST(ClipWindows, MemoryBufferGivesTheSameBytesAsTheFile) {
  const std::string path = face_clip(2.2, 25);
  const auto from_file = read_all(path, options_for("small"));
  auto bytes = std::make_shared<const std::vector<uint8_t>>(read_bytes(path));
  auto reader = ClipWindowReader::open_memory(bytes, "clip.mp4", options_for("small"));
  std::vector<Window> from_memory;
  Window w;
  while (reader->next(w)) from_memory.push_back(w);
  ASSERT_EQ(from_memory.size(), from_file.size());
  for (size_t i = 0; i < from_file.size(); ++i) {
    EXPECT_EQ(from_memory[i].crops, from_file[i].crops);
    EXPECT_EQ(from_memory[i].audio, from_file[i].audio);
  }
}

TEST(ClipWindows, GeometryIsAParameter) {
  const auto windows = read_all(face_clip(2.2, 25), options_for("tiny"));
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0].crops.size(), 8u * 64 * 64 * 3);
  EXPECT_EQ(windows[0].audio.size(), 16000u);
  EXPECT_DOUBLE_EQ(windows[1].start_time, 1.0);
}

TEST(ClipWindows, StrideMakesOverlappingWindows) {
  WindowMakerOptions o = options_for("tiny");
  o.stride_frames = 4;  // half a window
  const auto windows = read_all(face_clip(3.5, 25), o);
  ASSERT_EQ(windows.size(), 6u);  // starts 0, 0.5, ..., 2.5
  EXPECT_DOUBLE_EQ(windows[5].start_time, 2.5);
  // Overlapping windows share frames: the second half of window 0 is the first half of window 1.
  const size_t half = 4u * 64 * 64 * 3;
  EXPECT_TRUE(std::equal(windows[0].crops.begin() + half, windows[0].crops.end(), windows[1].crops.begin()));
}

TEST(ClipWindows, RotationMetadataIsApplied) {
  // Content stored turned 90 degrees clockwise, with a display matrix (rotation=90, counter-
  // clockwise, as ffprobe reports it) that turns it back upright.
  const std::string stored = make_clip(
      "rotated_raw.mp4", "-loop 1 -i " + face_image() +
                             " -f lavfi -i sine=frequency=300:sample_rate=48000 -filter_complex "
                             "\"[0:v]scale=640:640,crop=640:480:0:0,transpose=1,format=yuv420p[v]\" -map [v] -map 1:a "
                             "-t 2.2 -r 30 -c:v libx264 -preset ultrafast -c:a aac -shortest");
  const std::string path = make_clip("rotated.mp4", "-i " + stored + " -c copy -metadata:s:v:0 rotate=90");
  ClipReport report;
  MediaInfo info;
  const auto windows = read_all(path, options_for("small"), &report, &info);
  EXPECT_EQ(info.rotation, 270);  // degrees clockwise to display it
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 480);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(report.frames_without_face, 0);  // upright again, so the frontal detector finds it
  EXPECT_NEAR(mean_center_x(windows[0]), kFaceCenterX - 80, 20);
  EXPECT_NEAR(mean_center_y(windows[0]), kFaceCenterY + 0.2 * windows[0].boxes[0].w / 1.4, 20);
}

TEST(ClipWindows, VariableFrameRateBecomesConstant) {
  // Every other frame dropped in the first 1.5 s: timestamps are irregular.
  const std::string path = make_clip(
      "vfr.mkv", "-loop 1 -i " + face_image() +
                     " -f lavfi -i sine=frequency=300:sample_rate=48000 -filter_complex "
                     "\"[0:v]scale=640:640,crop=640:480:0:0,fps=30,select='gte(t\\,1.5)+not(mod(n\\,2))',"
                     "format=yuv420p[v]\" -map [v] -map 1:a -t 3.2 -fps_mode vfr -c:v libx264 -preset ultrafast "
                     "-c:a libopus -shortest");
  ClipReport report;
  const auto windows = read_all(path, options_for("small"), &report);
  EXPECT_NEAR(report.frames, 3.2 * 16, 1);  // constant 16 fps for the small preset
  EXPECT_EQ(windows.size(), 3u);
}

TEST(ClipWindows, OddSizesWork) {
  const std::string path =
      make_clip("odd.mp4", "-loop 1 -i " + face_image() +
                               " -f lavfi -i sine=frequency=300:sample_rate=22050 -filter_complex "
                               "\"[0:v]scale=641:641,crop=641:481:0:0,format=yuv444p[v]\" -map [v] -map 1:a -t 1.5 "
                               "-r 24 -c:v libx264 -preset ultrafast -c:a mp3 -ac 2 -shortest");
  MediaInfo info;
  const auto windows = read_all(path, options_for("small"), nullptr, &info);
  EXPECT_EQ(info.width, 641);
  EXPECT_EQ(info.height, 481);
  EXPECT_EQ(info.audio_channels, 2);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].audio.size(), 16000u);
}

TEST(ClipWindows, FollowsTheDominantFace) {
  // A large face on the left, a smaller one on the right.
  const std::string path = make_clip(
      "two_faces.mp4", "-loop 1 -i " + face_image() + " -loop 1 -i " + face_image() +
                           " -f lavfi -i sine=frequency=300:sample_rate=48000 -filter_complex "
                           "\"[0:v]scale=640:640,crop=640:480:0:0[a];[1:v]scale=420:420[b];"
                           "[a]pad=1100:480:0:0:color=gray[p];[p][b]overlay=660:40,format=yuv420p[v]\" "
                           "-map [v] -map 2:a -t 2.2 -r 30 -c:v libx264 -preset ultrafast -c:a aac -shortest");
  WindowMakerOptions o = options_for("small");
  o.face.detect_max_side = 1100;  // keep the smaller face detectable too
  const auto windows = read_all(path, o);
  ASSERT_EQ(windows.size(), 2u);
  for (const Window& w : windows) EXPECT_NEAR(mean_center_x(w), 279, 25);
}

TEST(ClipWindows, FramesWithoutAFaceAreReported) {
  // The face for 2 s, then only gray for 1.5 s.
  const std::string path = make_clip(
      "face_then_gray.mp4",
      "-loop 1 -t 2 -i " + face_image() + " -f lavfi -t 1.5 -i color=gray:s=640x480:r=30" +
          " -f lavfi -i sine=frequency=300:sample_rate=48000 -filter_complex "
          "\"[0:v]scale=640:640,crop=640:480:0:0,fps=30,format=yuv420p[f];[1:v]format=yuv420p[g];"
          "[f][g]concat=n=2:v=1:a=0[v]\" -map [v] -map 2:a -t 3.5 -c:v libx264 -preset ultrafast -c:a aac");
  ClipReport report;
  const auto windows = read_all(path, options_for("small"), &report);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_TRUE(windows[0].has_face());
  EXPECT_TRUE(windows[1].has_face());
  EXPECT_FALSE(windows[2].has_face());
  EXPECT_EQ(report.windows_without_face, 1);
  EXPECT_NEAR(report.frames_without_face, 1.5 * 16, 3);
  ASSERT_FALSE(report.frames_without_face_list.empty());
  EXPECT_NEAR(report.frames_without_face_list.front(), 2 * 16, 3);
}

TEST(ClipWindows, ProgressAndAbort) {
  WindowMakerOptions o = options_for("tiny");
  std::vector<double> progress;
  o.progress = [&](double p) { progress.push_back(p); };
  read_all(face_clip(3.5, 25), o);
  ASSERT_FALSE(progress.empty());
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
  EXPECT_GT(progress.back(), 0.9);

  int polls = 0;
  o.progress = nullptr;
  o.abort = [&] { return ++polls > 20; };
  try {
    read_all(face_clip(3.5, 25), o);
    FAIL() << "abort was ignored";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kAborted);
  }
}

TEST(ClipWindows, AWindowsCropsDoNotDependOnWhereReadingBegan) {
  // A face that moves (so the boxes differ frame to frame), losslessly coded, and the same clip cut
  // at 2 s, a window start (a live stretch begins on the clip's window grid, docs/EXTENSION.md).
  // Every window start is a tracker anchor, so the windows from 2 s on are the same bytes in both:
  // before anchors, boxes searched near the last box differed by up to 15 px between the two.
  const std::string whole = make_clip(
      "moving_face_lossless.mkv",
      "-loop 1 -i " + face_image() +
          " -f lavfi -i sine=frequency=300:sample_rate=16000 -filter_complex "
          "\"[0:v]scale=560:560,pad=1000:560:220:0:color=gray,crop=800:480:x='110+80*sin(1.3*t)':y='40+20*sin(0.7*t)',"
          "format=yuv420p[v]\" -map [v] -map 1:a -t 6 -r 25 -c:v ffv1 -c:a pcm_s16le -shortest");
  const std::string cut = make_clip("moving_face_lossless_from_2s.mkv",
                                    "-i " + whole + " -ss 2 -c:v ffv1 -c:a pcm_s16le");
  const WindowMakerOptions o = options_for("tiny");
  const auto from_start = read_all(whole, o);
  const auto from_2s = read_all(cut, o);
  ASSERT_EQ(from_start.size(), 6u);
  ASSERT_EQ(from_2s.size(), 4u);
  double box_travel = 0;
  for (size_t k = 0; k < from_2s.size(); ++k) {
    const Window &a = from_start[k + 2], &b = from_2s[k];
    ASSERT_TRUE(a.has_face()) << k;
    for (size_t f = 0; f < a.boxes.size(); ++f) {
      EXPECT_FLOAT_EQ(a.boxes[f].x, b.boxes[f].x) << "window " << k << " frame " << f;
      EXPECT_FLOAT_EQ(a.boxes[f].y, b.boxes[f].y) << "window " << k << " frame " << f;
      EXPECT_FLOAT_EQ(a.boxes[f].w, b.boxes[f].w) << "window " << k << " frame " << f;
      box_travel = std::max(box_travel, std::abs(static_cast<double>(a.boxes[f].x) - from_start[2].boxes[0].x));
    }
    EXPECT_TRUE(a.crops == b.crops) << "window " << k;
    EXPECT_TRUE(a.audio == b.audio) << "window " << k;
  }
  EXPECT_GT(box_travel, 40);  // the face did move
}
