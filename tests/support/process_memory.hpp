// Address space this test program has mapped (/proc/self/status VmSize), for limits on children
// that are this same program or start from it: they map what it maps, then what they allocate.
#pragma once
#include <cstddef>
#include <fstream>
#include <string>

namespace avlens::testing {

inline size_t mapped_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
  return 0;
}

}  // namespace avlens::testing
