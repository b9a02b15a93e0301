// Deterministic randomness for the synthetic data generator. The standard library's
// distributions are implementation-defined (libstdc++ and libc++ give different numbers for the
// same engine state), so the generator uses its own: the same seed gives the same clip on any
// toolchain.
#pragma once
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace avlens::synth {

// SplitMix64 finaliser: a good 64-bit mix, used to derive independent seeds.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A seed for a named sub-stream ("identity", "voice", ...) of a parent seed, so that drawing more
// numbers in one part of a clip never shifts the numbers of another part.
inline uint64_t derive_seed(uint64_t parent, const std::string& stream) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a over the stream name
  for (unsigned char c : stream) h = (h ^ c) * 1099511628211ULL;
  return mix64(parent ^ mix64(h));
}
inline uint64_t derive_seed(uint64_t parent, uint64_t index) { return mix64(parent ^ mix64(index + 0x51ed27ULL)); }

// xoshiro256** with its own uniform/normal helpers.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t s = seed;
    for (auto& w : state_) w = mix64(s += 0x9e3779b97f4a7c15ULL);
  }
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  float uniformf(float lo, float hi) { return static_cast<float>(uniform(lo, hi)); }
  // Uniform integer in [lo, hi] (inclusive).
  int integer(int lo, int hi) {
    const uint64_t span = static_cast<uint64_t>(static_cast<int64_t>(hi) - lo + 1);
    return lo + static_cast<int>(next() % span);
  }
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box-Muller; one value per call keeps the stream simple to reason about).
  double normal() {
    double u1 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<size_t>(integer(0, static_cast<int>(items.size()) - 1))];
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace avlens::synth
