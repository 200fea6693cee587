#pragma once
// float32 → bfloat16 for activation buffers (the bf16 convolutions' inputs): round to nearest
// even, NaN stays NaN, bit for bit kernels::float_to_bf16 on every ISA. Vectorised with AVX-512
// when that is the active ISA (a plain loop cost ~4× more of the bf16 vocoder's time).
#include <cstdint>

namespace speecht5::kernels {

void convert_to_bf16(const float* x, int64_t n, uint16_t* out);
// out = bf16(leaky_relu(x · scale, slope)), one pass (the bf16 vocoder's activations).
void leaky_relu_to_bf16(const float* x, int64_t n, float scale, float slope, uint16_t* out);

// The AVX-512 loops (bf16_convert_avx512.cpp); only called when the active ISA is AVX-512.
void convert_to_bf16_avx512(const float* x, int64_t n, uint16_t* out);
void leaky_relu_to_bf16_avx512(const float* x, int64_t n, float scale, float slope, uint16_t* out);

}  // namespace speecht5::kernels
