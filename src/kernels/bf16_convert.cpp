#include "kernels/bf16_convert.h"

#include <cstring>

#include "kernels/cpu_features.h"

namespace speecht5::kernels {

void convert_to_bf16(const float* x, int64_t n, uint16_t* out) {
  if (active_isa() == Isa::kAvx512) return convert_to_bf16_avx512(x, n, out);
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, 4);
    // Same formula as float_to_bf16, written branch-free so the compiler vectorises it.
    const uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
    const uint32_t quiet_nan = (bits >> 16) | 0x40u;
    out[i] = static_cast<uint16_t>((bits & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
  }
}

}  // namespace speecht5::kernels
