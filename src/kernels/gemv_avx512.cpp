// AVX-512 kernels (F/BW/VL + BF16 + VNNI) over the packed layouts (packed_weights.h).
// One block = 16 outputs = one zmm; every tile computes a stored pair of blocks (one weight
// stream) for up to 8 input rows, so batched decoding streams the weights once per step. The
// memory-bound GEMV of a few rows has no software prefetch (it measured slower than the hardware
// prefetcher on the sequential stream); the compute-bound tiles of batched decoding do (see
// prefetch_step).
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

// Independent accumulator chains per row so that the dot-product latency never limits a GEMV.
template <int R>
constexpr int unroll() {
  return R == 1 ? 8 : R == 2 ? 4 : R <= 4 ? 2 : 1;
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

// What differs between the precisions: the element types, how x is broadcast, the dot
// instruction, and how a finished row is stored (the inputs per line follow from the type).
struct F32 {
  using W = float;
  using X = float;
  using Acc = __m512;
  static Acc zero() { return _mm512_setzero_ps(); }
  static Acc load(const W* p) { return _mm512_load_ps(p); }
  static Acc broadcast(const X* x) { return _mm512_set1_ps(*x); }
  static Acc dot(Acc acc, Acc xb, Acc wv) { return _mm512_fmadd_ps(xb, wv, acc); }
  static Acc add(Acc a, Acc b) { return _mm512_add_ps(a, b); }
  static void finish(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r, Acc acc) {
    store_row(a, w, b, r, acc);
  }
};

struct Bf16 {
  using W = uint16_t;
  using X = uint16_t;
  using Acc = __m512;
  static Acc zero() { return _mm512_setzero_ps(); }
  static __m512i load(const W* p) { return _mm512_load_si512(p); }
  static __m512i broadcast(const X* x) { return broadcast_u32(x); }
  static Acc dot(Acc acc, __m512i xb, __m512i wv) {
    return _mm512_dpbf16_ps(acc, (__m512bh)xb, (__m512bh)wv);
  }
  static Acc add(Acc a, Acc b) { return _mm512_add_ps(a, b); }
  static void finish(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r, Acc acc) {
    store_row(a, w, b, r, acc);
  }
};

// vpdpbusd multiplies unsigned by signed bytes: the int8 activations are offset by 128
// (x ^ 0x80) and 128·Σq is subtracted afterwards, which keeps the integer result exact.
struct Int8 {
  using W = int8_t;
  using X = int8_t;
  using Acc = __m512i;
  static Acc zero() { return _mm512_setzero_si512(); }
  static __m512i load(const W* p) { return _mm512_load_si512(p); }
  static __m512i broadcast(const X* x) {
    return _mm512_xor_si512(broadcast_u32(x), _mm512_set1_epi32(static_cast<int32_t>(0x80808080u)));
  }
  static Acc dot(Acc acc, __m512i xb, __m512i wv) { return dpbusd(acc, xb, wv); }
  static Acc add(Acc a, Acc b) { return _mm512_add_epi32(a, b); }
  static void finish(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r, Acc acc) {
    finish_int8_row(w, a, b, r, acc);
  }
};

// With many rows a tile is compute-bound and consumes its weights in bursts the hardware
// prefetcher does not run far enough ahead of; fetching the next pair's step s while computing
// step s makes the DRAM reads overlap the arithmetic. (Never for the memory-bound GEMV of a few
// rows, where software prefetch measured slower.) Past the last pair this touches nothing:
// prefetches do not fault.
inline void prefetch_step(const void* step) {
  _mm_prefetch(static_cast<const char*>(step), _MM_HINT_T0);
  _mm_prefetch(static_cast<const char*>(step) + kLineBytes, _MM_HINT_T0);
}

// R rows × NB blocks (NB = 2: a stored pair, read as one stream; NB = 1: the odd last block).
// Both blocks of a pair share every broadcast of x: with many rows a one-block tile issues one
// broadcast (and for int8 one xor) per row per weight vector and is bound by those, not by the
// dot products. Each block keeps its own U accumulator chains per row and adds them up in the
// same order whatever NB is, so a block gives the same bits through either tile.
template <typename Op, int NB, int R>
void compute_tile(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
  using W = typename Op::W;
  using Acc = typename Op::Acc;
  constexpr int U = unroll<R>();
  constexpr bool kPrefetch = NB == 2 && U == 1;
  const W* wb = w.block_lines<W>(b);
  const W* next = a.prefetch_instead != nullptr
                      ? static_cast<const W*>(a.prefetch_instead)
                      : wb + 2 * w.k_padded * kBlock;  // the next pair's first step
  const auto* x = static_cast<const typename Op::X*>(a.x) + r0 * a.ldx;
  const int64_t steps = w.k_padded / kInputsPerLine<W>;
  Acc acc[U][NB][R];
  for (int u = 0; u < U; ++u)
    for (int nb = 0; nb < NB; ++nb)
      for (int r = 0; r < R; ++r) acc[u][nb][r] = Op::zero();
  auto step = [&](int64_t s, int u) {
    if constexpr (kPrefetch) prefetch_step(next + s * kStepElements<W>);
    decltype(Op::load(wb)) wv[NB];
    for (int nb = 0; nb < NB; ++nb)
      wv[nb] = Op::load(wb + s * kStepElements<W> + nb * kLineElements<W>);
    for (int r = 0; r < R; ++r) {
      const auto xb = Op::broadcast(x + r * a.ldx + s * kInputsPerLine<W>);
      for (int nb = 0; nb < NB; ++nb) acc[u][nb][r] = Op::dot(acc[u][nb][r], xb, wv[nb]);
    }
  };
  int64_t s = 0;
  for (; s + U <= steps; s += U)
    for (int u = 0; u < U; ++u) step(s + u, u);
  for (; s < steps; ++s) step(s, 0);
  for (int nb = 0; nb < NB; ++nb)
    for (int r = 0; r < R; ++r) {
      Acc sum = acc[0][nb][r];
      for (int u = 1; u < U; ++u) sum = Op::add(sum, acc[u][nb][r]);
      Op::finish(w, a, b + nb, r0 + r, sum);
    }
}

template <typename Op, int NB>
void all_rows(const PackedWeights& w, const GemmArgs& a, int64_t b) {
  int64_t r = 0;
  for (; r + kMaxRows <= a.rows; r += kMaxRows) compute_tile<Op, NB, kMaxRows>(w, a, b, r);
  switch (a.rows - r) {
    case 7:
      return compute_tile<Op, NB, 7>(w, a, b, r);
    case 6:
      return compute_tile<Op, NB, 6>(w, a, b, r);
    case 5:
      return compute_tile<Op, NB, 5>(w, a, b, r);
    case 4:
      return compute_tile<Op, NB, 4>(w, a, b, r);
    case 3:
      return compute_tile<Op, NB, 3>(w, a, b, r);
    case 2:
      return compute_tile<Op, NB, 2>(w, a, b, r);
    case 1:
      return compute_tile<Op, NB, 1>(w, a, b, r);
    default:
      return;
  }
}

template <typename Op>
void run_blocks(const PackedWeights& w, const GemmArgs& a) {
  int64_t b = a.block_begin;
  if (b % 2 == 1 && b < a.block_end) all_rows<Op, 1>(w, a, b++);  // not the start of a pair
  for (; b + 1 < a.block_end; b += 2) all_rows<Op, 2>(w, a, b);
  if (b < a.block_end) all_rows<Op, 1>(w, a, b);
}

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

// float_to_bf16() per lane by integer arithmetic: round to nearest even, NaN kept quiet.
inline __m256i bf16_by_integers(__m512i bits) {
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000);
  const __m512i round = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1);
  const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(bits, abs_mask), inf);
  const __m512i rounded = _mm512_srli_epi32(
      _mm512_add_epi32(bits,
                       _mm512_add_epi32(round, _mm512_and_si512(_mm512_srli_epi32(bits, 16), one))),
      16);
  const __m512i nan_bits = _mm512_or_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
  return _mm512_cvtepi32_epi16(_mm512_mask_mov_epi32(rounded, nan, nan_bits));
}

// float_to_bf16() per lane. vcvtneps2bf16 rounds the same way (to nearest even, the same bias
// added to the same bits; NaN truncated with the quiet bit set) in one instruction, against a
// dozen for the integer version, but it flushes denormal inputs to zero: the rare vector that
// holds one takes the integer path. (The conversion runs before every batched product on every
// member, ~50 times a step.)
inline __m256i bf16_exact(__m512 v) {
  const __m512i bits = _mm512_castps_si512(v);
  const __mmask16 zero_exponent = _mm512_testn_epi32_mask(bits, _mm512_set1_epi32(0x7f800000));
  if (_mm512_mask_test_epi32_mask(zero_exponent, bits, _mm512_set1_epi32(0x007fffff)) != 0)
    return bf16_by_integers(bits);
  return (__m256i)_mm512_cvtneps_pbh(v);
}

void convert_bf16(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                  uint16_t* out) {
  const int64_t full = in / 16 * 16;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    uint16_t* o = out + r * k_padded;
    int64_t k = 0;
    for (; k < full; k += 16)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + k), bf16_exact(_mm512_loadu_ps(xr + k)));
    for (; k < k_padded; k += 16) {
      const __m512 v = _mm512_maskz_loadu_ps(tail_mask(in - k < 0 ? 0 : in - k), xr + k);
      _mm256_mask_storeu_epi16(o + k, tail_mask(k_padded - k), bf16_exact(v));  // padding: +0
    }
  }
}

// q = round_even(x · (127 / max|x|)) clamped to ±127, exactly as the portable loop computes it:
// vcvtps2dq rounds the rounded product to nearest even (the default MXCSR mode), the clamp is on
// the integers (the same for |x · inv| far below 2^31), and vpmovsdb saturates the top at 127.
// (The portable loop's x · inv + 1.5·2^23 trick, written here with intrinsics, was fused by GCC
// into one FMA, which skips the product's rounding and sent near-ties the other way.) max is exact
// in any order, so four chains find it; full vectors go without masks. A batch-8 step converts its
// 8 rows before every product on every thread (~1 µs of each product's ~4 µs of overhead).
void quantize_int8(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                   int8_t* out, float* scales) {
  const __m512i lowest = _mm512_set1_epi32(-127);
  const int64_t full = in / 16 * 16;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    int8_t* o = out + r * k_padded;
    __m512 m0 = _mm512_setzero_ps(), m1 = m0, m2 = m0, m3 = m0;
    int64_t k = 0;
    for (; k + 64 <= full; k += 64) {
      m0 = _mm512_max_ps(m0, _mm512_abs_ps(_mm512_loadu_ps(xr + k)));
      m1 = _mm512_max_ps(m1, _mm512_abs_ps(_mm512_loadu_ps(xr + k + 16)));
      m2 = _mm512_max_ps(m2, _mm512_abs_ps(_mm512_loadu_ps(xr + k + 32)));
      m3 = _mm512_max_ps(m3, _mm512_abs_ps(_mm512_loadu_ps(xr + k + 48)));
    }
    for (; k < in; k += 16)
      m0 = _mm512_max_ps(m0, _mm512_abs_ps(_mm512_maskz_loadu_ps(tail_mask(in - k), xr + k)));
    const float max_abs =
        _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
    scales[r] = max_abs / 127.0f;
    const __m512 inv = _mm512_set1_ps(max_abs > 0.0f ? 127.0f / max_abs : 0.0f);
    auto quantize = [&](__m512 v) {
      return _mm512_cvtsepi32_epi8(
          _mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(v, inv)), lowest));
    };
    // 64 at a time: saturating packs (to 16, then 8 bits) and one clamp instead of a vpmovsdb and
    // a clamp per 16; the same bytes, since |x · inv| ≤ 127 except for NaN (INT_MIN: -127 both
    // ways). The packs work per 128-bit lane, so a permutation restores the order.
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    for (k = 0; k + 64 <= full; k += 64) {
      const __m512i a = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xr + k), inv));
      const __m512i b = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xr + k + 16), inv));
      const __m512i c = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xr + k + 32), inv));
      const __m512i d = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xr + k + 48), inv));
      const __m512i bytes = _mm512_packs_epi16(_mm512_packs_epi32(a, b), _mm512_packs_epi32(c, d));
      _mm512_storeu_si512(
          o + k, _mm512_permutexvar_epi32(order, _mm512_max_epi8(bytes, _mm512_set1_epi8(-127))));
    }
    for (; k < full; k += 16)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + k), quantize(_mm512_loadu_ps(xr + k)));
    for (; k < k_padded; k += 16) {
      const __mmask16 m = tail_mask(in - k < 0 ? 0 : in - k);
      _mm_mask_storeu_epi8(o + k, tail_mask(k_padded - k),
                           quantize(_mm512_maskz_loadu_ps(m, xr + k)));
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
