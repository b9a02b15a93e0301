#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

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
  const WindowGeometry mouth = WindowGeometry::from_metadata(WindowGeometry::preset("mouth").to_metadata());
  EXPECT_DOUBLE_EQ(mouth.crop_scale, 0.8);
  EXPECT_DOUBLE_EQ(mouth.crop_shift_down, 0.3);
  EXPECT_EQ(WindowGeometry::preset("mouth").to_metadata().at("crop_scale"), "0.8");
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

namespace {
// The message of the Error that from_metadata throws for `meta` ("" when it throws none).
std::string metadata_error(const std::map<std::string, std::string>& meta) {
  try {
    WindowGeometry::from_metadata(meta);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  return "";
}

std::map<std::string, std::string> paper_with(const std::string& key, const std::string& value) {
  auto meta = WindowGeometry::preset("paper").to_metadata();
  meta[key] = value;
  return meta;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

// The crop travels in the metadata; a model written before it (no crop keys) crops as the reference,
// and a crop outside the ranges is refused naming the key.
TEST(Geometry, TheFaceCropIsTheModelsAndDefaultsToTheReference) {
  auto meta = WindowGeometry::preset("tiny").to_metadata();
  EXPECT_EQ(meta.at("crop_scale"), "1.4");
  EXPECT_EQ(meta.at("crop_shift_down"), "0.2");
  meta.erase("crop_scale");
  meta.erase("crop_shift_down");
  const WindowGeometry old = WindowGeometry::from_metadata(meta);
  EXPECT_DOUBLE_EQ(old.crop_scale, 1.4);
  EXPECT_DOUBLE_EQ(old.crop_shift_down, 0.2);
  EXPECT_TRUE(contains(metadata_error(paper_with("crop_scale", "0.4")), "'crop_scale' = '0.4': outside [0.5, 4]"));
  EXPECT_TRUE(contains(metadata_error(paper_with("crop_shift_down", "-1.5")), "'crop_shift_down' = '-1.5'"));
  EXPECT_EQ(metadata_error(paper_with("crop_shift_down", "-0.1")), "");
  WindowGeometry g = WindowGeometry::preset("mouth");
  g.crop_scale = 5;
  EXPECT_THROW(g.validate(), Error);
  // A model's preset name says its crop too: tiny's window on the lower face is `mouth`.
  EXPECT_EQ(WindowGeometry::preset("mouth").preset_name(), "mouth");
  EXPECT_EQ(old.preset_name(), "tiny");
  g.crop_scale = 1.2;
  EXPECT_EQ(g.preset_name(), "");
}

// Issue 17 item 7: frames=8.9 was truncated to 8 natively (the page refused it), frames=1e10 was cast
// to int with undefined behaviour. An integer key must be written as an integer; the message names
// the key and the value.
TEST(Geometry, IntegerKeysMustBeWrittenAsIntegers) {
  for (const char* key : {"frames", "height", "width", "sample_rate", "samples"}) {
    for (const char* value : {"8.9", "1e10", "8abc", "30.0", " 30", "30 ", "+30", "0x1e", "", "-", "nan", "inf",
                              "99999999999999999999", "-99999999999999999999", "1e400"}) {
      const std::string message = metadata_error(paper_with(key, value));
      EXPECT_TRUE(contains(message, std::string("'") + key + "' = '" + value + "'"))
          << key << "=" << value << ": " << message;
    }
  }
  // Leading zeros are still digits only.
  EXPECT_EQ(metadata_error(paper_with("frames", "030")), "");
}

TEST(Geometry, NumbersMustBeFiniteDecimals) {
  for (const char* key : {"fps", "video_mean", "video_std", "crop_scale", "crop_shift_down"}) {
    for (const char* value : {"nan", "NaN", "inf", "-inf", "1e400", "0x1p3", "0.5x", " 0.5", "", ".", "e5", "1e"}) {
      const std::string message = metadata_error(paper_with(key, value));
      EXPECT_TRUE(contains(message, std::string("'") + key + "' = '" + value + "'"))
          << key << "=" << value << ": " << message;
    }
  }
  // Ordinary decimals are read.
  auto meta = paper_with("fps", "29.97");
  meta.erase("samples");
  EXPECT_DOUBLE_EQ(WindowGeometry::from_metadata(meta).fps, 29.97);
  EXPECT_FLOAT_EQ(WindowGeometry::from_metadata(paper_with("video_mean", "4.5e-1")).video_mean, 0.45f);
  EXPECT_FLOAT_EQ(WindowGeometry::from_metadata(paper_with("video_std", ".25")).video_std, 0.25f);
}

TEST(Geometry, RangesNameTheKeyAndTheValue) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"frames", "1"},         {"frames", "513"},        {"frames", "-5"},       {"height", "15"},
      {"height", "1025"},      {"width", "0"},           {"width", "4096"},      {"fps", "0.5"},
      {"fps", "241"},          {"fps", "-30"},           {"sample_rate", "3999"}, {"sample_rate", "192001"},
      {"video_std", "0"},      {"video_std", "-0.5"},    {"video_std", "1e-9"},  {"video_mean", "1e7"},
      {"video_mean", "-1e300"}};
  for (const auto& [key, value] : bad) {
    auto meta = paper_with(key, value);
    meta.erase("samples");
    const std::string message = metadata_error(meta);
    EXPECT_TRUE(contains(message, key) && contains(message, value) && contains(message, "outside"))
        << key << "=" << value << ": " << message;
  }
  // The same ranges for a geometry built in code (validate names the field and its value).
  WindowGeometry g;
  g.frames = 600;
  try {
    g.validate();
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "frames = 600 is outside [2, 512]")) << e.what();
  }
  g = WindowGeometry();
  g.fps = NAN;
  EXPECT_THROW(g.validate(), Error);
}

// Each field within its range, 512x1024x1024 at 240 fps still asked for 1.5 GB a window (6 GB as
// floats) before the first window: a budget on one window and on crops per second refuses it.
TEST(Geometry, MemoryBudgetRefusesHugeWindows) {
  std::map<std::string, std::string> meta = {{"frames", "512"},     {"height", "1024"}, {"width", "1024"},
                                             {"fps", "240"},        {"sample_rate", "192000"},
                                             {"audio_norm", "none"}};
  std::string message = metadata_error(meta);
  EXPECT_TRUE(contains(message, "512x1024x1024") && contains(message, "64.0 MiB")) << message;
  // A short window at a high rate: the window fits, the crops per second do not.
  meta = {{"frames", "8"}, {"height", "224"}, {"width", "224"}, {"fps", "240"}, {"sample_rate", "48000"}};
  message = metadata_error(meta);
  EXPECT_TRUE(contains(message, "fps = 240") && contains(message, "per second")) << message;
  // The budgets leave the presets ample headroom.
  for (const char* name : {"paper", "small", "tiny"}) {
    const WindowGeometry g = WindowGeometry::preset(name);
    EXPECT_NO_THROW(g.validate()) << name;
    EXPECT_LT(g.window_bytes() * 10, WindowGeometry::kMaxWindowBytes) << name;
    EXPECT_LT(g.fps * g.height * g.width * 3 * 3, WindowGeometry::kMaxCropBytesPerSecond) << name;
  }
  // Larger than the paper's but within both budgets: read.
  meta = {{"frames", "30"}, {"height", "384"}, {"width", "384"}, {"fps", "30"}, {"sample_rate", "48000"}};
  EXPECT_EQ(metadata_error(meta), "");
  meta = {{"frames", "240"}, {"height", "224"}, {"width", "224"}, {"fps", "25"}, {"sample_rate", "48000"}};
  EXPECT_EQ(metadata_error(meta), "");
}
