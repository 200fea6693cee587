#pragma once
// 1-D convolution and transposed convolution (PyTorch Conv1d / ConvTranspose1d semantics) on a
// batch of float32 signals. The fast path is oneDNN (one primitive per input shape, cached;
// weights reordered into the primitive's preferred format once); a plain loop implementation is
// kept as the reference for tests and as the fallback when oneDNN has no kernel for a shape.
//
// bf16 mode: weights stored as bfloat16, inputs rounded to bfloat16 as they are read (per time
// tile, so no extra pass over memory), products accumulated in float32, float32 output and
// epilogue. Only where oneDNN has a native bf16 kernel (AVX-512 BF16); elsewhere the layer runs
// in float32 (oneDNN's bf16 emulation on plain AVX-512 is slower than float32, and on AVX2 it
// has only reference loops).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/packed_weights.h"

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

enum class ConvPrecision { kFp32, kBf16 };

// The convolutions' precision for a model precision: bf16 for --precision bf16 and int8 (the
// convolutions have no int8 mode), fp32 for fp32.
ConvPrecision conv_precision_for(Precision precision);

// Whether oneDNN runs bf16 convolutions natively on this CPU (honours ONEDNN_MAX_CPU_ISA).
bool bf16_convolution_supported();

class Conv1d {
 public:
  Conv1d() = default;
  // PyTorch Conv1d: weight [out, in, k], bias [out] or empty. kBf16 falls back to kFp32 (with a
  // debug log) where bf16_convolution_supported() is false.
  static Conv1d conv(Tensor weight, Tensor bias, int64_t padding, int64_t dilation,
                     SignalLayout layout, ConvPrecision precision = ConvPrecision::kFp32);
  // PyTorch ConvTranspose1d: weight [in, out, k], bias [out] or empty (no output_padding).
  static Conv1d transposed(Tensor weight, Tensor bias, int64_t stride, int64_t padding,
                           SignalLayout layout, ConvPrecision precision = ConvPrecision::kFp32);

  bool is_transposed() const;
  int64_t in_channels() const;
  int64_t out_channels() const;
  int64_t kernel_size() const;
  SignalLayout layout() const;
  // The precision it runs in (kFp32 where bf16 was asked for but is not supported).
  ConvPrecision precision() const;
  // oneDNN's names for the implementations of the primitives created so far (e.g.
  // "jit_bf16:avx512_core_bf16"), for tests and diagnostics.
  std::vector<std::string> implementations() const;
  int64_t output_length(int64_t input_length) const;

  // x: `batch` signals of `time` samples × in_channels; y: batch × output_length(time) ×
  // out_channels, both in layout(). x and y must not overlap.
  void forward(const float* x, int64_t batch, int64_t time, float* y,
               const ConvEpilogue& epilogue = {}) const;
  // bf16 activations (raw bfloat16 bits; precision() must be kBf16): the input as is, the
  // output float32 or (without `accumulate`) rounded to bf16 by oneDNN. Lets a chain of bf16
  // layers skip the float32 round trip between them.
  void forward(const uint16_t* x, int64_t batch, int64_t time, float* y,
               const ConvEpilogue& epilogue = {}) const;
  void forward(const uint16_t* x, int64_t batch, int64_t time, uint16_t* y,
               const ConvEpilogue& epilogue = {}) const;
  // x [in, T] or [B, in, T] (kChannelsFirst) / [T, in] or [B, T, in] (kTimeFirst).
  Tensor forward(const Tensor& x) const;
  // The plain-loop reference (same contract as forward; in bf16 mode it rounds weights and
  // inputs to bf16 as forward does, and accumulates in float32).
  void forward_reference(const float* x, int64_t batch, int64_t time, float* y,
                         const ConvEpilogue& epilogue = {}) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace speecht5::kernels
