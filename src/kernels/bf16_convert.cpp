#include "kernels/bf16_convert.h"

#include <cstring>

#include "kernels/cpu_features.h"

namespace speecht5::kernels {

namespace {

// Same formula as float_to_bf16, written branch-free so the compiler vectorises it.
inline uint16_t to_bf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
  const uint32_t quiet_nan = (bits >> 16) | 0x40u;
  return static_cast<uint16_t>((bits & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
}

}  // namespace

void convert_to_bf16(const float* x, int64_t n, uint16_t* out) {
  if (active_isa() == Isa::kAvx512) return convert_to_bf16_avx512(x, n, out);
  for (int64_t i = 0; i < n; ++i) out[i] = to_bf16(x[i]);
}

void leaky_relu_to_bf16(const float* x, int64_t n, float scale, float slope, uint16_t* out) {
  if (active_isa() == Isa::kAvx512) return leaky_relu_to_bf16_avx512(x, n, scale, slope, out);
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i] * scale;
    out[i] = to_bf16(v > 0.0f ? v : v * slope);
  }
}

}  // namespace speecht5::kernels
