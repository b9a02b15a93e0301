// Windows made in the test for the trainer tests: a real window's audio and video share one
// random "voice" signal; a fake window's video follows a different one (an AV mismatch).
#pragma once
#include <filesystem>
#include <random>
#include <string>

#include "avlens/train/window_cache.hpp"
#include "avlens/train/window_sample.hpp"

namespace avlens::train::fixtures {

inline WindowSample make_window(const WindowGeometry& g, int label, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  const int samples = g.samples();
  std::vector<float> voice(g.frames), other(g.frames);
  for (auto& v : voice) v = u(rng);
  for (auto& v : other) v = u(rng);
  const auto& face = label ? other : voice;
  WindowSample w;
  w.label = label;
  w.audio.resize(samples);
  for (int s = 0; s < samples; ++s) {
    const int f = static_cast<int>(static_cast<int64_t>(s) * g.frames / samples);
    w.audio[s] = voice[f] * std::sin(0.3f * s) * 0.9f;
  }
  w.crops.resize(static_cast<size_t>(g.frames) * g.height * g.width * 3);
  for (int f = 0; f < g.frames; ++f)
    for (int y = 0; y < g.height; ++y)
      for (int x = 0; x < g.width; ++x) {
        const bool mouth = y > g.height / 2 && std::abs(x - g.width / 2) < g.width / 4;
        const float level = mouth ? 40 + 200 * face[f] : 120 + 20 * u(rng);
        uint8_t* px = &w.crops[((static_cast<size_t>(f) * g.height + y) * g.width + x) * 3];
        px[0] = static_cast<uint8_t>(level);
        px[1] = static_cast<uint8_t>(level * 0.8f);
        px[2] = static_cast<uint8_t>(level * 0.6f);
      }
  return w;
}

// videos x windows_per_video windows, alternating real and fake videos.
inline std::shared_ptr<MemoryWindowSource> make_source(const WindowGeometry& g, int videos, int windows_per_video,
                                                       uint64_t seed) {
  auto source = std::make_shared<MemoryWindowSource>(g);
  for (int v = 0; v < videos; ++v)
    for (int w = 0; w < windows_per_video; ++w)
      source->add("video" + std::to_string(v), make_window(g, v % 2, seed * 1000 + v * 10 + w), w);
  return source;
}

// One video of `windows` fixture windows written to a window cache folder, as `avlens prep` would.
inline void write_cache_video(const std::filesystem::path& cache, const WindowGeometry& g, const std::string& source,
                              int label, int windows, uint64_t seed) {
  std::filesystem::create_directories(cache / "items");
  CacheFileWriter w((cache / "items" / (cache_item_id(source) + ".avw")).string(), g);
  for (int i = 0; i < windows; ++i) {
    WindowSample s = make_window(g, label, seed + i);
    w.add(s.crops, s.audio, s.audio_low, s.audio_high, i);
  }
  w.commit({source, label, source});
}

}  // namespace avlens::train::fixtures
