#include "kernels/norm.h"

#include <algorithm>
#include <cmath>

namespace speecht5::kernels {

void layer_norm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta,
                float eps, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    float* yr = out + r * dim;
    // Moments in double: cheap at these sizes and keeps the statistics exact to float precision.
    double sum = 0;
    for (int64_t i = 0; i < dim; ++i) sum += xr[i];
    const double mean = sum / dim;
    double sq = 0;
    for (int64_t i = 0; i < dim; ++i) {
      const double d = xr[i] - mean;
      sq += d * d;
    }
    const float inv = static_cast<float>(1.0 / std::sqrt(sq / dim + eps));
    const float m = static_cast<float>(mean);
    for (int64_t i = 0; i < dim; ++i) yr[i] = (xr[i] - m) * inv * gamma[i] + beta[i];
  }
}

void add_layer_norm(float* x, const float* residual, int64_t rows, int64_t dim, const float* gamma,
                    const float* beta, float eps) {
  for (int64_t i = 0; i < rows * dim; ++i) x[i] += residual[i];
  layer_norm(x, rows, dim, gamma, beta, eps, x);
}

void l2_normalize(const float* x, int64_t n, float eps, float* out) {
  double sq = 0;
  for (int64_t i = 0; i < n; ++i) sq += static_cast<double>(x[i]) * x[i];
  const float norm = std::max(static_cast<float>(std::sqrt(sq)), eps);
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] / norm;
}

}  // namespace speecht5::kernels
