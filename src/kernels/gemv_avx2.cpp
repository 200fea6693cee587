// AVX2 + FMA kernels over the packed layouts (packed_weights.h), for CPUs without AVX-512.
// One block = 16 outputs = two ymm. bf16 weights are widened to fp32 (a shift / a mask) and
// multiplied with the same bf16-rounded activations the AVX-512 path uses; int8 uses the
// |w|·sign(x, w) trick so vpmaddubsw cannot saturate, giving the same exact integer sums.
// Everything here has internal linkage so no AVX2 code can leak into generic callers.
#include <immintrin.h>

#include <cstring>

#include "kernels/gemv_kernels.h"

namespace speecht5::kernels {
namespace {

constexpr int kMaxRows = 4;

inline int32_t load_i32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline float bf16_value(uint16_t v) {
  const uint32_t bits = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

void store_row(const GemmArgs& a, const PackedWeights& w, int64_t b, int64_t r, __m256 lo,
               __m256 hi) {
  alignas(32) float v[kBlock];
  _mm256_store_ps(v, lo);
  _mm256_store_ps(v + 8, hi);
  float* y = a.y + r * a.ldy;
  for (int64_t j = 0; j < kBlock; ++j) {
    const int64_t o = b * kBlock + j;
    if (o >= w.out) break;
    y[o] = v[j] + (a.bias ? a.bias[o] : 0.0f);
  }
}

template <int R>
constexpr int unroll() {
  return R == 1 ? 4 : R == 2 ? 2 : 1;
}

template <int R>
void tile_f32(const float* wb, int64_t K, const float* x, int64_t ldx, __m256* lo, __m256* hi) {
  constexpr int U = unroll<R>();
  __m256 a0[U][R], a1[U][R];
  for (int u = 0; u < U; ++u)
    for (int r = 0; r < R; ++r) a0[u][r] = a1[u][r] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + U <= K; k += U)
    for (int u = 0; u < U; ++u) {
      const __m256 w0 = _mm256_load_ps(wb + (k + u) * kBlock);
      const __m256 w1 = _mm256_load_ps(wb + (k + u) * kBlock + 8);
      for (int r = 0; r < R; ++r) {
        const __m256 xv = _mm256_broadcast_ss(x + r * ldx + k + u);
        a0[u][r] = _mm256_fmadd_ps(xv, w0, a0[u][r]);
        a1[u][r] = _mm256_fmadd_ps(xv, w1, a1[u][r]);
      }
    }
  for (; k < K; ++k) {
    const __m256 w0 = _mm256_load_ps(wb + k * kBlock), w1 = _mm256_load_ps(wb + k * kBlock + 8);
    for (int r = 0; r < R; ++r) {
      const __m256 xv = _mm256_broadcast_ss(x + r * ldx + k);
      a0[0][r] = _mm256_fmadd_ps(xv, w0, a0[0][r]);
      a1[0][r] = _mm256_fmadd_ps(xv, w1, a1[0][r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    lo[r] = a0[0][r];
    hi[r] = a1[0][r];
    for (int u = 1; u < U; ++u) {
      lo[r] = _mm256_add_ps(lo[r], a0[u][r]);
      hi[r] = _mm256_add_ps(hi[r], a1[u][r]);
    }
  }
}

template <int R>
void tile_bf16(const uint16_t* wb, int64_t P, const uint16_t* x, int64_t ldx, __m256* lo,
               __m256* hi) {
  __m256 a0[R], a1[R];
  for (int r = 0; r < R; ++r) a0[r] = a1[r] = _mm256_setzero_ps();
  const __m256i high_mask = _mm256_set1_epi32(static_cast<int32_t>(0xffff0000u));
  for (int64_t p = 0; p < P; ++p) {
    const __m256i v0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(wb + p * 2 * kBlock));
    const __m256i v1 =
        _mm256_load_si256(reinterpret_cast<const __m256i*>(wb + p * 2 * kBlock + kBlock));
    const __m256 even0 = _mm256_castsi256_ps(_mm256_slli_epi32(v0, 16));
    const __m256 odd0 = _mm256_castsi256_ps(_mm256_and_si256(v0, high_mask));
    const __m256 even1 = _mm256_castsi256_ps(_mm256_slli_epi32(v1, 16));
    const __m256 odd1 = _mm256_castsi256_ps(_mm256_and_si256(v1, high_mask));
    for (int r = 0; r < R; ++r) {
      const __m256 xe = _mm256_set1_ps(bf16_value(x[r * ldx + 2 * p]));
      const __m256 xo = _mm256_set1_ps(bf16_value(x[r * ldx + 2 * p + 1]));
      a0[r] = _mm256_fmadd_ps(xo, odd0, _mm256_fmadd_ps(xe, even0, a0[r]));
      a1[r] = _mm256_fmadd_ps(xo, odd1, _mm256_fmadd_ps(xe, even1, a1[r]));
    }
  }
  for (int r = 0; r < R; ++r) {
    lo[r] = a0[r];
    hi[r] = a1[r];
  }
}

template <int R>
void tile_int8(const int8_t* wb, int64_t Q, const int8_t* x, int64_t ldx, __m256i* lo,
               __m256i* hi) {
  __m256i a0[R], a1[R];
  for (int r = 0; r < R; ++r) a0[r] = a1[r] = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t q = 0; q < Q; ++q) {
    const __m256i v0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(wb + q * 4 * kBlock));
    const __m256i v1 =
        _mm256_load_si256(reinterpret_cast<const __m256i*>(wb + q * 4 * kBlock + 32));
    const __m256i abs0 = _mm256_abs_epi8(v0), abs1 = _mm256_abs_epi8(v1);
    for (int r = 0; r < R; ++r) {
      const __m256i xv = _mm256_set1_epi32(load_i32(x + r * ldx + 4 * q));
      const __m256i p0 = _mm256_maddubs_epi16(abs0, _mm256_sign_epi8(xv, v0));
      const __m256i p1 = _mm256_maddubs_epi16(abs1, _mm256_sign_epi8(xv, v1));
      a0[r] = _mm256_add_epi32(a0[r], _mm256_madd_epi16(p0, ones));
      a1[r] = _mm256_add_epi32(a1[r], _mm256_madd_epi16(p1, ones));
    }
  }
  for (int r = 0; r < R; ++r) {
    lo[r] = a0[r];
    hi[r] = a1[r];
  }
}

template <int R>
struct F32 {
  static void run(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
    __m256 lo[R], hi[R];
    tile_f32<R>(w.data.as<float>() + b * w.k_padded * kBlock, w.in,
                static_cast<const float*>(a.x) + r0 * a.ldx, a.ldx, lo, hi);
    for (int r = 0; r < R; ++r) store_row(a, w, b, r0 + r, lo[r], hi[r]);
  }
};

template <int R>
struct Bf16 {
  static void run(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
    __m256 lo[R], hi[R];
    tile_bf16<R>(w.data.as<uint16_t>() + b * w.k_padded * kBlock, w.k_padded / 2,
                 static_cast<const uint16_t*>(a.x) + r0 * a.ldx, a.ldx, lo, hi);
    for (int r = 0; r < R; ++r) store_row(a, w, b, r0 + r, lo[r], hi[r]);
  }
};

template <int R>
struct Int8 {
  static void run(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
    __m256i lo[R], hi[R];
    tile_int8<R>(w.data.as<int8_t>() + b * w.k_padded * kBlock, w.k_padded / 4,
                 static_cast<const int8_t*>(a.x) + r0 * a.ldx, a.ldx, lo, hi);
    const float* wscale = w.scales.as<float>() + b * kBlock;
    const __m256 s0 = _mm256_loadu_ps(wscale), s1 = _mm256_loadu_ps(wscale + 8);
    for (int r = 0; r < R; ++r) {
      const __m256 xs = _mm256_set1_ps(a.x_scales[r0 + r]);
      store_row(a, w, b, r0 + r, _mm256_mul_ps(_mm256_cvtepi32_ps(lo[r]), _mm256_mul_ps(xs, s0)),
                _mm256_mul_ps(_mm256_cvtepi32_ps(hi[r]), _mm256_mul_ps(xs, s1)));
    }
  }
};

template <template <int> class Rows>
void run_blocks(const PackedWeights& w, const GemmArgs& a) {
  for (int64_t b = a.block_begin; b < a.block_end; ++b) {
    int64_t r = 0;
    for (; r + kMaxRows <= a.rows; r += kMaxRows) Rows<kMaxRows>::run(w, a, b, r);
    switch (a.rows - r) {
      case 3:
        Rows<3>::run(w, a, b, r);
        break;
      case 2:
        Rows<2>::run(w, a, b, r);
        break;
      case 1:
        Rows<1>::run(w, a, b, r);
        break;
      default:
        break;
    }
  }
}

void gemm_f32(const PackedWeights& w, const GemmArgs& a) { run_blocks<F32>(w, a); }
void gemm_bf16(const PackedWeights& w, const GemmArgs& a) { run_blocks<Bf16>(w, a); }
void gemm_int8(const PackedWeights& w, const GemmArgs& a) { run_blocks<Int8>(w, a); }

uint64_t read_stream(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 128 <= bytes; i += 128) {
    a0 = _mm256_xor_si256(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_xor_si256(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    a2 = _mm256_xor_si256(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    a3 = _mm256_xor_si256(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  for (; i + 32 <= bytes; i += 32)
    a0 = _mm256_xor_si256(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
  const __m256i s = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
  return lanes[0] ^ lanes[1] ^ lanes[2] ^ lanes[3];
}

}  // namespace

const KernelTable& avx2_kernels() {
  static const KernelTable table{Isa::kAvx2,  gemm_f32, gemm_bf16, gemm_int8,
                                 read_stream, nullptr,  nullptr};
  return table;
}

}  // namespace speecht5::kernels
