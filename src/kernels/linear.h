#pragma once
// A Linear layer (PyTorch layout: weight [out, in], bias [out]) with its weights prepared once
// at load. The one entry point the model uses for every matrix product with weights, so the
// kernel behind it (GEMV at one row, GEMM for many, fp32/bf16/int8 storage) can change without
// touching the model.
#include <cstdint>

#include "core/tensor.h"

namespace speecht5::kernels {

class Linear {
 public:
  Linear() = default;
  // weight [out, in]; bias [out] or empty. Views are kept, not copied, in fp32 mode.
  Linear(Tensor weight, Tensor bias);

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }

  // y[rows, out] = x[rows, in] · Wᵀ + b.  x and y must not overlap.
  void forward(const float* x, int64_t rows, float* y) const;
  Tensor forward(const Tensor& x) const;  // x [..., in] → [..., out]

 private:
  Tensor weight_;
  Tensor bias_;
  int64_t in_ = 0;
  int64_t out_ = 0;
};

}  // namespace speecht5::kernels
