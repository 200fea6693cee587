// Portable kernels over the packed layouts (packed_weights.h): the reference for the SIMD
// versions and the fallback for CPUs without AVX2. Compiled for the baseline ISA.
#include <cstring>

#include "kernels/gemv_kernels.h"
#include "kernels/small_ops.h"

namespace speecht5::kernels {
namespace {

void store_block(const GemmArgs& a, const PackedWeights& w, int64_t b, int64_t r,
                 const float* acc) {
  float* y = a.y + r * a.ldy;
  for (int64_t j = 0; j < kBlock; ++j) {
    const int64_t o = b * kBlock + j;
    if (o >= w.out) break;
    y[o] = acc[j] + (a.bias ? a.bias[o] : 0.0f);
  }
}

void gemm_f32(const PackedWeights& w, const GemmArgs& a) {
  const float* x = static_cast<const float*>(a.x);
  for (int64_t b = a.block_begin; b < a.block_end; ++b) {
    const float* wb = w.block_lines<float>(b);
    for (int64_t r = 0; r < a.rows; ++r) {
      const float* xr = x + r * a.ldx;
      float acc[kBlock] = {};
      for (int64_t k = 0; k < w.in; ++k)
        for (int64_t j = 0; j < kBlock; ++j) acc[j] += xr[k] * wb[k * kStepElements<float> + j];
      store_block(a, w, b, r, acc);
    }
  }
}

float bf16_value(uint16_t v) {
  const uint32_t bits = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

void gemm_bf16(const PackedWeights& w, const GemmArgs& a) {
  const uint16_t* x = static_cast<const uint16_t*>(a.x);
  for (int64_t b = a.block_begin; b < a.block_end; ++b) {
    const uint16_t* wb = w.block_lines<uint16_t>(b);
    for (int64_t r = 0; r < a.rows; ++r) {
      const uint16_t* xr = x + r * a.ldx;
      float acc[kBlock] = {};
      for (int64_t p = 0; p < w.k_padded / 2; ++p) {
        const float x0 = bf16_value(xr[2 * p]), x1 = bf16_value(xr[2 * p + 1]);
        const uint16_t* wp = wb + p * kStepElements<uint16_t>;
        for (int64_t j = 0; j < kBlock; ++j)
          acc[j] += x0 * bf16_value(wp[2 * j]) + x1 * bf16_value(wp[2 * j + 1]);
      }
      store_block(a, w, b, r, acc);
    }
  }
}

void gemm_int8(const PackedWeights& w, const GemmArgs& a) {
  const int8_t* x = static_cast<const int8_t*>(a.x);
  const float* scales = w.scales.as<float>();
  for (int64_t b = a.block_begin; b < a.block_end; ++b) {
    const int8_t* wb = w.block_lines<int8_t>(b);
    for (int64_t r = 0; r < a.rows; ++r) {
      const int8_t* xr = x + r * a.ldx;
      int32_t iacc[kBlock] = {};
      for (int64_t q = 0; q < w.k_padded / 4; ++q) {
        const int8_t* wq = wb + q * kStepElements<int8_t>;
        for (int64_t j = 0; j < kBlock; ++j)
          for (int64_t e = 0; e < 4; ++e) iacc[j] += int32_t{xr[4 * q + e]} * wq[4 * j + e];
      }
      float acc[kBlock];
      for (int64_t j = 0; j < kBlock; ++j)
        acc[j] = static_cast<float>(iacc[j]) * (a.x_scales[r] * scales[b * kBlock + j]);
      store_block(a, w, b, r, acc);
    }
  }
}

uint64_t read_stream(const void* data, size_t bytes) {
  const uint64_t* p = static_cast<const uint64_t*>(data);
  uint64_t acc[8] = {};
  for (size_t i = 0; i < bytes / 8; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] ^= p[i + j];
  uint64_t r = 0;
  for (int j = 0; j < 8; ++j) r ^= acc[j];
  return r;
}

}  // namespace

const KernelTable& generic_kernels() {
  static const KernelTable table{Isa::kGeneric, gemm_f32, gemm_bf16, gemm_int8,
                                 read_stream,   nullptr,  nullptr};
  return table;
}

const KernelTable& kernels_for(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return avx512_kernels();
    case Isa::kAvx2:
      return avx2_kernels();
    case Isa::kGeneric:
      break;
  }
  return generic_kernels();
}

const SmallOpsTable* small_ops_for(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return &avx512_small_ops();
    case Isa::kAvx2:
      return &avx2_small_ops();
    case Isa::kGeneric:
      break;
  }
  return nullptr;
}

}  // namespace speecht5::kernels
