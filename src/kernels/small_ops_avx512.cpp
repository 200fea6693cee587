// AVX-512 small ops: single-pass attention rows, softmax with a vector exp, GELU with a rational
// erf. Internal linkage only, so no AVX-512 code can leak into generic callers.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cmath>
#include <type_traits>

#include "kernels/prefetch_row.h"
#include "kernels/small_ops.h"

namespace speecht5::kernels {
namespace {

// exp(x) for float: Cody-Waite reduction x = n·ln2 + r, degree-6 polynomial on r (Cephes
// expf coefficients), 2^n by vscalefps. Inputs below -87.33 give exactly 0 (as expf does for
// the masked scores, which are ≈ -3.4e38).
inline __m512 exp_ps(__m512 x) {
  const __m512 hi = _mm512_set1_ps(88.3762626647949f), lo = _mm512_set1_ps(-87.3365478515625f);
  const __mmask16 underflow = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
  x = _mm512_min_ps(_mm512_max_ps(x, lo), hi);
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_maskz_mov_ps(static_cast<__mmask16>(~underflow), _mm512_scalef_ps(p, n));
}

// erf(x) = x·P(x²)/Q(x²) on [-4, 4] (±1 beyond in float), Eigen's coefficients.
inline __m512 erf_ps(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-4.0f)), _mm512_set1_ps(4.0f));
  const __m512 x2 = _mm512_mul_ps(x, x);
  __m512 p = _mm512_set1_ps(-2.72614225801306e-10f);
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(2.77068142495902e-08f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-2.10102402082508e-06f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-5.69250639462346e-05f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-7.34990630326855e-04f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-2.95459980854025e-03f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-1.60960333262415e-02f));
  p = _mm512_mul_ps(p, x);
  __m512 q = _mm512_set1_ps(-1.45660718464996e-05f);
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-2.13374055278905e-04f));
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-1.68282697438203e-03f));
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-7.37332916720468e-03f));
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-1.42647390514189e-02f));
  return _mm512_div_ps(p, q);
}

inline __mmask16 tail_mask(int64_t n) {
  return n >= 16 ? 0xffff : static_cast<__mmask16>((1u << n) - 1);
}

void exp_array(const float* x, int64_t n, float* out) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(out + i, m, exp_ps(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

void softmax_row(float* x, int64_t n) {
  __m512 vmax = _mm512_set1_ps(-__builtin_huge_valf());
  for (int64_t i = 0; i < n; i += 16)
    vmax = _mm512_mask_max_ps(vmax, tail_mask(n - i), vmax,
                              _mm512_maskz_loadu_ps(tail_mask(n - i), x + i));
  const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
  __m512 vsum = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 e = exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), max));
    _mm512_mask_storeu_ps(x + i, m, e);
    vsum = _mm512_add_ps(vsum, _mm512_maskz_mov_ps(m, e));
  }
  const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv));
  }
}

void softmax_rows_simd(float* x, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) softmax_row(x + r * cols, cols);
}

// bf16 → float32 is exact: the bf16 bits are the top half of the float.
inline __m512 load16(const uint16_t* p) {
  const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}
inline __m512 load16(const float* p) { return _mm512_loadu_ps(p); }

// The 16 lanes whose sum is a · b.
template <typename T>
inline __m512 partial_dot(const float* a, const T* b, int64_t d) {
  __m512 acc = _mm512_mul_ps(_mm512_loadu_ps(a), load16(b));
  for (int64_t i = 16; i < d; i += 16)
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), load16(b + i), acc);
  return acc;
}

template <typename T>
inline float dot(const float* a, const T* b, int64_t d) {
  return _mm512_reduce_add_ps(partial_dot(a, b, d));
}

// out[0, d) = Σ_j p[j] · v[j·stride + (0, d)], up to 4 accumulators held across all keys,
// prefetching row j of `next` along.
template <typename T>
void weighted_sum(const float* p, const T* v, int64_t stride, int64_t tk, int64_t d, float* out,
                  const void* next) {
  for (int64_t c = 0; c < d; c += 64) {
    const int nv = static_cast<int>((d - c < 64 ? d - c : 64) / 16);
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                     _mm512_setzero_ps()};
    for (int64_t j = 0; j < tk; ++j) {
      if (c == 0) prefetch_row<T>(next, j, d);
      const __m512 w = _mm512_set1_ps(p[j]);
      const T* vj = v + j * stride + c;
      for (int u = 0; u < nv; ++u) acc[u] = _mm512_fmadd_ps(w, load16(vj + 16 * u), acc[u]);
    }
    for (int u = 0; u < nv; ++u) _mm512_storeu_ps(out + c + 16 * u, acc[u]);
  }
}

inline __m512 load16(const int8_t* p) {
  return _mm512_cvtepi32_ps(
      _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}

// The 16 lanes whose sum is Σ_g scales[g] · (a · b over group g), each group of 32 in two
// vectors.
inline __m512 partial_dot_int8(const float* a, const int8_t* b, const float* scales, int64_t d) {
  __m512 acc = _mm512_setzero_ps();
  for (int64_t g = 0; g < d; g += kKvInt8Group) {
    __m512 t = _mm512_mul_ps(_mm512_loadu_ps(a + g), load16(b + g));
    t = _mm512_fmadd_ps(_mm512_loadu_ps(a + g + 16), load16(b + g + 16), t);
    acc = _mm512_fmadd_ps(t, _mm512_set1_ps(scales[g / kKvInt8Group]), acc);
  }
  return acc;
}

// Lane i of the result is the sum of the 16 lanes of t[i]: one transposed sum (46 shuffles and
// adds) instead of a horizontal sum per key.
inline __m512 sum_each16(const __m512 (&t)[16]) {
  __m512 v[8], w[4], z[2];
  for (int i = 0; i < 8; ++i)  // lanes 0-7: 8 partial sums of key 2i, 8-15: of key 2i+1
    v[i] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_f32x4(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  for (int i = 0; i < 4; ++i)  // 128-bit quarter L: 4 partial sums of key 4i + L
    w[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  for (int i = 0; i < 2; ++i)  // quarter L: 2 partial sums of key 8i + L, then of 8i + 4 + L
    z[i] = _mm512_add_ps(_mm512_shuffle_ps(w[2 * i], w[2 * i + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_ps(w[2 * i], w[2 * i + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  // Quarter L: the sums of keys L, L + 4, L + 8, L + 12; lane 4L + p holds key L + 4p.
  const __m512 r = _mm512_add_ps(_mm512_shuffle_ps(z[0], z[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm512_shuffle_ps(z[0], z[1], _MM_SHUFFLE(3, 1, 3, 1)));
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_ps(order, r);
}

// probs[j] = q · row j (+ key_mask[j]) over int8 rows, 16 keys at a time, prefetching the next
// head's keys.
inline void scores_int8(const float* q, const int8_t* k, const float* scales, int64_t tk, int64_t d,
                        const float* key_mask, float* probs, const KvHead& next) {
  const int64_t groups = d / kKvInt8Group;
  int64_t j = 0;
  for (; j + 16 <= tk; j += 16) {
    __m512 t[16];
    for (int u = 0; u < 16; ++u) {
      prefetch_row<int8_t>(next.k, j + u, d);
      prefetch_scales(next.k_scales, j + u, groups);
      t[u] = partial_dot_int8(q, k + (j + u) * d, scales + (j + u) * groups, d);
    }
    __m512 s = sum_each16(t);
    if (key_mask != nullptr) s = _mm512_add_ps(s, _mm512_loadu_ps(key_mask + j));
    _mm512_storeu_ps(probs + j, s);
  }
  for (; j < tk; ++j) {
    prefetch_row<int8_t>(next.k, j, d);
    prefetch_scales(next.k_scales, j, groups);
    const float s = _mm512_reduce_add_ps(partial_dot_int8(q, k + j * d, scales + j * groups, d));
    probs[j] = key_mask != nullptr ? s + key_mask[j] : s;
  }
}

// The scores of a bf16 head 16 keys at a time (one transposed sum instead of a horizontal sum
// per key); returns how many keys it scored (the rest go one by one).
inline int64_t scores_bf16(const float* q, const uint16_t* k, int64_t tk, int64_t d,
                           const float* key_mask, float* probs, const KvHead& next) {
  int64_t j = 0;
  for (; j + 16 <= tk; j += 16) {
    __m512 t[16];
    for (int u = 0; u < 16; ++u) {
      prefetch_row<uint16_t>(next.k, j + u, d);
      t[u] = partial_dot(q, k + (j + u) * d, d);
    }
    __m512 s = sum_each16(t);
    if (key_mask != nullptr) s = _mm512_add_ps(s, _mm512_loadu_ps(key_mask + j));
    _mm512_storeu_ps(probs + j, s);
  }
  return j;
}

// Float vectors for small_ops_attention.inc and small_ops_norm.inc.
using Floats = __m512;
constexpr int64_t kFloatLanes = 16;
inline Floats floats_set1(float v) { return _mm512_set1_ps(v); }
inline Floats floats_load(const float* p) { return _mm512_loadu_ps(p); }
inline void floats_store(float* p, Floats v) { _mm512_storeu_ps(p, v); }
inline Floats floats_add(Floats a, Floats b) { return _mm512_add_ps(a, b); }
inline Floats floats_sub(Floats a, Floats b) { return _mm512_sub_ps(a, b); }
inline Floats floats_mul(Floats a, Floats b) { return _mm512_mul_ps(a, b); }
inline Floats floats_fmadd(Floats a, Floats b, Floats c) { return _mm512_fmadd_ps(a, b, c); }
inline Floats floats_from_int8(const int8_t* p) { return load16(p); }

#include "kernels/small_ops_attention.inc"

// Helpers of small_ops_norm.inc: eight doubles in one zmm (the floats are above).
using Doubles8 = __m512d;
inline Doubles8 doubles8_zero() { return _mm512_setzero_pd(); }
inline Doubles8 doubles8_set1(double v) { return _mm512_set1_pd(v); }
inline Doubles8 doubles8_from_floats(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
inline Doubles8 doubles8_add(Doubles8 a, Doubles8 b) { return _mm512_add_pd(a, b); }
inline Doubles8 doubles8_sub(Doubles8 a, Doubles8 b) { return _mm512_sub_pd(a, b); }
inline Doubles8 doubles8_mul(Doubles8 a, Doubles8 b) { return _mm512_mul_pd(a, b); }
inline void doubles8_store(Doubles8 v, double* out) { _mm512_storeu_pd(out, v); }

#include "kernels/small_ops_norm.inc"

inline void gelu_erf_row(float* x, int64_t n) {
  const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
  const __m512 inv_sqrt2 = _mm512_set1_ps(0.70710678118654752440f);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    const __m512 e = erf_ps(_mm512_mul_ps(v, inv_sqrt2));
    _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_add_ps(one, e)));
  }
}

void gelu_erf_rows(float* x, int64_t rows, int64_t cols, int64_t ld) {
  for (int64_t r = 0; r < rows; ++r) gelu_erf_row(x + r * ld, cols);
}

}  // namespace

const SmallOpsTable& avx512_small_ops() {
  static const SmallOpsTable table{attention_head_simd, 16,        softmax_rows_simd,
                                   gelu_erf_rows,       exp_array, one_query_any,
                                   layer_norm_rows_simd};
  return table;
}

}  // namespace speecht5::kernels
