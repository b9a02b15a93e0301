#include <gtest/gtest.h>

#include "avlens/error.hpp"
#include "avlens/geometry.hpp"

using namespace avlens;

TEST(Geometry, PaperPresetIsSpecWindow) {
  const WindowGeometry g = WindowGeometry::preset("paper");
  EXPECT_EQ(g.frames, 30);
  EXPECT_EQ(g.height, 224);
  EXPECT_EQ(g.width, 224);
  EXPECT_EQ(g.samples(), 48000);
  EXPECT_DOUBLE_EQ(g.duration(), 1.0);
  // The reference scales each 1 s window's audio on its own (docs/METHOD.md).
  EXPECT_EQ(g.audio_norm, AudioNorm::kMinMaxWindow);
}

TEST(Geometry, SmallPresetsCoverOneSecond) {
  for (const char* name : {"small", "tiny"}) {
    const WindowGeometry g = WindowGeometry::preset(name);
    EXPECT_DOUBLE_EQ(g.duration(), 1.0) << name;
    EXPECT_EQ(g.samples(), g.sample_rate) << name;
  }
  EXPECT_EQ(WindowGeometry::preset("tiny").frames, 8);
  EXPECT_EQ(WindowGeometry::preset("small").height, 112);
}

TEST(Geometry, UnknownPresetNamesIt) {
  try {
    WindowGeometry::preset("huge");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("huge"), std::string::npos);
  }
}

TEST(Geometry, MetadataRoundTrip) {
  WindowGeometry g = WindowGeometry::preset("small");
  g.video_mean = 0.25f;
  g.audio_norm = AudioNorm::kMinMaxWindow;
  const WindowGeometry back = WindowGeometry::from_metadata(g.to_metadata());
  EXPECT_EQ(back.frames, g.frames);
  EXPECT_EQ(back.height, g.height);
  EXPECT_EQ(back.width, g.width);
  EXPECT_DOUBLE_EQ(back.fps, g.fps);
  EXPECT_EQ(back.sample_rate, g.sample_rate);
  EXPECT_FLOAT_EQ(back.video_mean, 0.25f);
  EXPECT_EQ(back.audio_norm, AudioNorm::kMinMaxWindow);
}

TEST(Geometry, MetadataErrorsNameTheKey) {
  auto meta = WindowGeometry::preset("paper").to_metadata();
  meta.erase("fps");
  try {
    WindowGeometry::from_metadata(meta);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fps"), std::string::npos);
  }
  meta = WindowGeometry::preset("paper").to_metadata();
  meta["samples"] = "47000";
  EXPECT_THROW(WindowGeometry::from_metadata(meta), Error);
  meta = WindowGeometry::preset("paper").to_metadata();
  meta["frames"] = "thirty";
  EXPECT_THROW(WindowGeometry::from_metadata(meta), Error);
  meta = WindowGeometry::preset("paper").to_metadata();
  meta["height"] = "0";
  EXPECT_THROW(WindowGeometry::from_metadata(meta), Error);
}
