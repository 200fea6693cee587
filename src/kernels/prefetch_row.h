#pragma once
// Software prefetch of one row of a KV-cache head, shared by the portable and the SIMD attention
// kernels (the compiler builtin: prefetcht0 on x86, a no-op where there is none).
#include <cstdint>

namespace speecht5::kernels {

// Prefetches row j (d values of T) of the next head's keys or values; null: nothing to prefetch.
template <typename T>
inline void prefetch_row(const void* next, int64_t j, int64_t d) {
  if (next == nullptr) return;
  const char* row = static_cast<const char*>(next) + j * d * static_cast<int64_t>(sizeof(T));
  for (int64_t b = 0; b < d * static_cast<int64_t>(sizeof(T)); b += 64)
    __builtin_prefetch(row + b, 0, 3);
}

// Prefetches the line holding row j of the next head's int8 scales (`groups` floats per row)
// once per line: every key's row of scales is 8 bytes for SpeechT5's heads.
inline void prefetch_scales(const float* next, int64_t j, int64_t groups) {
  if (next != nullptr && (j * groups) % 16 == 0) __builtin_prefetch(next + j * groups, 0, 3);
}

}  // namespace speecht5::kernels
