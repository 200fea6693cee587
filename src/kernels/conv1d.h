#pragma once
// 1-D convolution and transposed convolution (PyTorch Conv1d / ConvTranspose1d semantics) on a
// batch of float32 signals. The fast path is oneDNN (one primitive per input shape, cached;
// weights reordered into the primitive's preferred format once); a plain loop implementation is
// kept as the reference for tests and as the fallback when oneDNN has no kernel for a shape.
#include <cstdint>
#include <memory>
#include <optional>

#include "core/tensor.h"

namespace speecht5::kernels {

// How a batch of signals is laid out in memory.
enum class SignalLayout {
  kChannelsFirst,  // [batch, channels, time]: PyTorch's layout
  kTimeFirst,      // [batch, time, channels]: mel rows; oneDNN's fastest plain layout
};

// Work fused into the convolution's output pass, applied in this order after the bias.
struct ConvEpilogue {
  bool accumulate = false;           // y = conv(x) + y (residual add into the output buffer)
  std::optional<float> leaky_slope;  // then y = leaky_relu(y, slope)
  bool tanh = false;                 // then y = tanh(y)

  static ConvEpilogue residual() {
    ConvEpilogue e;
    e.accumulate = true;
    return e;
  }
  static ConvEpilogue leaky_relu(float slope) {
    ConvEpilogue e;
    e.leaky_slope = slope;
    return e;
  }
  static ConvEpilogue then_tanh() {
    ConvEpilogue e;
    e.tanh = true;
    return e;
  }
};

class Conv1d {
 public:
  Conv1d() = default;
  // PyTorch Conv1d: weight [out, in, k], bias [out] or empty.
  static Conv1d conv(Tensor weight, Tensor bias, int64_t padding, int64_t dilation,
                     SignalLayout layout);
  // PyTorch ConvTranspose1d: weight [in, out, k], bias [out] or empty (no output_padding).
  static Conv1d transposed(Tensor weight, Tensor bias, int64_t stride, int64_t padding,
                           SignalLayout layout);

  bool is_transposed() const;
  int64_t in_channels() const;
  int64_t out_channels() const;
  int64_t kernel_size() const;
  SignalLayout layout() const;
  int64_t output_length(int64_t input_length) const;

  // x: `batch` signals of `time` samples × in_channels; y: batch × output_length(time) ×
  // out_channels, both in layout(). x and y must not overlap.
  void forward(const float* x, int64_t batch, int64_t time, float* y,
               const ConvEpilogue& epilogue = {}) const;
  // x [in, T] or [B, in, T] (kChannelsFirst) / [T, in] or [B, T, in] (kTimeFirst).
  Tensor forward(const Tensor& x) const;
  // The plain-loop reference (same contract as forward).
  void forward_reference(const float* x, int64_t batch, int64_t time, float* y,
                         const ConvEpilogue& epilogue = {}) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace speecht5::kernels
