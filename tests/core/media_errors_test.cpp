// Every bad input gets a typed error naming the file and the reason: no crash, no hang.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

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

namespace {

// A clip's bytes read at offsets, as the browser reads a File: at most `largest_read` bytes a read,
// and every read from `fail_from` on fails, as a File deleted or changed while it is read does.
class SlicedInput final : public MediaInput {
 public:
  SlicedInput(const std::string& path, size_t largest_read, int64_t fail_from)
      : largest_read_(largest_read), fail_from_(fail_from) {
    std::ifstream in(path, std::ios::binary);
    bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  int64_t size() const override { return static_cast<int64_t>(bytes_.size()); }
  int64_t read_at(int64_t offset, uint8_t* out, size_t count) override {
    const size_t n = std::min({count, largest_read_, bytes_.size() - static_cast<size_t>(offset)});
    if (offset + static_cast<int64_t>(n) > fail_from_) return -1;
    std::memcpy(out, bytes_.data() + offset, n);
    return static_cast<int64_t>(n);
  }
  std::string failure() const override { return "the device was unplugged"; }

 private:
  std::vector<uint8_t> bytes_;
  size_t largest_read_;
  int64_t fail_from_;
};

}  // namespace

// The browser's path (a File read slice by slice through ClipWindowReader::open_input) gives the
// windows of the file read by FFmpeg's file protocol, crops and audio byte for byte.
TEST(MediaErrors, SlicedInputGivesTheWindowsOfTheFile) {
  const std::string path = face_clip(2.2, 25);
  WindowMakerOptions o;
  o.geometry = WindowGeometry::preset("tiny");
  auto file = ClipWindowReader::open_file(path, o);
  auto sliced = ClipWindowReader::open_input(std::make_shared<SlicedInput>(path, 1000, INT64_MAX), "clip.mp4", o);
  Window a, b;
  int windows = 0;
  while (file->next(a)) {
    ASSERT_TRUE(sliced->next(b)) << "window " << windows;
    EXPECT_EQ(a.start_time, b.start_time);
    EXPECT_EQ(a.crops, b.crops) << "window " << windows;
    EXPECT_EQ(a.audio, b.audio) << "window " << windows;
    ++windows;
  }
  EXPECT_FALSE(sliced->next(b));
  EXPECT_GE(windows, 2);
}

// A read that fails is an unreadable clip that says where and why, whether it fails while the clip
// is opened (an MP4 whose index is at the end is read there first) or while its media is decoded.
TEST(MediaErrors, InputThatFailsIsUnreadableWithItsReason) {
  const std::string moov_at_end = face_clip(2.2, 25);
  const std::string faststart = make_clip("face_2.2_faststart.mp4", "-i '" + moov_at_end + "' -c copy -movflags +faststart");
  int failed_while_decoding = 0;
  for (const std::string& path : {moov_at_end, faststart}) {
    const int64_t size = SlicedInput(path, 1, INT64_MAX).size();
    for (const int64_t fail_from : {int64_t{100}, size / 2, size - 10}) {
      WindowMakerOptions o;
      o.geometry = WindowGeometry::preset("tiny");
      bool opened = false;
      try {
        auto reader = ClipWindowReader::open_input(std::make_shared<SlicedInput>(path, 4096, fail_from), "gone.mp4", o);
        opened = true;
        Window w;
        while (reader->next(w)) {
        }
        FAIL() << path << ": read to the end with reads failing from byte " << fail_from;
      } catch (const Error& e) {
        failed_while_decoding += opened;
        EXPECT_EQ(e.code(), ErrorCode::kUnreadable) << e.what();
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind("gone.mp4: could not be read at byte ", 0), 0u) << msg;
        EXPECT_NE(msg.find("(the device was unplugged): was the file changed or removed while it was read?"), std::string::npos) << msg;
      }
    }
  }
  EXPECT_GE(failed_while_decoding, 2);  // the faststart clip, failing half-way and at the end
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
