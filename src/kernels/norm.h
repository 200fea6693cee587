#pragma once
// Row-wise normalisation kernels used by the transformer layers.
#include <cstdint>

namespace speecht5::kernels {

// out[r, :] = (x[r, :] - mean) / sqrt(var + eps) * gamma + beta over each row of `dim` values
// (biased variance, as torch.nn.LayerNorm). `out` may equal `x`.
void layer_norm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta,
                float eps, float* out);

// x[r, :] = LayerNorm(x[r, :] + residual[r, :]): the post-LN residual step of every layer.
void add_layer_norm(float* x, const float* residual, int64_t rows, int64_t dim, const float* gamma,
                    const float* beta, float eps);

// out = x / max(‖x‖₂, eps) (torch.nn.functional.normalize on one vector).
void l2_normalize(const float* x, int64_t n, float eps, float* out);

}  // namespace speecht5::kernels
