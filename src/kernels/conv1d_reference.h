#pragma once
// The plain-loop convolution behind Conv1d::forward_reference (and Conv1d's fallback when oneDNN
// has no kernel for a shape): float32 sums, bf16 mode rounding weights and inputs to bf16 first.
#include <cstdint>

#include "kernels/conv1d.h"

namespace speecht5::kernels {

struct ReferenceConv {
  bool transposed;
  int64_t in, out, k, stride, padding, dilation;
  bool time_first;  // SignalLayout::kTimeFirst
  bool bf16;
};

// weight: PyTorch layout ([out, in, k]; transposed [in, out, k]); bias: out values or null.
void conv1d_reference(const ReferenceConv& conv, const float* weight, const float* bias,
                      const float* x, int64_t batch, int64_t time, float* y,
                      const ConvEpilogue& epilogue);

}  // namespace speecht5::kernels
