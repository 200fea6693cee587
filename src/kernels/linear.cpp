#include "kernels/linear.h"

#include "core/error.h"

namespace speecht5::kernels {

Linear::Linear(Tensor weight, Tensor bias) : weight_(std::move(weight)), bias_(std::move(bias)) {
  if (weight_.rank() != 2) fail(ErrorCode::kModel, "Linear weight must be 2-D, got " + shape_to_string(weight_.shape()));
  out_ = weight_.dim(0);
  in_ = weight_.dim(1);
  if (!bias_.empty() && bias_.numel() != out_)
    fail(ErrorCode::kModel, "Linear bias " + shape_to_string(bias_.shape()) + " does not match weight " +
                                shape_to_string(weight_.shape()));
}

// Portable first version: one dot product per output, with independent accumulators so the
// compiler can vectorise. The optimised kernels replace this body (issue 5).
void Linear::forward(const float* x, int64_t rows, float* y) const {
  const float* w = weight_.data();
  const float* b = bias_.empty() ? nullptr : bias_.data();
#pragma omp parallel for collapse(2) schedule(static) if (rows * out_ * in_ > (1 << 18))
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out_; ++o) {
      const float* xr = x + r * in_;
      const float* wo = w + o * in_;
      float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t i = 0;
      for (; i + 8 <= in_; i += 8)
        for (int k = 0; k < 8; ++k) acc[k] += xr[i + k] * wo[i + k];
      float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      for (; i < in_; ++i) sum += xr[i] * wo[i];
      y[r * out_ + o] = sum + (b ? b[o] : 0.0f);
    }
  }
}

Tensor Linear::forward(const Tensor& x) const {
  if (x.rank() < 1 || x.dim(-1) != in_)
    fail(ErrorCode::kInternal, "Linear input " + shape_to_string(x.shape()) + " does not end in " + std::to_string(in_));
  Shape out_shape = x.shape();
  out_shape.back() = out_;
  Tensor y(out_shape);
  forward(x.data(), x.numel() / in_, y.mutable_data());
  return y;
}

}  // namespace speecht5::kernels
