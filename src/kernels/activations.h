#pragma once
// Element-wise activations, in place.
#include <cstdint>

namespace speecht5::kernels {

void relu(float* x, int64_t n);
// Exact GELU: 0.5·x·(1 + erf(x/√2)) (HF "gelu", not the tanh approximation).
void gelu_erf(float* x, int64_t n);
// gelu_erf over a block of `rows` × `cols` values whose rows are `ld` apart, in one call: what a
// team member applies to the output columns it just computed (a call per row of 32 values cost
// more than the arithmetic).
void gelu_erf_rows(float* x, int64_t rows, int64_t cols, int64_t ld);
void sigmoid(float* x, int64_t n);
void add(float* x, const float* y, int64_t n);  // x += y
void scale(float* x, int64_t n, float s);       // x *= s

}  // namespace speecht5::kernels
