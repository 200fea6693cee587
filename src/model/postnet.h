#pragma once
// SpeechT5 speech-decoder post-net: y = x + P(x), P = N × [Conv1d (no bias) → BatchNorm
// (running statistics) → tanh (not after the last)], applied once to the whole spectrogram.
// BatchNorm is folded into each convolution at load.
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "io/tensor_store.h"
#include "kernels/conv1d.h"
#include "model/config.h"

namespace speecht5 {

class Postnet {
 public:
  // Reads speech_decoder_postnet.layers.{i}.{conv,batch_norm}.* from `store`.
  Postnet(const io::TensorStore& store, const TtsConfig& config);

  int64_t num_mel_bins() const { return mels_; }

  // mel [frames, mels] → [frames, mels]; [batch, frames, mels] → same shape.
  Tensor forward(const Tensor& mel) const;
  // `batch` spectrograms of `frames` rows each; out must not overlap mel.
  void forward(const float* mel, int64_t batch, int64_t frames, float* out) const;

 private:
  int64_t mels_ = 0;
  std::vector<kernels::Conv1d> layers_;
};

}  // namespace speecht5
