#pragma once
// fp32 GEMM through oneDNN matmul (brgemm kernels, ~95% of peak here) for many-row products
// (the encoder, long prompts). Weights are read in place from the PyTorch [out, in] layout
// (oneDNN tag "ba"), so no second copy is kept. Primitives are cached per shape, process-wide.
#include <cstdint>

namespace speecht5::kernels {

// y[rows, out] = x[rows, in] · Wᵀ + bias (bias may be null); all row-major, contiguous.
void onednn_matmul_f32(const float* x, int64_t rows, int64_t in, const float* weight, int64_t out,
                       const float* bias, float* y);

}  // namespace speecht5::kernels
