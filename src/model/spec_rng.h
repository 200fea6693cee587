#pragma once
// The integer generator shared by the spec'd random weights (shared/spec/random-weights.md §1)
// and the deterministic prenet dropout (prenet-dropout.md). Everything is u64 mod 2^64, so
// every implementation draws exactly the same bits.
#include <cstdint>
#include <string_view>

namespace speecht5::spec_rng {

inline constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// splitmix64 finalizer.
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Counter-based stream: element i of stream `seed`.
constexpr uint64_t value(uint64_t seed, uint64_t i) { return mix64(seed + (i + 1) * kGolden); }

constexpr uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001B3ull;
  }
  return h;
}

// The top 24 bits as a uniform number in [0, 1) (exact in float32 and double).
constexpr double unit24(uint64_t bits) { return static_cast<double>(bits >> 40) * 0x1p-24; }

}  // namespace speecht5::spec_rng
