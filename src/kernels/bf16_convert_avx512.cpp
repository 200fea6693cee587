// AVX-512 float32 → bfloat16 with integer rounding (not vcvtneps2bf16, which flushes denormals
// to zero), so every ISA gives the same bits.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/bf16_convert.h"

namespace speecht5::kernels {

namespace {

// 16 floats → 16 bf16, round to nearest even, NaN → quiet NaN (float_to_bf16's formula).
inline __m256i to_bf16(__m512 v) {
  const __m512i bits = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  __m512i r = _mm512_srli_epi32(
      _mm512_add_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(0x7fff)), lsb), 16);
  const __mmask16 nan = _mm512_cmpgt_epu32_mask(
      _mm512_and_si512(bits, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
  r = _mm512_mask_or_epi32(r, nan, _mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
  return _mm512_cvtepi32_epi16(r);
}

// out[i] = to_bf16(f(x[i])) for a vector function f, with a masked tail.
template <typename F>
inline void map_to_bf16(const float* x, int64_t n, uint16_t* out, F f) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), to_bf16(f(_mm512_loadu_ps(x + i))));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm256_mask_storeu_epi16(out + i, m, to_bf16(f(_mm512_maskz_loadu_ps(m, x + i))));
  }
}

}  // namespace

void convert_to_bf16_avx512(const float* x, int64_t n, uint16_t* out) {
  map_to_bf16(x, n, out, [](__m512 v) { return v; });
}

void leaky_relu_to_bf16_avx512(const float* x, int64_t n, float scale, float slope, uint16_t* out) {
  const __m512 s = _mm512_set1_ps(scale), a = _mm512_set1_ps(slope), zero = _mm512_setzero_ps();
  // v > 0 ? v : v·slope, as the portable loop computes it.
  map_to_bf16(x, n, out, [&](__m512 v) {
    v = _mm512_mul_ps(v, s);
    const __mmask16 positive = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
    return _mm512_mask_mov_ps(_mm512_mul_ps(v, a), positive, v);
  });
}

}  // namespace speecht5::kernels
