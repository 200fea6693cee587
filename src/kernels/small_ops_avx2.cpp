// AVX2 + FMA small ops, the same algorithms as small_ops_avx512.cpp on 8 lanes. Internal
// linkage only, so no AVX2 code can leak into generic callers.
#include <immintrin.h>

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

inline float dot(const float* a, const float* b, int64_t d) {
  __m256 acc0 = _mm256_mul_ps(_mm256_loadu_ps(a), _mm256_loadu_ps(b)), acc1 = _mm256_setzero_ps();
  int64_t i = 8;
  for (; i + 16 <= d; i += 16) {
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc1);
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc0);
  }
  if (i < d) acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc1);
  return hsum(_mm256_add_ps(acc0, acc1));
}

void attention_head_simd(const float* q, int64_t q_stride, int64_t tq, const float* k,
                         const float* v, int64_t kv_stride, int64_t tk, int64_t d,
                         const float* score_bias, const float* key_mask, float* probs, float* out,
                         int64_t out_stride) {
  for (int64_t i = 0; i < tq; ++i) {
    const float* qi = q + i * q_stride;
    float* p = probs + i * tk;
    for (int64_t j = 0; j < tk; ++j) {
      float s = dot(qi, k + j * kv_stride, d);
      if (score_bias != nullptr) s += score_bias[i * tk + j];
      if (key_mask != nullptr) s += key_mask[j];
      p[j] = s;
    }
    softmax_row(p, tk);
    float* o = out + i * out_stride;
    for (int64_t c = 0; c < d; c += 64) {
      const int64_t width = d - c < 64 ? d - c : 64;
      const int nv = static_cast<int>(width / 8);
      __m256 acc[8];
      for (int u = 0; u < 8; ++u) acc[u] = _mm256_setzero_ps();
      for (int64_t j = 0; j < tk; ++j) {
        const __m256 w = _mm256_set1_ps(p[j]);
        const float* vj = v + j * kv_stride + c;
        for (int u = 0; u < nv; ++u)
          acc[u] = _mm256_fmadd_ps(w, _mm256_loadu_ps(vj + 8 * u), acc[u]);
      }
      for (int u = 0; u < nv; ++u) _mm256_storeu_ps(o + c + 8 * u, acc[u]);
    }
  }
}

// bf16 → float32 is exact: the bf16 bits are the top half of the float.
inline __m256 load8(const uint16_t* p) {
  const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
}
inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }

template <typename T>
inline void prefetch_row(const void* next, int64_t j, int64_t d) {
  if (next == nullptr) return;
  const char* row = static_cast<const char*>(next) + j * d * static_cast<int64_t>(sizeof(T));
  for (int64_t b = 0; b < d * static_cast<int64_t>(sizeof(T)); b += 64)
    _mm_prefetch(row + b, _MM_HINT_T0);
}

// Same order of operations as attention_head() with tq = 1, so a float32 cache gives the same
// bits through either.
template <typename T>
void one_query(const float* q, const KvHead& kv, int64_t tk, int64_t d, const float* key_mask,
               float* probs, float* out, const KvHead& next) {
  const T* k = static_cast<const T*>(kv.k);
  const T* v = static_cast<const T*>(kv.v);
  for (int64_t j = 0; j < tk; ++j) {
    prefetch_row<T>(next.k, j, d);
    const T* kj = k + j * d;
    __m256 acc0 = _mm256_mul_ps(_mm256_loadu_ps(q), load8(kj)), acc1 = _mm256_setzero_ps();
    int64_t i = 8;
    for (; i + 16 <= d; i += 16) {
      acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load8(kj + i), acc1);
      acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), load8(kj + i + 8), acc0);
    }
    if (i < d) acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load8(kj + i), acc1);
    const float s = hsum(_mm256_add_ps(acc0, acc1));
    probs[j] = key_mask != nullptr ? s + key_mask[j] : s;
  }
  softmax_row(probs, tk);
  for (int64_t c = 0; c < d; c += 64) {
    const int nv = static_cast<int>((d - c < 64 ? d - c : 64) / 8);
    __m256 acc[8];
    for (int u = 0; u < 8; ++u) acc[u] = _mm256_setzero_ps();
    for (int64_t j = 0; j < tk; ++j) {
      if (c == 0) prefetch_row<T>(next.v, j, d);
      const __m256 w = _mm256_set1_ps(probs[j]);
      const T* vj = v + j * d + c;
      for (int u = 0; u < nv; ++u) acc[u] = _mm256_fmadd_ps(w, load8(vj + 8 * u), acc[u]);
    }
    for (int u = 0; u < nv; ++u) _mm256_storeu_ps(out + c + 8 * u, acc[u]);
  }
}

void one_query_any(const float* q, const KvHead& kv, int64_t tk, int64_t d, const float* key_mask,
                   float* probs, float* out, const KvHead& next) {
  if (kv.bf16)
    one_query<uint16_t>(q, kv, tk, d, key_mask, probs, out, next);
  else
    one_query<float>(q, kv, tk, d, key_mask, probs, out, next);
}

void gelu_erf(float* x, int64_t n) {
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  const __m256 inv_sqrt2 = _mm256_set1_ps(0.70710678118654752440f);
  for (int64_t i = 0; i < n; i += 8) {
    const __m256i m = tail_mask(n - i);
    const __m256 v = _mm256_maskload_ps(x + i, m);
    const __m256 e = erf_ps(_mm256_mul_ps(v, inv_sqrt2));
    _mm256_maskstore_ps(x + i, m, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, e)));
  }
}

}  // namespace

const SmallOpsTable& avx2_small_ops() {
  static const SmallOpsTable table{attention_head_simd, 8, softmax_rows_simd, gelu_erf, exp_array,
                                   one_query_any};
  return table;
}

}  // namespace speecht5::kernels
