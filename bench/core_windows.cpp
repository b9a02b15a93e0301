// Decode + face tracking + windows over a whole clip, single-threaded; prints frames/s, the
// real-time factor and the peak RSS.   bench_core_windows CLIP [--preset paper] [--memory]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "avlens/windows.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_core_windows CLIP [--preset NAME] [--memory]\n");
    return 2;
  }
  std::string preset = "paper";
  bool from_memory = false;
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--preset") && i + 1 < argc) preset = argv[++i];
    else if (!std::strcmp(argv[i], "--memory")) from_memory = true;
  }
  avlens::WindowMakerOptions options;
  options.geometry = avlens::WindowGeometry::preset(preset);
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<avlens::ClipWindowReader> reader;
  if (from_memory) {
    std::ifstream in(argv[1], std::ios::binary);
    auto bytes = std::make_shared<const std::vector<uint8_t>>((std::istreambuf_iterator<char>(in)),
                                                              std::istreambuf_iterator<char>());
    reader = avlens::ClipWindowReader::open_memory(bytes, argv[1], options);
  } else {
    reader = avlens::ClipWindowReader::open_file(argv[1], options);
  }
  avlens::Window w;
  int windows = 0;
  while (reader->next(w)) ++windows;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto& r = reader->report();
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  // CPU time as well as wall time: on a shared machine the wall clock includes waiting.
  const double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 + usage.ru_stime.tv_sec +
                     usage.ru_stime.tv_usec * 1e-6;
  std::printf(
      "{\"clip\": \"%s\", \"preset\": \"%s\", \"source\": \"%s\", \"width\": %d, \"height\": %d, "
      "\"clip_seconds\": %.2f, \"frames\": %d, \"windows\": %d, \"frames_without_face\": %d, "
      "\"wall_seconds\": %.3f, \"cpu_seconds\": %.3f, \"frames_per_second\": %.1f, "
      "\"frames_per_cpu_second\": %.1f, \"realtime_factor\": %.2f, \"peak_rss_mb\": %.1f}\n",
      argv[1], preset.c_str(), from_memory ? "memory" : "file", reader->info().width, reader->info().height,
      reader->info().duration, r.frames, windows, r.frames_without_face, seconds, cpu, r.frames / seconds, r.frames / cpu,
      reader->info().duration / seconds, usage.ru_maxrss / 1024.0);
  return 0;
}
