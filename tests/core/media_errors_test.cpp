// Every bad input gets a typed error naming the file and the reason: no crash, no hang.
#include <gtest/gtest.h>

#include <cstring>

#include "avlens/windows.hpp"
#include "test_clips.hpp"

using namespace avlens;
using namespace avlens::testing;

namespace {

// Opens and reads a clip to the end; returns the error it raised (kOk when none).
Error read_error(const std::string& path, const std::string& preset = "tiny") {
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset(preset);
  try {
    auto reader = ClipWindowReader::open_file(path, o);
    Window w;
    while (reader->next(w)) {
    }
  } catch (const Error& e) {
    return e;
  }
  return Error(ErrorCode::kOk, "");
}

void expect_error(const std::string& path, ErrorCode code, const std::string& reason_part) {
  const Error e = read_error(path);
  EXPECT_EQ(e.code(), code) << path << ": got [" << error_code_name(e.code()) << "] " << e.what();
  const std::string msg = e.what();
  EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
  EXPECT_NE(msg.find(reason_part), std::string::npos) << "message does not give the reason: " << msg;
}

}  // namespace

TEST(MediaErrors, MissingFile) { expect_error("/nonexistent/clip.mp4", ErrorCode::kFileNotFound, "no such file"); }

TEST(MediaErrors, EmptyFile) { expect_error(write_bytes("empty.mp4", {}), ErrorCode::kUnreadable, "empty"); }

TEST(MediaErrors, Directory) { expect_error(temp_dir().string(), ErrorCode::kUnreadable, "directory"); }

TEST(MediaErrors, GarbageBytes) {
  std::vector<uint8_t> junk(50000);
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  expect_error(write_bytes("garbage.mp4", junk), ErrorCode::kUnreadable, "not a readable media file");
}

TEST(MediaErrors, TruncatedContainer) {
  // moov first (faststart), then cut the media data in half.
  const std::string whole = make_clip("faststart.mp4", "-i " + face_clip(3.5, 25) + " -c copy -movflags +faststart");
  std::vector<uint8_t> bytes = read_bytes(whole);
  bytes.resize(bytes.size() / 2);
  expect_error(write_bytes("truncated.mp4", bytes), ErrorCode::kUnreadable, "truncated");
  // Cut before the index (moov at the end): the container cannot be opened at all.
  std::vector<uint8_t> head = read_bytes(face_clip(3.5, 25));
  head.resize(head.size() / 2);
  expect_error(write_bytes("truncated_no_index.mp4", head), ErrorCode::kUnreadable, "not a readable media file");
}

TEST(MediaErrors, NoAudioStream) {
  const std::string path = make_clip("silent.mp4", "-i " + face_clip(3.5, 25) + " -c copy -an");
  expect_error(path, ErrorCode::kNoAudioStream, "no audio stream");
}

TEST(MediaErrors, NoVideoStream) {
  const std::string path = make_clip("audio_only.m4a", "-f lavfi -i sine=frequency=300:duration=2 -c:a aac");
  expect_error(path, ErrorCode::kNoVideoStream, "no video stream");
}

TEST(MediaErrors, CoverArtIsNotAVideo) {
  const std::string path =
      make_clip("cover.mp3", "-f lavfi -i sine=frequency=300:duration=2 -i " + face_image() +
                                 " -map 0:a -map 1:v -c:a mp3 -c:v png -disposition:v attached_pic");
  expect_error(path, ErrorCode::kNoVideoStream, "no video stream");
}

TEST(MediaErrors, UnsupportedCodec) {
  // An AVI whose video FourCC is unknown to FFmpeg.
  const std::string avi = make_clip("mjpeg.avi", "-i " + face_clip(2.2, 25) + " -c:v mjpeg -c:a pcm_s16le");
  std::vector<uint8_t> bytes = read_bytes(avi);
  int patched = 0;
  for (size_t i = 0; i + 4 <= bytes.size() && i < 8192; ++i)
    if (std::memcmp(&bytes[i], "MJPG", 4) == 0) std::memcpy(&bytes[i], "QQQZ", 4), ++patched;
  ASSERT_GE(patched, 1);
  expect_error(write_bytes("unknown_codec.avi", bytes), ErrorCode::kUnsupportedCodec, "not supported");
}

TEST(MediaErrors, ShorterThanOneWindow) {
  const std::string path = face_clip(0.6, 25);
  expect_error(path, ErrorCode::kTooShort, "shorter than one window");
}

TEST(MediaErrors, NoFace) {
  const std::string path = make_clip(
      "testsrc.mp4", "-f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=300 -t 2.2 "
                     "-c:v libx264 -preset ultrafast -c:a aac -pix_fmt yuv420p");
  expect_error(path, ErrorCode::kNoFace, "no face");
}

TEST(MediaErrors, MemoryBufferErrorsNameTheBuffer) {
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset("tiny");
  auto bytes = std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
  try {
    auto reader = ClipWindowReader::open_memory(bytes, "upload.mp4", o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnreadable);
    EXPECT_EQ(std::string(e.what()).rfind("upload.mp4: ", 0), 0u) << e.what();
  }
}

TEST(MediaErrors, BadGeometryIsAnInvalidArgument) {
  WindowMakerOptions o;
  o.geometry.frames = 0;
  try {
    ClipWindowReader::open_file(face_clip(2.2, 25), o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("frames"), std::string::npos);
  }
}
