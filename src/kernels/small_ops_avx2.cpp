// AVX2 + FMA small ops, the same algorithms as small_ops_avx512.cpp on 8 lanes. Internal
// linkage only, so no AVX2 code can leak into generic callers.
#include <immintrin.h>

#include <cmath>
#include <type_traits>

#include "kernels/prefetch_row.h"
#include "kernels/small_ops.h"

namespace speecht5::kernels {
namespace {

inline __m256i tail_mask(int64_t n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n < 8 ? n : 8)), idx);
}

inline __m256 exp_ps(__m256 x) {
  const __m256 hi = _mm256_set1_ps(88.3762626647949f), lo = _mm256_set1_ps(-87.3365478515625f);
  const __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i bits =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}

inline __m256 erf_ps(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
  const __m256 x2 = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-2.72614225801306e-10f);
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(2.77068142495902e-08f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-2.10102402082508e-06f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-5.69250639462346e-05f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-7.34990630326855e-04f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-2.95459980854025e-03f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-1.60960333262415e-02f));
  p = _mm256_mul_ps(p, x);
  __m256 q = _mm256_set1_ps(-1.45660718464996e-05f);
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-2.13374055278905e-04f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-1.68282697438203e-03f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-7.37332916720468e-03f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-1.42647390514189e-02f));
  return _mm256_div_ps(p, q);
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

void exp_array(const float* x, int64_t n, float* out) {
  for (int64_t i = 0; i < n; i += 8) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(out + i, m, exp_ps(_mm256_maskload_ps(x + i, m)));
  }
}

void softmax_row(float* x, int64_t n) {
  const __m256 neg_inf = _mm256_set1_ps(-__builtin_huge_valf());
  __m256 vmax = neg_inf;
  for (int64_t i = 0; i < n; i += 8) {
    const __m256i m = tail_mask(n - i);
    vmax = _mm256_max_ps(
        vmax, _mm256_blendv_ps(neg_inf, _mm256_maskload_ps(x + i, m), _mm256_castsi256_ps(m)));
  }
  const __m256 max = _mm256_set1_ps(hmax(vmax));
  __m256 vsum = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 8) {
    const __m256i m = tail_mask(n - i);
    const __m256 e = _mm256_and_ps(exp_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), max)),
                                   _mm256_castsi256_ps(m));
    _mm256_maskstore_ps(x + i, m, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  const __m256 inv = _mm256_set1_ps(1.0f / hsum(vsum));
  for (int64_t i = 0; i < n; i += 8) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(x + i, m, _mm256_mul_ps(_mm256_maskload_ps(x + i, m), inv));
  }
}

void softmax_rows_simd(float* x, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) softmax_row(x + r * cols, cols);
}

// bf16 → float32 is exact: the bf16 bits are the top half of the float.
inline __m256 load8(const uint16_t* p) {
  const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
}
inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }

template <typename T>
inline float dot(const float* a, const T* b, int64_t d) {
  __m256 acc0 = _mm256_mul_ps(_mm256_loadu_ps(a), load8(b)), acc1 = _mm256_setzero_ps();
  int64_t i = 8;
  for (; i + 16 <= d; i += 16) {
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), load8(b + i), acc1);
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), load8(b + i + 8), acc0);
  }
  if (i < d) acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), load8(b + i), acc1);
  return hsum(_mm256_add_ps(acc0, acc1));
}

// out[0, d) = Σ_j p[j] · v[j·stride + (0, d)], up to 8 accumulators held across all keys,
// prefetching row j of `next` along.
template <typename T>
void weighted_sum(const float* p, const T* v, int64_t stride, int64_t tk, int64_t d, float* out,
                  const void* next) {
  for (int64_t c = 0; c < d; c += 64) {
    const int nv = static_cast<int>((d - c < 64 ? d - c : 64) / 8);
    __m256 acc[8];
    for (int u = 0; u < 8; ++u) acc[u] = _mm256_setzero_ps();
    for (int64_t j = 0; j < tk; ++j) {
      if (c == 0) prefetch_row<T>(next, j, d);
      const __m256 w = _mm256_set1_ps(p[j]);
      const T* vj = v + j * stride + c;
      for (int u = 0; u < nv; ++u) acc[u] = _mm256_fmadd_ps(w, load8(vj + 8 * u), acc[u]);
    }
    for (int u = 0; u < nv; ++u) _mm256_storeu_ps(out + c + 8 * u, acc[u]);
  }
}

inline __m256 load8(const int8_t* p) {
  return _mm256_cvtepi32_ps(
      _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

// Σ_g scales[g] · (a · b over group g), each group of 32 in four vectors.
inline float dot_int8(const float* a, const int8_t* b, const float* scales, int64_t d) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t g = 0; g < d; g += kKvInt8Group) {
    __m256 t0 = _mm256_mul_ps(_mm256_loadu_ps(a + g), load8(b + g));
    __m256 t1 = _mm256_mul_ps(_mm256_loadu_ps(a + g + 8), load8(b + g + 8));
    t0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + g + 16), load8(b + g + 16), t0);
    t1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + g + 24), load8(b + g + 24), t1);
    acc = _mm256_fmadd_ps(_mm256_add_ps(t0, t1), _mm256_set1_ps(scales[g / kKvInt8Group]), acc);
  }
  return hsum(acc);
}

// probs[j] = q · row j (+ key_mask[j]) over int8 rows, prefetching the next head's keys.
inline void scores_int8(const float* q, const int8_t* k, const float* scales, int64_t tk, int64_t d,
                        const float* key_mask, float* probs, const KvHead& next) {
  const int64_t groups = d / kKvInt8Group;
  for (int64_t j = 0; j < tk; ++j) {
    prefetch_row<int8_t>(next.k, j, d);
    prefetch_scales(next.k_scales, j, groups);
    const float s = dot_int8(q, k + j * d, scales + j * groups, d);
    probs[j] = key_mask != nullptr ? s + key_mask[j] : s;
  }
}

// One key at a time here (small_ops_attention.inc scores the rest of a bf16 head).
inline int64_t scores_bf16(const float*, const uint16_t*, int64_t, int64_t, const float*, float*,
                           const KvHead&) {
  return 0;
}

// Float vectors for small_ops_attention.inc and small_ops_norm.inc.
using Floats = __m256;
constexpr int64_t kFloatLanes = 8;
inline Floats floats_set1(float v) { return _mm256_set1_ps(v); }
inline Floats floats_load(const float* p) { return _mm256_loadu_ps(p); }
inline void floats_store(float* p, Floats v) { _mm256_storeu_ps(p, v); }
inline Floats floats_add(Floats a, Floats b) { return _mm256_add_ps(a, b); }
inline Floats floats_sub(Floats a, Floats b) { return _mm256_sub_ps(a, b); }
inline Floats floats_mul(Floats a, Floats b) { return _mm256_mul_ps(a, b); }
inline Floats floats_fmadd(Floats a, Floats b, Floats c) { return _mm256_fmadd_ps(a, b, c); }
inline Floats floats_from_int8(const int8_t* p) { return load8(p); }

#include "kernels/small_ops_attention.inc"

// Helpers of small_ops_norm.inc: eight doubles in two ymm (lanes 0–3 and 4–7); the floats are
// above.
struct Doubles8 {
  __m256d lo, hi;
};
inline Doubles8 doubles8_zero() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
inline Doubles8 doubles8_set1(double v) { return {_mm256_set1_pd(v), _mm256_set1_pd(v)}; }
inline Doubles8 doubles8_from_floats(const float* p) {
  return {_mm256_cvtps_pd(_mm_loadu_ps(p)), _mm256_cvtps_pd(_mm_loadu_ps(p + 4))};
}
inline Doubles8 doubles8_add(Doubles8 a, Doubles8 b) {
  return {_mm256_add_pd(a.lo, b.lo), _mm256_add_pd(a.hi, b.hi)};
}
inline Doubles8 doubles8_sub(Doubles8 a, Doubles8 b) {
  return {_mm256_sub_pd(a.lo, b.lo), _mm256_sub_pd(a.hi, b.hi)};
}
inline Doubles8 doubles8_mul(Doubles8 a, Doubles8 b) {
  return {_mm256_mul_pd(a.lo, b.lo), _mm256_mul_pd(a.hi, b.hi)};
}
inline void doubles8_store(Doubles8 v, double* out) {
  _mm256_storeu_pd(out, v.lo);
  _mm256_storeu_pd(out + 4, v.hi);
}

#include "kernels/small_ops_norm.inc"

inline void gelu_erf_row(float* x, int64_t n) {
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  const __m256 inv_sqrt2 = _mm256_set1_ps(0.70710678118654752440f);
  for (int64_t i = 0; i < n; i += 8) {
    const __m256i m = tail_mask(n - i);
    const __m256 v = _mm256_maskload_ps(x + i, m);
    const __m256 e = erf_ps(_mm256_mul_ps(v, inv_sqrt2));
    _mm256_maskstore_ps(x + i, m, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, e)));
  }
}

void gelu_erf_rows(float* x, int64_t rows, int64_t cols, int64_t ld) {
  for (int64_t r = 0; r < rows; ++r) gelu_erf_row(x + r * ld, cols);
}

}  // namespace

const SmallOpsTable& avx2_small_ops() {
  static const SmallOpsTable table{attention_head_simd, 8,         softmax_rows_simd,
                                   gelu_erf_rows,       exp_array, one_query_any,
                                   layer_norm_rows_simd};
  return table;
}

}  // namespace speecht5::kernels
