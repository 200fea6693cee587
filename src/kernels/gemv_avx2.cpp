// AVX2 + FMA kernels over the packed layouts (packed_weights.h), for CPUs without AVX-512.
// One block = 16 outputs = two ymm. bf16 weights are widened to fp32 (a shift / a mask) and
// multiplied with the same bf16-rounded activations the AVX-512 path uses; int8 uses the
// |w|·sign(x, w) trick so vpmaddubsw cannot saturate, giving the same exact integer sums.
// Everything here has internal linkage so no AVX2 code can leak into generic callers.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels/gemv_kernels.h"

namespace speecht5::kernels {
namespace {

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

// What differs between the precisions: a block line loaded into registers (16 outputs = two
// ymm halves), and how one row's input step is multiplied into a block's two accumulators.
struct F32 {
  using W = float;
  using X = float;
  using Acc = __m256;
  struct Line {
    __m256 lo, hi;
  };
  static Line load(const W* p) { return {_mm256_load_ps(p), _mm256_load_ps(p + 8)}; }
  static Acc zero() { return _mm256_setzero_ps(); }
  static Acc add(Acc a, Acc b) { return _mm256_add_ps(a, b); }
  static void madd(const Line& w, const X* x, Acc& lo, Acc& hi) {
    const __m256 xv = _mm256_broadcast_ss(x);
    lo = _mm256_fmadd_ps(xv, w.lo, lo);
    hi = _mm256_fmadd_ps(xv, w.hi, hi);
  }
  static void finish(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r, Acc lo,
                     Acc hi) {
    store_row(a, w, b, r, lo, hi);
  }
};

// bf16 weights widened to fp32 (the even element by a shift, the odd one by a mask).
struct Bf16 {
  using W = uint16_t;
  using X = uint16_t;
  using Acc = __m256;
  struct Line {
    __m256 even_lo, odd_lo, even_hi, odd_hi;
  };
  static Line load(const W* p) {
    const __m256i high_mask = _mm256_set1_epi32(static_cast<int32_t>(0xffff0000u));
    const __m256i v0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i v1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + kBlock));
    return {_mm256_castsi256_ps(_mm256_slli_epi32(v0, 16)),
            _mm256_castsi256_ps(_mm256_and_si256(v0, high_mask)),
            _mm256_castsi256_ps(_mm256_slli_epi32(v1, 16)),
            _mm256_castsi256_ps(_mm256_and_si256(v1, high_mask))};
  }
  static Acc zero() { return _mm256_setzero_ps(); }
  static Acc add(Acc a, Acc b) { return _mm256_add_ps(a, b); }
  static void madd(const Line& w, const X* x, Acc& lo, Acc& hi) {
    const __m256 xe = _mm256_set1_ps(bf16_value(x[0])), xo = _mm256_set1_ps(bf16_value(x[1]));
    lo = _mm256_fmadd_ps(xo, w.odd_lo, _mm256_fmadd_ps(xe, w.even_lo, lo));
    hi = _mm256_fmadd_ps(xo, w.odd_hi, _mm256_fmadd_ps(xe, w.even_hi, hi));
  }
  static void finish(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r, Acc lo,
                     Acc hi) {
    store_row(a, w, b, r, lo, hi);
  }
};

struct Int8 {
  using W = int8_t;
  using X = int8_t;
  using Acc = __m256i;
  struct Line {
    __m256i v0, v1, abs0, abs1;
  };
  static Line load(const W* p) {
    const __m256i v0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i v1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 32));
    return {v0, v1, _mm256_abs_epi8(v0), _mm256_abs_epi8(v1)};
  }
  static Acc zero() { return _mm256_setzero_si256(); }
  static Acc add(Acc a, Acc b) { return _mm256_add_epi32(a, b); }
  static void madd(const Line& w, const X* x, Acc& lo, Acc& hi) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i xv = _mm256_set1_epi32(load_i32(x));
    const __m256i p0 = _mm256_maddubs_epi16(w.abs0, _mm256_sign_epi8(xv, w.v0));
    const __m256i p1 = _mm256_maddubs_epi16(w.abs1, _mm256_sign_epi8(xv, w.v1));
    lo = _mm256_add_epi32(lo, _mm256_madd_epi16(p0, ones));
    hi = _mm256_add_epi32(hi, _mm256_madd_epi16(p1, ones));
  }
  static void finish(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r, Acc lo,
                     Acc hi) {
    const float* wscale = w.scales.as<float>() + b * kBlock;
    const __m256 xs = _mm256_set1_ps(a.x_scales[r]);
    store_row(
        a, w, b, r,
        _mm256_mul_ps(_mm256_cvtepi32_ps(lo), _mm256_mul_ps(xs, _mm256_loadu_ps(wscale))),
        _mm256_mul_ps(_mm256_cvtepi32_ps(hi), _mm256_mul_ps(xs, _mm256_loadu_ps(wscale + 8))));
  }
};

// Rows per pass over the weights and accumulator chains per row, within 16 ymm registers: a
// pass over a stored pair (NB = 2) reads both blocks' lines as one stream but holds twice the
// accumulators, so it takes fewer rows and chains. fp32 keeps extra chains for few rows so the
// FMA latency does not limit the GEMV; the bf16 and int8 steps have enough independent work.
template <int NB>
constexpr int max_rows() {
  return NB == 2 ? 2 : 4;
}
template <typename Op, int NB, int R>
constexpr int chains() {
  if constexpr (!std::is_same_v<Op, F32>) return 1;
  return NB == 2 ? (R == 1 ? 2 : 1) : (R == 1 ? 4 : R == 2 ? 2 : 1);
}

template <typename Op, int NB, int R>
void compute_tile(const PackedWeights& w, const GemmArgs& a, int64_t b, int64_t r0) {
  using W = typename Op::W;
  using Acc = typename Op::Acc;
  constexpr int U = chains<Op, NB, R>();
  const W* wb = w.block_lines<W>(b);
  const auto* x = static_cast<const typename Op::X*>(a.x) + r0 * a.ldx;
  const int64_t steps = w.k_padded / kInputsPerLine<W>;
  Acc lo[U][NB][R], hi[U][NB][R];
  for (int u = 0; u < U; ++u)
    for (int nb = 0; nb < NB; ++nb)
      for (int r = 0; r < R; ++r) lo[u][nb][r] = hi[u][nb][r] = Op::zero();
  auto step = [&](int64_t s, int u) {
    for (int nb = 0; nb < NB; ++nb) {
      const typename Op::Line line = Op::load(wb + s * kStepElements<W> + nb * kLineElements<W>);
      for (int r = 0; r < R; ++r)
        Op::madd(line, x + r * a.ldx + s * kInputsPerLine<W>, lo[u][nb][r], hi[u][nb][r]);
    }
  };
  int64_t s = 0;
  for (; s + U <= steps; s += U)
    for (int u = 0; u < U; ++u) step(s + u, u);
  for (; s < steps; ++s) step(s, 0);
  for (int nb = 0; nb < NB; ++nb)
    for (int r = 0; r < R; ++r) {
      Acc sum_lo = lo[0][nb][r], sum_hi = hi[0][nb][r];
      for (int u = 1; u < U; ++u) {
        sum_lo = Op::add(sum_lo, lo[u][nb][r]);
        sum_hi = Op::add(sum_hi, hi[u][nb][r]);
      }
      Op::finish(w, a, b + nb, r0 + r, sum_lo, sum_hi);
    }
}

template <typename Op, int NB>
void all_rows(const PackedWeights& w, const GemmArgs& a, int64_t b) {
  constexpr int kRows = max_rows<NB>();
  int64_t r = 0;
  for (; r + kRows <= a.rows; r += kRows) compute_tile<Op, NB, kRows>(w, a, b, r);
  switch (a.rows - r) {
    case 3:
      if constexpr (kRows > 3) compute_tile<Op, NB, 3>(w, a, b, r);
      break;
    case 2:
      if constexpr (kRows > 2) compute_tile<Op, NB, 2>(w, a, b, r);
      break;
    case 1:
      compute_tile<Op, NB, 1>(w, a, b, r);
      break;
    default:
      break;
  }
}

// Always pair tiles, though they take only two rows per pass: four rows per pass over one
// block, reading every other line of the pair, measured 1.5–2× slower at batch 8.
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

// Activation conversions with the portable loops' results (packed_weights.cpp). A row's last
// values are copied into a zeroed block of 32 and converted as a full one: zeros give 0 in both
// formats, which is also the padding up to k_padded.
constexpr int64_t kConvertBlock = 32;

template <typename Convert32, typename Out>
void convert_row_blocks(const float* xr, int64_t in, int64_t k_padded, Out* o, Convert32 convert) {
  int64_t k = 0;
  for (; k + kConvertBlock <= in; k += kConvertBlock) convert(xr + k, o + k);
  if (k >= k_padded) return;
  alignas(32) float last[kConvertBlock] = {};
  Out converted[kConvertBlock];
  if (in > k) std::memcpy(last, xr + k, sizeof(float) * static_cast<size_t>(in - k));
  convert(last, converted);
  std::memcpy(o + k, converted, sizeof(Out) * static_cast<size_t>(k_padded - k));
}

// float_to_bf16() on 8 lanes: integer round to nearest even of the top 16 bits, NaN kept quiet.
inline __m128i bf16_8(__m256 v) {
  const __m256i bits = _mm256_castps_si256(v);
  const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7fffffff)),
                                         _mm256_set1_epi32(0x7f800000));
  const __m256i bias =
      _mm256_add_epi32(_mm256_set1_epi32(0x7fff),
                       _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1)));
  const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(bits, bias), 16);
  const __m256i nan_bits = _mm256_or_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x40));
  const __m256i halves = _mm256_blendv_epi8(rounded, nan_bits, nan);  // each ≤ 0xffff
  return _mm256_castsi256_si128(
      _mm256_permute4x64_epi64(_mm256_packus_epi32(halves, halves), 0xd8));
}

void convert_bf16(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                  uint16_t* out) {
  for (int64_t r = 0; r < rows; ++r)
    convert_row_blocks(
        x + r * ldx, in, k_padded, out + r * k_padded, [](const float* from, uint16_t* to) {
          for (int i = 0; i < kConvertBlock; i += 8)
            _mm_storeu_si128(reinterpret_cast<__m128i*>(to + i), bf16_8(_mm256_loadu_ps(from + i)));
        });
}

// quantize_rows_int8()'s q = clamp(round_even(x · inv), ±127): vcvtps2dq rounds the rounded
// product to nearest even, the saturating packs and one clamp keep the range (|x · inv| ≤ 127
// for every number).
void quantize_int8(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                   int8_t* out, float* scales) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    __m256 m0 = _mm256_setzero_ps(), m1 = m0;
    int64_t k = 0;
    for (; k + 16 <= in; k += 16) {
      m0 = _mm256_max_ps(m0, _mm256_and_ps(_mm256_loadu_ps(xr + k), abs_mask));
      m1 = _mm256_max_ps(m1, _mm256_and_ps(_mm256_loadu_ps(xr + k + 8), abs_mask));
    }
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, _mm256_max_ps(m0, m1));
    float max_abs = 0.0f;
    for (float lane : lanes) max_abs = std::max(max_abs, lane);
    for (; k < in; ++k) max_abs = std::max(max_abs, std::fabs(xr[k]));
    scales[r] = max_abs / 127.0f;
    const __m256 inv = _mm256_set1_ps(max_abs > 0.0f ? 127.0f / max_abs : 0.0f);
    convert_row_blocks(xr, in, k_padded, out + r * k_padded, [&](const float* from, int8_t* to) {
      const __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(from), inv));
      const __m256i b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(from + 8), inv));
      const __m256i c = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(from + 16), inv));
      const __m256i d = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(from + 24), inv));
      const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
      _mm256_storeu_si256(
          reinterpret_cast<__m256i*>(to),
          _mm256_max_epi8(_mm256_permutevar8x32_epi32(bytes, order), _mm256_set1_epi8(-127)));
    });
  }
}

}  // namespace

const KernelTable& avx2_kernels() {
  static const KernelTable table{Isa::kAvx2,  gemm_f32,     gemm_bf16,    gemm_int8,
                                 read_stream, convert_bf16, quantize_int8};
  return table;
}

}  // namespace speecht5::kernels
