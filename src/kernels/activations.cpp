#include "kernels/activations.h"

#include <cmath>

#include "kernels/small_ops.h"

namespace speecht5::kernels {

void relu(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void gelu_erf(float* x, int64_t n) { gelu_erf_rows(x, 1, n, n); }

void gelu_erf_rows(float* x, int64_t rows, int64_t cols, int64_t ld) {
  if (const SmallOpsTable* simd = small_ops_for(active_isa()); simd != nullptr)
    return simd->gelu_erf_rows(x, rows, cols, ld);
  constexpr float kInvSqrt2 = 0.70710678118654752440f;
  for (int64_t r = 0; r < rows; ++r)
    for (float* v = x + r * ld; v < x + r * ld + cols; ++v)
      *v = 0.5f * *v * (1.0f + std::erf(*v * kInvSqrt2));
}

void sigmoid(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = 1.0f / (1.0f + std::exp(-x[i]));
}

void add(float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

void scale(float* x, int64_t n, float s) {
  for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

}  // namespace speecht5::kernels
