// Test clips made on the fly with Debian's ffmpeg CLI (lavfi sources, the public-domain astronaut
// photo from tests/data), cached per test process in a temporary folder.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace avlens::testing {

inline std::filesystem::path temp_dir() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "avlens-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return std::filesystem::path(pattern);
  }();
  return dir;
}

inline std::string face_image() { return std::string(AVLENS_TEST_DATA_DIR) + "/astronaut.png"; }

inline void run(const std::string& command) {
  const std::string quiet = command + " >/dev/null 2>&1";
  if (std::system(quiet.c_str()) != 0) throw std::runtime_error("command failed: " + command);
}

// Runs `ffmpeg -y ARGS OUT` once per distinct name and returns the path.
inline std::string make_clip(const std::string& name, const std::string& ffmpeg_args) {
  const auto path = temp_dir() / name;
  if (!std::filesystem::exists(path))
    run("ffmpeg -nostdin -v error -y " + ffmpeg_args + " -threads 1 '" + path.string() + "'");
  return path.string();
}

// The astronaut photo (640x480 crop of it) placed at x = 80 + x_offset on an 800x480 gray frame,
// a 440 Hz tone, H.264 + AAC. The face centre is then near (kFaceCenterX + x_offset, kFaceCenterY).
inline std::string face_clip(double seconds = 3.5, int fps = 25, int x_offset = 0, const std::string& tag = "") {
  const std::string name = "face_" + std::to_string(seconds) + "_" + std::to_string(fps) + "_" +
                           std::to_string(x_offset) + tag + ".mp4";
  return make_clip(name,
                   "-loop 1 -i " + face_image() +
                       " -f lavfi -i sine=frequency=440:sample_rate=44100 -filter_complex "
                       "\"[0:v]scale=640:640,crop=640:480:0:0,pad=800:480:" + std::to_string(80 + x_offset) +
                       ":0:color=gray,format=yuv420p[v]\" -map [v] -map 1:a -t " + std::to_string(seconds) +
                       " -r " + std::to_string(fps) + " -c:v libx264 -preset ultrafast -c:a aac -shortest");
}

// Where the face is in face_clip(x_offset = 0): the centre of dlib's box on the still photo,
// measured once by eye on the contact sheet (the nose tip sits there).
constexpr double kFaceCenterX = 80 + 279, kFaceCenterY = 155;

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::string write_bytes(const std::string& name, const std::vector<uint8_t>& bytes) {
  const auto path = temp_dir() / name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

}  // namespace avlens::testing
