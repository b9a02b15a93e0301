// libFuzzer target over the dataset readers of `avlens prep` and `avlens train` (issue 17 item 14):
// a CSV list (path,label[,group,kind]), FakeAVCeleb's meta_data.csv and DFDC's metadata.json, from
// bytes written to a file, as the readers take a path. Any bytes must give a list of videos or a
// typed avlens::Error, never a crash, a hang or another exception. The readers are plain C++
// (native/train/src/datasets.cpp needs no LibTorch), so this target builds them on their own.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "avlens/error.hpp"
#include "avlens/train/datasets.hpp"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("avlens-dataset-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d / "dfdc_train_part_0");
    return d;
  }();
  // The first byte picks the reader; the rest is the file.
  const uint8_t which = size ? data[0] % 3 : 0;
  const fs::path file = which == 0   ? dir / "list.csv"
                        : which == 1 ? dir / "meta_data.csv"
                                     : dir / "dfdc_train_part_0" / "metadata.json";
  if (std::FILE* f = std::fopen(file.c_str(), "wb")) {
    if (size > 1) std::fwrite(data + 1, 1, size - 1, f);
    std::fclose(f);
  }
  try {
    const std::string spec = which == 0 ? "csv:" + file.string() : which == 1 ? "fakeavceleb:" + dir.string()
                                                                              : "dfdc:" + dir.string();
    const auto items = avlens::train::read_dataset(spec);
    for (const auto& item : items)
      if (item.label != 0 && item.label != 1) __builtin_trap();  // a label is real or fake
  } catch (const avlens::Error&) {
  }
  fs::remove(file);
  return 0;
}
