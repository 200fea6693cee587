#pragma once
// Software prefetch of one row of a KV-cache head (baseline x86 instruction, any ISA file).
#include <xmmintrin.h>

#include <cstdint>

namespace speecht5::kernels {

// Prefetches row j (d values of T) of the next head's keys or values; null: nothing to prefetch.
template <typename T>
inline void prefetch_row(const void* next, int64_t j, int64_t d) {
  if (next == nullptr) return;
  const char* row = static_cast<const char*>(next) + j * d * static_cast<int64_t>(sizeof(T));
  for (int64_t b = 0; b < d * static_cast<int64_t>(sizeof(T)); b += 64)
    _mm_prefetch(row + b, _MM_HINT_T0);
}

}  // namespace speecht5::kernels
