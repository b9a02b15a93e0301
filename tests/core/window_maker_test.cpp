// The push API (used by the extension, where the browser decodes): streaming and bounded.
#include <gtest/gtest.h>

#include <cmath>

#include "avlens/windows.hpp"
#include "face_tracker.hpp"
#include "image_resample.hpp"

using namespace avlens;

namespace {

// A uniform grey RGB frame, as the tracker holds it.
std::shared_ptr<const Picture> grey_picture(int w, int h, uint8_t level) {
  const std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3, level);
  return std::make_shared<const Picture>(PictureView::rgb24(rgb.data(), w, h, w * 3));
}

// A synthetic frame: gray with a bright square "face" that the fake detector below reports.
struct Scene {
  int w = 320, h = 240;
  int face_x(int frame) const { return 100 + frame % 40; }
  std::vector<uint8_t> frame(int i) const {
    std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3, 60);
    for (int y = 80; y < 140; ++y)
      for (int x = face_x(i); x < face_x(i) + 60; ++x)
        for (int c = 0; c < 3; ++c) rgb[(static_cast<size_t>(y) * w + x) * 3 + c] = 220;
    return rgb;
  }
};

}  // namespace

TEST(WindowMakerPush, WindowsComeOutWhileStreaming) {
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset("tiny");
  WindowMaker maker(o);
  Scene scene;
  const int fps = 8, seconds = 20;
  std::vector<float> second_of_audio(16000);
  int popped = 0;
  Window w;
  for (int i = 0; i < fps * seconds; ++i) {
    if (i % fps == 0) {
      for (int s = 0; s < 16000; ++s) second_of_audio[s] = std::sin(0.05f * s) * (i / fps + 1);
      maker.push_audio(second_of_audio.data(), second_of_audio.size());
    }
    const auto rgb = scene.frame(i);
    maker.push_frame(rgb.data(), scene.w, scene.h, scene.w * 3, i / static_cast<double>(fps));
    while (maker.pop(w)) {
      EXPECT_EQ(w.index, popped);
      ++popped;
    }
    // Bounded lag: the tracker holds at most detect_every + median/2 frames, plus one window.
    if (i > 40) {
      EXPECT_GE(popped, (i - 5 - 6 - 8) / 8) << "frame " << i;
    }
  }
  // The picture has no real face, so finish() reports it; the windows were made all the same.
  EXPECT_THROW(maker.finish(seconds), Error);
  while (maker.pop(w)) ++popped;
  EXPECT_EQ(popped, seconds);
}

TEST(WindowMakerPush, LiveAudioRangeGrowsWithWhatWasHeard) {
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset("tiny");
  WindowMaker maker(o);
  Scene scene;
  std::vector<float> quiet(16000, 0.f), loud(16000, 0.f);
  for (int s = 0; s < 16000; ++s) quiet[s] = 0.1f * std::sin(0.05f * s), loud[s] = 0.8f * std::sin(0.05f * s);
  maker.push_audio(quiet.data(), quiet.size());
  maker.push_audio(loud.data(), loud.size());
  for (int i = 0; i < 24; ++i) {
    const auto rgb = scene.frame(i);
    maker.push_frame(rgb.data(), scene.w, scene.h, scene.w * 3, i / 8.0);
  }
  try {
    maker.finish(3.0);
  } catch (const Error&) {
  }
  Window first, second;
  ASSERT_TRUE(maker.pop(first));
  ASSERT_TRUE(maker.pop(second));
  // The first window is scaled by its own (quiet) range: it fills [-1, 1].
  EXPECT_GT(*std::max_element(first.audio.begin(), first.audio.end()), 0.99f);
  // The second by the range so far, which its own loud second sets.
  EXPECT_GT(*std::max_element(second.audio.begin(), second.audio.end()), 0.99f);
}

TEST(WindowMakerPush, RejectsBadFrames) {
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset("tiny");
  WindowMaker maker(o);
  std::vector<uint8_t> rgb(10 * 10 * 3);
  EXPECT_THROW(maker.push_frame(rgb.data(), 10, 10, 20, 0.0), Error);  // stride too small
  EXPECT_THROW(maker.push_frame(rgb.data(), 10, 10, 30, -1.0), Error);
  EXPECT_THROW(maker.push_frame(nullptr, 10, 10, 30, 0.0), Error);
  EXPECT_THROW(maker.push_frame(rgb.data(), 10, 10, 30, NAN), Error);
  EXPECT_THROW(maker.push_frame(rgb.data(), 10, 10, 30, 0.0, 0.0), Error);  // source_scale
  EXPECT_THROW(maker.push_frame(rgb.data(), 10, 10, 30, 0.0, NAN), Error);
}

// A picture scaled down before it was pushed (as the decoder does for very large frames): the
// boxes are given in the source's pixels, the crops are made from the picture as pushed.
TEST(WindowMakerPush, BoxesAreInSourcePixelsWhenThePictureWasScaled) {
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset("tiny");
  o.face.whole_frame = true;  // crop box = the whole picture
  WindowMaker maker(o);
  Scene scene;
  std::vector<float> audio(16000, 0.f);
  maker.push_audio(audio.data(), audio.size());
  for (int i = 0; i < 8; ++i) {
    const auto rgb = scene.frame(i);
    maker.push_frame(rgb.data(), scene.w, scene.h, scene.w * 3, i / 8.0, 2.5);
  }
  maker.finish(1.0);
  Window w;
  ASSERT_TRUE(maker.pop(w));
  ASSERT_EQ(w.boxes.size(), 8u);
  for (const FaceBox& b : w.boxes) {
    EXPECT_FLOAT_EQ(b.x, 0.f);
    EXPECT_FLOAT_EQ(b.w, scene.w * 2.5f);
    EXPECT_FLOAT_EQ(b.h, scene.h * 2.5f);
  }
}

// The window geometry a tracker test needs: its frame rate and a square crop of `side` pixels (the
// reference's crop: 1.4 x the box, 0.2 down).
WindowGeometry crop_geometry(double fps, int side) {
  WindowGeometry g;
  g.fps = fps;
  g.width = g.height = side;
  return g;
}

TEST(FaceTracker, InterpolatesBetweenDetectionsAndSmooths) {
  FaceTrackerOptions opt;
  opt.detect_every = 5;
  int calls = 0;
  // A detector that sees a 40 px box moving 2 px per frame to the right.
  FaceTracker tracker(opt, crop_geometry(30, 32), [&](const PictureView&, const FaceBox*, int) {
    Detection d;
    d.box = {static_cast<float>(10 + 2 * (calls * 5)), 20, 40, 40};
    ++calls;
    return std::vector<Detection>{d};
  });
  auto rgb = grey_picture(200, 100, 100);
  for (int i = 0; i < 40; ++i) tracker.add(i, rgb);
  tracker.finish();
  EXPECT_EQ(calls, 8);  // frames 0, 5, ..., 35
  TrackedFrame t;
  int n = 0;
  while (tracker.pop(t)) {
    EXPECT_EQ(t.index, n);
    EXPECT_TRUE(t.face_found) << n;
    if (n >= 6 && n <= 29) {
      // Interpolated and median-filtered, the centre moves exactly with the face.
      EXPECT_NEAR(t.crop_box.x + t.crop_box.w / 2, 10 + 2 * n + 20, 1e-3) << n;
      EXPECT_NEAR(t.crop_box.w, 40 * 1.4, 1e-3);
      // The reference's crop sits 0.2 box sides below the box's centre.
      EXPECT_NEAR(t.crop_box.y + t.crop_box.h / 2, 20 + 20 + 0.2 * 40, 1e-3) << n;
    }
    ++n;
  }
  EXPECT_EQ(n, 40);
}

TEST(FaceTracker, HeldBoxesAcrossMissesAreNotCountedAsFaces) {
  FaceTrackerOptions opt;
  opt.detect_every = 5;
  int calls = 0;
  // Detections on frames 0 and 5 only, then nothing.
  FaceTracker tracker(opt, crop_geometry(30, 16), [&](const PictureView&, const FaceBox*, int) {
    std::vector<Detection> out;
    if (calls++ < 2) out.push_back(Detection{{50, 20, 40, 40}, 1.0});
    return out;
  });
  auto rgb = grey_picture(200, 100, 100);
  for (int i = 0; i < 60; ++i) tracker.add(i, rgb);
  tracker.finish();
  TrackedFrame t;
  std::vector<bool> found;
  while (tracker.pop(t)) found.push_back(t.face_found);
  ASSERT_EQ(found.size(), 60u);
  for (int i = 0; i <= 5; ++i) EXPECT_TRUE(found[i]) << i;
  for (int i = 6; i < 60; ++i) EXPECT_FALSE(found[i]) << i;
}

TEST(FaceTracker, FramesJustBeforeTheFirstDetectionCountAsFaces) {
  // A small face that the first (unzoomed) search misses and the next keyframe's zoomed search
  // finds: the frames between the two keyframes count as found, the missed keyframe does not, and
  // nothing earlier than one keyframe interval does either (here the face appears at frame 10).
  FaceTrackerOptions opt;
  opt.detect_every = 5;
  std::vector<int> searches;
  FaceTracker tracker(opt, crop_geometry(25, 16), [&](const PictureView&, const FaceBox* near, int s) {
    if (!near) searches.push_back(s);
    std::vector<Detection> out;
    if (searches.size() >= 3 || near) out.push_back(Detection{{50, 20, 40, 40}, 1.0});
    return out;
  });
  auto rgb = grey_picture(200, 100, 100);
  for (int i = 0; i < 25; ++i) tracker.add(i, rgb);
  tracker.finish();
  EXPECT_EQ(searches, (std::vector<int>{0, 1, 2}));  // keyframes 0 and 5 missed, 10 found
  TrackedFrame t;
  std::vector<bool> found;
  while (tracker.pop(t)) found.push_back(t.face_found);
  ASSERT_EQ(found.size(), 25u);
  for (int i = 0; i <= 5; ++i) EXPECT_FALSE(found[i]) << i;
  for (int i = 6; i < 25; ++i) EXPECT_TRUE(found[i]) << i;
}

// Crop boxes of `frames` frames, reading from `first` (indices renumbered from 0, as a reader that
// began there numbers them), with anchors every 8 frames and keyframes at most 5 apart between them.
// The detector's box depends on where it searched: a whole-frame search finds the face at x = 100
// (x = 110 from frame 24 on, the face moved), a search near a box finds it 3 px right of that box,
// as a grid placed by that box would. `whole_frame_misses`: a frame whose whole-frame search finds
// nothing (a face too small for it).
struct AnchoredTrack {
  std::vector<FaceBox> boxes;
  std::vector<std::pair<int, float>> searches;  // (frame, x of the box searched near; -1: whole frame)
};
AnchoredTrack anchored_track(int first, int frames, int whole_frame_misses = -1) {
  FaceTrackerOptions opt;
  opt.detect_every = 5;
  AnchoredTrack out;
  int frame = 0;
  FaceTracker tracker(
      opt, crop_geometry(8, 16),
      [&](const PictureView&, const FaceBox* near, int) {
        out.searches.emplace_back(frame, near ? near->x : -1.f);
        const float x = near ? near->x + 3 : (frame < 24 ? 100.f : 110.f);
        if (!near && frame == whole_frame_misses) return std::vector<Detection>{};
        return std::vector<Detection>{Detection{{x, 20, 40, 40}, 1.0}};
      },
      8);
  auto rgb = grey_picture(300, 100, 100);
  for (frame = first; frame < frames; ++frame) tracker.add(frame - first, rgb);
  tracker.finish();
  TrackedFrame t;
  while (tracker.pop(t)) out.boxes.push_back(t.crop_box);
  return out;
}

TEST(FaceTracker, AnchorsSearchTheWholeFrameAndSpreadKeyframesBetweenThem) {
  // At an anchor (frames 0, 8, 16, 24) the whole frame, then a search near what it found, which
  // gives the box; between anchors, searches near the last box.
  const AnchoredTrack track = anchored_track(0, 32);
  // Keyframes are spread evenly over the 8 frames, at most 5 apart: offsets 0 and 4.
  const std::vector<std::pair<int, float>> expected = {
      {0, -1},  {0, 100},  {4, 103},  {8, -1},  {8, 100},  {12, 103},
      {16, -1}, {16, 100}, {20, 103}, {24, -1}, {24, 110}, {28, 113}};
  EXPECT_EQ(track.searches, expected);
  // Where the whole frame misses a tracked face, the search near the last box (106) stands in.
  const AnchoredTrack missed = anchored_track(0, 20, 8);
  const std::vector<std::pair<int, float>> with_fallback = {{0, -1}, {0, 100},  {4, 103},  {8, -1},
                                                            {8, 106}, {12, 109}, {16, -1}, {16, 100}};
  EXPECT_EQ(missed.searches, with_fallback);
}

TEST(FaceTracker, FromAnAnchorOnTheBoxesDoNotDependOnWhereReadingBegan) {
  const AnchoredTrack from_start = anchored_track(0, 40);
  for (int first : {8, 16, 24}) {
    const AnchoredTrack later = anchored_track(first, 40);
    ASSERT_EQ(later.boxes.size(), static_cast<size_t>(40 - first));
    for (int i = first; i < 40; ++i) {
      EXPECT_FLOAT_EQ(later.boxes[i - first].x, from_start.boxes[i].x) << "from " << first << ", frame " << i;
      EXPECT_FLOAT_EQ(later.boxes[i - first].w, from_start.boxes[i].w) << "from " << first << ", frame " << i;
    }
  }
  // Without anchors the search near the last box carries the start along: read from frame 8, frame
  // 20's box lies 3 px left of the one read from frame 0 (one near search of +3 px fewer).
  FaceTrackerOptions opt;
  opt.detect_every = 8;
  std::vector<float> x_at_20;
  for (int first : {0, 8}) {
    FaceTracker tracker(opt, crop_geometry(8, 16), [](const PictureView&, const FaceBox* near, int) {
      return std::vector<Detection>{Detection{{near ? near->x + 3 : 100.f, 20, 40, 40}, 1.0}};
    });
    auto rgb = grey_picture(300, 100, 100);
    for (int frame = first; frame < 40; ++frame) tracker.add(frame - first, rgb);
    tracker.finish();
    TrackedFrame t;
    while (tracker.pop(t))
      if (t.index + first == 20) x_at_20.push_back(t.crop_box.x);
  }
  ASSERT_EQ(x_at_20.size(), 2u);
  EXPECT_NEAR(x_at_20[0] - x_at_20[1], 3, 1e-3);
}

// The first tracked frame of 20 grey (200) 300 x 200 frames in which the detector always finds `face`.
TrackedFrame first_crop(const WindowGeometry& g, FaceBox face) {
  FaceTrackerOptions opt;
  opt.detect_every = 1;
  FaceTracker tracker(opt, g, [face](const PictureView&, const FaceBox*, int) {
    return std::vector<Detection>{Detection{face, 1.0}};
  });
  auto rgb = grey_picture(300, 200, 200);
  for (int i = 0; i < 20; ++i) tracker.add(i, rgb);
  tracker.finish();
  TrackedFrame t;
  EXPECT_TRUE(tracker.pop(t));
  return t;
}

TEST(FaceTracker, ReferenceCropIsTheLargerSideShiftedDownWithGreyPadding) {
  // A tall 30 x 50 box near the top: the crop is a square of 1.4 x 50 whose centre sits 0.2 x 50
  // below the box's, and the part above the frame is grey (110), as in the reference pipeline.
  TrackedFrame t = first_crop(crop_geometry(30, 70), {100, 0, 30, 50});
  EXPECT_NEAR(t.crop_box.w, 70, 1e-3);
  EXPECT_NEAR(t.crop_box.h, 70, 1e-3);
  EXPECT_NEAR(t.crop_box.x + t.crop_box.w / 2, 115, 1e-3);
  EXPECT_NEAR(t.crop_box.y + t.crop_box.h / 2, 25 + 10, 1e-3);
  EXPECT_EQ(t.crop[0], 200);  // the crop [80, 150) x [0, 70) lies inside the frame
  // A box at the very top-left corner: the crop leaves the frame on two sides.
  t = first_crop(crop_geometry(30, 70), {0, 0, 50, 50});
  // x in [25 - 35, 25 + 35) = [-10, 60), y in [35 - 35, 70): the left 10 px of 70 are padding.
  EXPECT_EQ(t.crop[(35 * 70 + 2) * 3], 110);   // left edge: outside the frame, grey
  EXPECT_EQ(t.crop[(35 * 70 + 40) * 3], 200);  // inside
}

TEST(FaceTracker, TheGeometrysCropScaleAndShiftPlaceTheCrop) {
  // The `mouth` preset: 0.8 x the 50 px box, centred 0.3 x 50 below the box's centre (the lower
  // face), instead of the reference's 1.4 x and 0.2.
  WindowGeometry g = WindowGeometry::preset("mouth");
  TrackedFrame t = first_crop(g, {100, 50, 50, 50});
  EXPECT_NEAR(t.crop_box.w, 40, 1e-3);
  EXPECT_NEAR(t.crop_box.h, 40, 1e-3);
  EXPECT_NEAR(t.crop_box.x + t.crop_box.w / 2, 125, 1e-3);
  EXPECT_NEAR(t.crop_box.y + t.crop_box.h / 2, 75 + 15, 1e-3);
  EXPECT_EQ(t.crop.size(), 64u * 64 * 3);
  // A crop outside the geometry's ranges is refused by name.
  g.crop_scale = 0.3;
  try {
    FaceTracker(FaceTrackerOptions(), g, [](const PictureView&, const FaceBox*, int) { return std::vector<Detection>{}; });
    FAIL() << "crop_scale 0.3 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("crop_scale"), std::string::npos) << e.what();
  }
}

TEST(FaceTracker, WholeFrameSkipsDetectionAndResizesEveryFrame) {
  FaceTrackerOptions opt;
  opt.whole_frame = true;
  int calls = 0;
  FaceTracker tracker(opt, crop_geometry(30, 16), [&](const PictureView&, const FaceBox*, int) {
    ++calls;
    return std::vector<Detection>{};
  });
  std::vector<uint8_t> img(64 * 32 * 3, 0);
  for (int y = 0; y < 32; ++y)
    for (int x = 32; x < 64; ++x)
      for (int c = 0; c < 3; ++c) img[(y * 64 + x) * 3 + c] = 255;  // right half white
  auto rgb = std::make_shared<const Picture>(PictureView::rgb24(img.data(), 64, 32, 64 * 3));
  for (int i = 0; i < 5; ++i) tracker.add(i, rgb);
  tracker.finish();
  EXPECT_EQ(calls, 0);
  TrackedFrame t;
  int n = 0;
  while (tracker.pop(t)) {
    EXPECT_TRUE(t.face_found);
    EXPECT_FLOAT_EQ(t.crop_box.w, 64);
    EXPECT_FLOAT_EQ(t.crop_box.h, 32);
    ASSERT_EQ(t.crop.size(), 16u * 16 * 3);
    EXPECT_EQ(t.crop[(8 * 16 + 1) * 3], 0);     // left: black
    EXPECT_EQ(t.crop[(8 * 16 + 14) * 3], 255);  // right: white
    ++n;
  }
  EXPECT_EQ(n, 5);
}

// Issue 17 item 3: a first frame at 10 000 s was repeated from time 0 (80 000 frozen frames).
TEST(WindowMakerPush, FirstFrameFarFromTheStartIsRefused) {
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset("tiny");
  WindowMaker maker(o);
  Scene scene;
  const auto rgb = scene.frame(0);
  try {
    maker.push_frame(rgb.data(), scene.w, scene.h, scene.w * 3, 10000.0);
    FAIL() << "a first frame at 10000 s was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnreadable);
    EXPECT_NE(std::string(e.what()).find("first video frame"), std::string::npos) << e.what();
  }
}

// Issue 17 item 3: what one stream pushes waits at most a minute for the other. Before, every
// frame (or sample) was kept until the other stream caught up: memory without bound when it never
// does. Shown by what comes out: only the windows of the last minute can still be made.
TEST(WindowMakerPush, OneStreamWaitsForTheOtherAtMostAMinute) {
  const int fps = 8, seconds = 200, rate = 16000;
  Scene scene;
  std::vector<float> second_of_audio(rate, 0.1f);
  for (const bool video_first : {true, false}) {
    WindowMakerOptions o;
    o.geometry = WindowGeometry::preset("tiny");
    WindowMaker maker(o);
    auto push_video = [&] {
      for (int i = 0; i < fps * seconds; ++i) {
        const auto rgb = scene.frame(i);
        maker.push_frame(rgb.data(), scene.w, scene.h, scene.w * 3, i / static_cast<double>(fps));
      }
    };
    auto push_audio = [&] {
      for (int s = 0; s < seconds; ++s) maker.push_audio(second_of_audio.data(), second_of_audio.size());
    };
    if (video_first) push_video(), push_audio();
    else push_audio(), push_video();
    try {
      maker.finish(seconds);
    } catch (const Error&) {  // no real face: kNoFace, the windows are made all the same
    }
    int popped = 0;
    Window w;
    int first_index = -1;
    while (maker.pop(w)) {
      if (first_index < 0) first_index = w.index;
      ++popped;
    }
    const char* order = video_first ? "video first" : "audio first";
    EXPECT_GE(popped, 55) << order;
    EXPECT_LE(popped, 62) << order;
    EXPECT_EQ(first_index + popped, seconds) << order << ": the windows kept are the last ones";
  }
}
