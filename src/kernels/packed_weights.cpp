#include "kernels/packed_weights.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "core/error.h"
#include "kernels/gemv_kernels.h"
#include "kernels/weight_arena.h"

namespace speecht5::kernels {

std::string precision_name(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return "fp32";
    case Precision::kBf16:
      return "bf16";
    case Precision::kInt8:
      return "int8";
  }
  return "unknown";
}

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::kFp32;
  if (name == "bf16") return Precision::kBf16;
  if (name == "int8") return Precision::kInt8;
  fail(ErrorCode::kInvalidArgument,
       "unknown precision '" + name + "' (expected fp32, bf16 or int8)");
}

AlignedBuffer::AlignedBuffer(size_t bytes) : bytes_(bytes) {
  const size_t rounded = std::max<size_t>(64, (bytes + 63) / 64 * 64);
  data_ = std::aligned_alloc(64, rounded);
  if (data_ == nullptr) throw std::bad_alloc();
  owner_ = std::shared_ptr<void>(data_, [](void* p) { std::free(p); });
}

AlignedBuffer AlignedBuffer::adopt(ArenaAllocation allocation, size_t bytes) {
  AlignedBuffer b;
  b.owner_ = std::move(allocation.owner);
  b.data_ = allocation.data;
  b.bytes_ = bytes;
  return b;
}

AlignedBuffer AlignedBuffer::for_weights(size_t bytes) {
  return adopt(allocate_from_weight_arena(bytes), bytes);
}

AlignedBuffer AlignedBuffer::huge_pages(size_t bytes) {
  return adopt(allocate_huge_pages(bytes), bytes);
}

uint16_t float_to_bf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

float bf16_to_float(uint16_t value) {
  const uint32_t bits = static_cast<uint32_t>(value) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

namespace {

// Round to nearest even for |v| < 2^22 in the default rounding mode, as nearbyintf does but
// without its floating-point-environment save/restore (which made packing 10× slower).
inline float round_even(float v) {
  constexpr float kMagic = 12582912.0f;  // 1.5 · 2^23
  return (v + kMagic) - kMagic;          // not folded: the compiler keeps IEEE semantics here
}

float row_value(const float* w, int64_t out, int64_t in, int64_t o, int64_t k) {
  return (o < out && k < in) ? w[o * in + k] : 0.0f;
}

// Writes the packed layout in storage order: for each pair, each step along the input, each
// of the pair's two blocks, one line of kInputsPerLine<T> inputs × 16 outputs; value(o, k)
// gives one.
template <typename T, typename Value>
void pack_lines(PackedWeights& p, Value value) {
  constexpr int64_t per_line = kInputsPerLine<T>;
  T* dst = p.data.as<T>();
  for (int64_t pair = 0; pair < p.pairs(); ++pair)
    for (int64_t k = 0; k < p.k_padded; k += per_line)
      for (int64_t half = 0; half < 2; ++half)
        for (int64_t j = 0; j < kBlock; ++j)
          for (int64_t e = 0; e < per_line; ++e)
            *dst++ = value((2 * pair + half) * kBlock + j, k + e);
}

void pack_fp32(const float* w, PackedWeights& p) {
  pack_lines<float>(p, [&](int64_t o, int64_t k) { return row_value(w, p.out, p.in, o, k); });
}

void pack_bf16(const float* w, PackedWeights& p) {
  pack_lines<uint16_t>(
      p, [&](int64_t o, int64_t k) { return float_to_bf16(row_value(w, p.out, p.in, o, k)); });
}

void pack_int8(const float* w, PackedWeights& p) {
  const int64_t n = stored_blocks(p.blocks) * kBlock;
  float* scales = p.scales.as<float>();
  int32_t* comp = p.compensation.as<int32_t>();
  // Same formulas as quantize_rows_int8: q = round(w · (127 / max|w|)), scale = max|w| / 127.
  std::vector<float> inv(n);
  for (int64_t o = 0; o < n; ++o) {
    float max_abs = 0.0f;
    for (int64_t k = 0; k < p.in; ++k)
      max_abs = std::max(max_abs, std::fabs(row_value(w, p.out, p.in, o, k)));
    scales[o] = max_abs / 127.0f;
    inv[o] = max_abs > 0.0f ? 127.0f / max_abs : 0.0f;
    comp[o] = 0;
  }
  pack_lines<int8_t>(p, [&](int64_t o, int64_t k) {
    const float v = round_even(row_value(w, p.out, p.in, o, k) * inv[o]);
    const auto qv = static_cast<int8_t>(std::clamp(v, -127.0f, 127.0f));
    comp[o] += 128 * qv;
    return qv;
  });
}

}  // namespace

PackedWeights pack_weights(const float* weight, int64_t out, int64_t in, Precision precision) {
  if (out <= 0 || in <= 0)
    fail(ErrorCode::kModel, "cannot pack a Linear weight of shape [" + std::to_string(out) + ", " +
                                std::to_string(in) + "]");
  PackedWeights p;
  p.precision = precision;
  p.out = out;
  p.in = in;
  p.blocks = (out + kBlock - 1) / kBlock;
  const int64_t n = stored_blocks(p.blocks) * kBlock;
  switch (precision) {
    case Precision::kFp32:
      p.k_padded = in;
      p.data = AlignedBuffer::for_weights(static_cast<size_t>(n * p.k_padded) * sizeof(float));
      pack_fp32(weight, p);
      break;
    case Precision::kBf16:
      p.k_padded = (in + 1) / 2 * 2;
      p.data = AlignedBuffer::for_weights(static_cast<size_t>(n * p.k_padded) * sizeof(uint16_t));
      pack_bf16(weight, p);
      break;
    case Precision::kInt8:
      p.k_padded = (in + 3) / 4 * 4;
      p.data = AlignedBuffer::for_weights(static_cast<size_t>(n * p.k_padded));
      p.scales = AlignedBuffer(static_cast<size_t>(n) * sizeof(float));
      p.compensation = AlignedBuffer(static_cast<size_t>(n) * sizeof(int32_t));
      pack_int8(weight, p);
      break;
  }
  return p;
}

void convert_rows_bf16(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                       uint16_t* out) {
  if (const auto simd = active_kernels().convert_bf16) return simd(x, rows, in, ldx, k_padded, out);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    uint16_t* o = out + r * k_padded;
    for (int64_t k = 0; k < in; ++k) o[k] = float_to_bf16(xr[k]);
    for (int64_t k = in; k < k_padded; ++k) o[k] = 0;
  }
}

void quantize_rows_int8(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                        int8_t* out, float* scales) {
  if (const auto simd = active_kernels().quantize_int8)
    return simd(x, rows, in, ldx, k_padded, out, scales);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    int8_t* o = out + r * k_padded;
    float max_abs = 0.0f;
    for (int64_t k = 0; k < in; ++k) max_abs = std::max(max_abs, std::fabs(xr[k]));
    scales[r] = max_abs / 127.0f;
    const float inv = max_abs > 0.0f ? 127.0f / max_abs : 0.0f;
    for (int64_t k = 0; k < in; ++k)
      o[k] = static_cast<int8_t>(std::clamp(round_even(xr[k] * inv), -127.0f, 127.0f));
    for (int64_t k = in; k < k_padded; ++k) o[k] = 0;
  }
}

}  // namespace speecht5::kernels
