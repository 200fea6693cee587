// AVX-512 kernels (F/BW/VL + BF16 + VNNI) over the packed layouts (packed_weights.h).
// One block = 16 outputs = one zmm. Up to 8 input rows share each weight load, so batched
// decoding streams the weights once per step. The memory-bound one-block GEMV has no software
// prefetch (it measured slower than the hardware prefetcher on the sequential stream); the
// compute-bound two-block tiles of batched decoding do prefetch (see prefetch_next_pair).
// Everything here has internal linkage so no AVX-512 code can leak into generic callers.
// GCC 12 warns about the deliberately undefined vectors inside its own AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstring>

#include "kernels/gemv_kernels.h"

namespace speecht5::kernels {
namespace {

constexpr int kMaxRows = 8;

// Broadcast 4 bytes of x from memory (vbroadcastss m32): a broadcast from a general register
// (vpbroadcastd zmm, r32) limited the 8-row tiles to a quarter of the dot-product throughput.
inline __m512i broadcast_u32(const void* p) {
  float f;
  std::memcpy(&f, p, 4);
  return _mm512_castps_si512(_mm512_set1_ps(f));
}

// vpdpbusd through inline asm: GCC 12 allocates the destination of _mm512_dpbusd_epi32 only
// from zmm0–15, so the 16 accumulators of an 8-row pair tile were copied in from zmm16–31 and
// back out again in every iteration (2–3 register moves per dot product, some via the stack).
inline __m512i dpbusd(__m512i acc, __m512i unsigned_bytes, __m512i signed_bytes) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(unsigned_bytes), "v"(signed_bytes));
  return acc;
}

inline __mmask16 block_mask(const PackedWeights& w, int64_t b) {
  const int64_t valid = w.out - b * kBlock;
  return valid >= kBlock ? static_cast<__mmask16>(0xffff)
                         : static_cast<__mmask16>((1u << valid) - 1);
}

inline void store_row(const GemmArgs& a, const PackedWeights& w, int64_t b, int64_t r, __m512 v) {
  const __mmask16 m = block_mask(w, b);
  if (a.bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, a.bias + b * kBlock));
  _mm512_mask_storeu_ps(a.y + r * a.ldy + b * kBlock, m, v);
}

// Independent accumulator chains per row so that the FMA latency never limits a GEMV.
template <int R>
constexpr int unroll() {
  return R == 1 ? 8 : R == 2 ? 4 : R <= 4 ? 2 : 1;
}

template <int R>
void tile_f32(const float* wb, int64_t K, const float* x, int64_t ldx, __m512* out) {
  constexpr int U = unroll<R>();
  __m512 acc[U][R];
  for (int u = 0; u < U; ++u)
    for (int r = 0; r < R; ++r) acc[u][r] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + U <= K; k += U)
    for (int u = 0; u < U; ++u) {
      const __m512 wv = _mm512_load_ps(wb + (k + u) * kBlock);
      for (int r = 0; r < R; ++r)
        acc[u][r] = _mm512_fmadd_ps(_mm512_set1_ps(x[r * ldx + k + u]), wv, acc[u][r]);
    }
  for (; k < K; ++k) {
    const __m512 wv = _mm512_load_ps(wb + k * kBlock);
    for (int r = 0; r < R; ++r)
      acc[0][r] = _mm512_fmadd_ps(_mm512_set1_ps(x[r * ldx + k]), wv, acc[0][r]);
  }
  for (int r = 0; r < R; ++r) {
    __m512 s = acc[0][r];
    for (int u = 1; u < U; ++u) s = _mm512_add_ps(s, acc[u][r]);
    out[r] = s;
  }
}

template <int R>
void tile_bf16(const uint16_t* wb, int64_t P, const uint16_t* x, int64_t ldx, __m512* out) {
  constexpr int U = unroll<R>();
  __m512 acc[U][R];
  for (int u = 0; u < U; ++u)
    for (int r = 0; r < R; ++r) acc[u][r] = _mm512_setzero_ps();
  int64_t p = 0;
  for (; p + U <= P; p += U)
    for (int u = 0; u < U; ++u) {
      const __m512bh wv = (__m512bh)_mm512_load_si512(wb + (p + u) * 2 * kBlock);
      for (int r = 0; r < R; ++r) {
        const __m512bh xv = (__m512bh)broadcast_u32(x + r * ldx + 2 * (p + u));
        acc[u][r] = _mm512_dpbf16_ps(acc[u][r], xv, wv);
      }
    }
  for (; p < P; ++p) {
    const __m512bh wv = (__m512bh)_mm512_load_si512(wb + p * 2 * kBlock);
    for (int r = 0; r < R; ++r) {
      const __m512bh xv = (__m512bh)broadcast_u32(x + r * ldx + 2 * p);
      acc[0][r] = _mm512_dpbf16_ps(acc[0][r], xv, wv);
    }
  }
  for (int r = 0; r < R; ++r) {
    __m512 s = acc[0][r];
    for (int u = 1; u < U; ++u) s = _mm512_add_ps(s, acc[u][r]);
    out[r] = s;
  }
}

// vpdpbusd multiplies unsigned by signed bytes: the int8 activations are offset by 128
// (x ^ 0x80) and 128·Σq is subtracted afterwards, which keeps the integer result exact.
template <int R>
void tile_int8(const int8_t* wb, int64_t Q, const int8_t* x, int64_t ldx, __m512i* out) {
  constexpr int U = unroll<R>();
  __m512i acc[U][R];
  for (int u = 0; u < U; ++u)
    for (int r = 0; r < R; ++r) acc[u][r] = _mm512_setzero_si512();
  const __m512i flip = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  int64_t q = 0;
  for (; q + U <= Q; q += U)
    for (int u = 0; u < U; ++u) {
      const __m512i wv = _mm512_load_si512(wb + (q + u) * 4 * kBlock);
      for (int r = 0; r < R; ++r) {
        const __m512i xv = _mm512_xor_si512(broadcast_u32(x + r * ldx + 4 * (q + u)), flip);
        acc[u][r] = dpbusd(acc[u][r], xv, wv);
      }
    }
  for (; q < Q; ++q) {
    const __m512i wv = _mm512_load_si512(wb + q * 4 * kBlock);
    for (int r = 0; r < R; ++r) {
      const __m512i xv = _mm512_xor_si512(broadcast_u32(x + r * ldx + 4 * q), flip);
      acc[0][r] = dpbusd(acc[0][r], xv, wv);
    }
  }
  for (int r = 0; r < R; ++r) {
    __m512i s = acc[0][r];
    for (int u = 1; u < U; ++u) s = _mm512_add_epi32(s, acc[u][r]);
    out[r] = s;
  }
}

template <int R>
void rows_f32(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
  __m512 out[R];
  tile_f32<R>(w.data.as<float>() + b * w.k_padded * kBlock, w.in,
              static_cast<const float*>(a.x) + r0 * a.ldx, a.ldx, out);
  for (int r = 0; r < R; ++r) store_row(a, w, b, r0 + r, out[r]);
}

template <int R>
void rows_bf16(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
  __m512 out[R];
  tile_bf16<R>(w.data.as<uint16_t>() + b * w.k_padded * kBlock, w.k_padded / 2,
               static_cast<const uint16_t*>(a.x) + r0 * a.ldx, a.ldx, out);
  for (int r = 0; r < R; ++r) store_row(a, w, b, r0 + r, out[r]);
}

// Turns one row's exact integer sums into floats: removes the 128·Σq offset, then scales by the
// row's activation scale and each output's weight scale. Takes the accumulator by value: handing
// the accumulators over as an array made GCC 12 keep them addressable and spill or copy all 16
// of them in every iteration of the pair loop (51 register moves per 16 dot products).
inline void finish_int8_row(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r,
                            __m512i acc) {
  const __m512i comp = _mm512_load_si512(w.compensation.as<int32_t>() + b * kBlock);
  const __m512 wscale = _mm512_load_ps(w.scales.as<float>() + b * kBlock);
  const __m512 exact = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc, comp));
  const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(a.x_scales[r]), wscale);
  store_row(a, w, b, r, _mm512_mul_ps(exact, scale));
}

template <int R>
void rows_int8(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
  __m512i out[R];
  tile_int8<R>(w.data.as<int8_t>() + b * w.k_padded * kBlock, w.k_padded / 4,
               static_cast<const int8_t*>(a.x) + r0 * a.ldx, a.ldx, out);
  for (int r = 0; r < R; ++r) finish_int8_row(w, a, b, r0 + r, out[r]);
}

// Two adjacent blocks (32 outputs) sharing every broadcast of x. With many rows a one-block
// tile issues one broadcast (and for int8 one xor) per row per weight vector and is bound by
// those, not by the dot products; sharing them across two weight vectors halves that. Only for
// R > 4, where the one-block tile has a single accumulator chain per row (unroll<R>() == 1), so
// both tiles add in the same order and give the same bits whichever a block goes through.
// A pair tile is compute-bound and consumes its weights in bursts the hardware prefetcher does
// not run far enough ahead of; fetching the next pair's line k while computing line k makes the
// DRAM reads overlap the arithmetic. (Never for the memory-bound one-block GEMV, where software
// prefetch measured slower.) Past the last block this touches nothing: prefetches do not fault.
inline void prefetch_next_pair(const void* a, const void* b) {
  _mm_prefetch(static_cast<const char*>(a), _MM_HINT_T0);
  _mm_prefetch(static_cast<const char*>(b), _MM_HINT_T0);
}

template <int R>
void pair_f32(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
  static_assert(unroll<R>() == 1);
  const int64_t stride = w.k_padded * kBlock;
  const float* w0 = w.data.as<float>() + b * stride;
  const float* w1 = w0 + stride;
  const float* x = static_cast<const float*>(a.x) + r0 * a.ldx;
  __m512 acc0[R], acc1[R];
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < w.in; ++k) {
    prefetch_next_pair(w0 + 2 * stride + k * kBlock, w1 + 2 * stride + k * kBlock);
    const __m512 v0 = _mm512_load_ps(w0 + k * kBlock), v1 = _mm512_load_ps(w1 + k * kBlock);
    for (int r = 0; r < R; ++r) {
      const __m512 xb = _mm512_set1_ps(x[r * a.ldx + k]);
      acc0[r] = _mm512_fmadd_ps(xb, v0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(xb, v1, acc1[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    store_row(a, w, b, r0 + r, acc0[r]);
    store_row(a, w, b + 1, r0 + r, acc1[r]);
  }
}

template <int R>
void pair_bf16(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
  static_assert(unroll<R>() == 1);
  const int64_t stride = w.k_padded * kBlock;
  const uint16_t* w0 = w.data.as<uint16_t>() + b * stride;
  const uint16_t* w1 = w0 + stride;
  const uint16_t* x = static_cast<const uint16_t*>(a.x) + r0 * a.ldx;
  __m512 acc0[R], acc1[R];
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
  for (int64_t p = 0; p < w.k_padded / 2; ++p) {
    prefetch_next_pair(w0 + 2 * stride + p * 2 * kBlock, w1 + 2 * stride + p * 2 * kBlock);
    const __m512bh v0 = (__m512bh)_mm512_load_si512(w0 + p * 2 * kBlock);
    const __m512bh v1 = (__m512bh)_mm512_load_si512(w1 + p * 2 * kBlock);
    for (int r = 0; r < R; ++r) {
      const __m512bh xb = (__m512bh)broadcast_u32(x + r * a.ldx + 2 * p);
      acc0[r] = _mm512_dpbf16_ps(acc0[r], xb, v0);
      acc1[r] = _mm512_dpbf16_ps(acc1[r], xb, v1);
    }
  }
  for (int r = 0; r < R; ++r) {
    store_row(a, w, b, r0 + r, acc0[r]);
    store_row(a, w, b + 1, r0 + r, acc1[r]);
  }
}

template <int R>
void pair_int8(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
  const int64_t stride = w.k_padded * kBlock;
  const int8_t* w0 = w.data.as<int8_t>() + b * stride;
  const int8_t* w1 = w0 + stride;
  const int8_t* x = static_cast<const int8_t*>(a.x) + r0 * a.ldx;
  const __m512i flip = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  __m512i acc0[R], acc1[R];
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm512_setzero_si512();
  for (int64_t q = 0; q < w.k_padded / 4; ++q) {
    prefetch_next_pair(w0 + 2 * stride + q * 4 * kBlock, w1 + 2 * stride + q * 4 * kBlock);
    const __m512i v0 = _mm512_load_si512(w0 + q * 4 * kBlock),
                  v1 = _mm512_load_si512(w1 + q * 4 * kBlock);
    for (int r = 0; r < R; ++r) {
      const __m512i xb = _mm512_xor_si512(broadcast_u32(x + r * a.ldx + 4 * q), flip);
      acc0[r] = dpbusd(acc0[r], xb, v0);
      acc1[r] = dpbusd(acc1[r], xb, v1);
    }
  }
  for (int r = 0; r < R; ++r) {
    finish_int8_row(w, a, b, r0 + r, acc0[r]);
    finish_int8_row(w, a, b + 1, r0 + r, acc1[r]);
  }
}

template <template <int> class Rows>
void rows_tail(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r) {
  switch (a.rows - r) {
    case 7:
      Rows<7>::one(w, a, b, r);
      break;
    case 6:
      Rows<6>::one(w, a, b, r);
      break;
    case 5:
      Rows<5>::one(w, a, b, r);
      break;
    case 4:
      Rows<4>::one(w, a, b, r);
      break;
    case 3:
      Rows<3>::one(w, a, b, r);
      break;
    case 2:
      Rows<2>::one(w, a, b, r);
      break;
    case 1:
      Rows<1>::one(w, a, b, r);
      break;
    default:
      break;
  }
}

template <template <int> class Rows>
void rows_tail_pair(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r) {
  switch (a.rows - r) {
    case 7:
      Rows<7>::pair(w, a, b, r);
      break;
    case 6:
      Rows<6>::pair(w, a, b, r);
      break;
    case 5:
      Rows<5>::pair(w, a, b, r);
      break;
    default:
      rows_tail<Rows>(w, a, b, r);
      rows_tail<Rows>(w, a, b + 1, r);
  }
}

template <template <int> class Rows>
void run_blocks(const PackedWeights& w, const GemmArgs& a) {
  int64_t b = a.block_begin;
  if (a.rows > 4)
    for (; b + 1 < a.block_end; b += 2) {
      int64_t r = 0;
      for (; r + kMaxRows <= a.rows; r += kMaxRows) Rows<kMaxRows>::pair(w, a, b, r);
      rows_tail_pair<Rows>(w, a, b, r);
    }
  for (; b < a.block_end; ++b) {
    int64_t r = 0;
    for (; r + kMaxRows <= a.rows; r += kMaxRows) Rows<kMaxRows>::one(w, a, b, r);
    rows_tail<Rows>(w, a, b, r);
  }
}

// Rows<R>::one computes one block for R rows, ::pair two adjacent blocks (R > 4 only).
template <int R>
struct F32 {
  static void one(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r) {
    rows_f32<R>(w, a, b, r);
  }
  static void pair(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r) {
    if constexpr (R > 4) pair_f32<R>(w, a, b, r);
  }
};
template <int R>
struct Bf16 {
  static void one(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r) {
    rows_bf16<R>(w, a, b, r);
  }
  static void pair(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r) {
    if constexpr (R > 4) pair_bf16<R>(w, a, b, r);
  }
};
template <int R>
struct Int8 {
  static void one(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r) {
    rows_int8<R>(w, a, b, r);
  }
  static void pair(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r) {
    if constexpr (R > 4) pair_int8<R>(w, a, b, r);
  }
};

void gemm_f32(const PackedWeights& w, const GemmArgs& a) { run_blocks<F32>(w, a); }
void gemm_bf16(const PackedWeights& w, const GemmArgs& a) { run_blocks<Bf16>(w, a); }
void gemm_int8(const PackedWeights& w, const GemmArgs& a) { run_blocks<Int8>(w, a); }

uint64_t read_stream(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 256 <= bytes; i += 256) {
    a0 = _mm512_xor_si512(a0, _mm512_load_si512(p + i));
    a1 = _mm512_xor_si512(a1, _mm512_load_si512(p + i + 64));
    a2 = _mm512_xor_si512(a2, _mm512_load_si512(p + i + 128));
    a3 = _mm512_xor_si512(a3, _mm512_load_si512(p + i + 192));
  }
  for (; i + 64 <= bytes; i += 64) a0 = _mm512_xor_si512(a0, _mm512_load_si512(p + i));
  const __m512i s = _mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3));
  return static_cast<uint64_t>(_mm512_reduce_add_epi64(s));
}

inline __mmask16 tail_mask(int64_t remaining) {
  return remaining >= 16 ? static_cast<__mmask16>(0xffff)
                         : static_cast<__mmask16>((1u << remaining) - 1);
}

// Integer round-to-nearest-even of the top 16 bits, NaN kept quiet: float_to_bf16() per lane.
void convert_bf16(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                  uint16_t* out) {
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000);
  const __m512i round = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1);
  const __m512i quiet = _mm512_set1_epi32(0x40);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    uint16_t* o = out + r * k_padded;
    for (int64_t k = 0; k < k_padded; k += 16) {
      const __mmask16 m = tail_mask(in - k < 0 ? 0 : in - k);
      const __m512i bits = _mm512_maskz_loadu_epi32(m, xr + k);  // padding reads as +0
      const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(bits, abs_mask), inf);
      const __m512i rounded = _mm512_srli_epi32(
          _mm512_add_epi32(
              bits, _mm512_add_epi32(round, _mm512_and_si512(_mm512_srli_epi32(bits, 16), one))),
          16);
      const __m512i nan_bits = _mm512_or_si512(_mm512_srli_epi32(bits, 16), quiet);
      const __m512i v = _mm512_mask_mov_epi32(rounded, nan, nan_bits);
      _mm256_mask_storeu_epi16(o + k, tail_mask(k_padded - k), _mm512_cvtepi32_epi16(v));
    }
  }
}

// q = round_even(x · (127 / max|x|)) clamped to ±127, exactly as the portable loop computes it.
void quantize_int8(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                   int8_t* out, float* scales) {
  const __m512 magic = _mm512_set1_ps(12582912.0f), lo = _mm512_set1_ps(-127.0f),
               hi = _mm512_set1_ps(127.0f);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    int8_t* o = out + r * k_padded;
    __m512 vmax = _mm512_setzero_ps();
    for (int64_t k = 0; k < in; k += 16)
      vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_maskz_loadu_ps(tail_mask(in - k), xr + k)));
    const float max_abs = _mm512_reduce_max_ps(vmax);
    scales[r] = max_abs / 127.0f;
    const __m512 inv = _mm512_set1_ps(max_abs > 0.0f ? 127.0f / max_abs : 0.0f);
    for (int64_t k = 0; k < k_padded; k += 16) {
      const __mmask16 m = tail_mask(in - k < 0 ? 0 : in - k);
      __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, xr + k), inv);
      v = _mm512_sub_ps(_mm512_add_ps(v, magic), magic);
      v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
      _mm_mask_storeu_epi8(o + k, tail_mask(k_padded - k),
                           _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(v)));
    }
  }
}

}  // namespace

const KernelTable& avx512_kernels() {
  static const KernelTable table{Isa::kAvx512, gemm_f32,     gemm_bf16,    gemm_int8,
                                 read_stream,  convert_bf16, quantize_int8};
  return table;
}

}  // namespace speecht5::kernels
