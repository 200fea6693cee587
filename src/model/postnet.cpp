#include "model/postnet.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/error.h"

namespace speecht5 {

namespace {

constexpr float kBatchNormEps = 1e-5f;  // torch.nn.BatchNorm1d default, as HF constructs it

void expect_shape(const Tensor& t, const Shape& shape, const std::string& name) {
  if (t.shape() != shape)
    fail(ErrorCode::kModel, "post-net tensor " + name + " has shape " + shape_to_string(t.shape()) +
                                ", expected " + shape_to_string(shape));
}

}  // namespace

Postnet::Postnet(const io::TensorStore& store, const TtsConfig& config)
    : mels_(config.num_mel_bins) {
  const int64_t layers = config.speech_decoder_postnet_layers;
  const int64_t units = config.speech_decoder_postnet_units;
  const int64_t k = config.speech_decoder_postnet_kernel;
  for (int64_t i = 0; i < layers; ++i) {
    const std::string prefix = "speech_decoder_postnet.layers." + std::to_string(i);
    const int64_t in = i == 0 ? mels_ : units;
    const int64_t out = i == layers - 1 ? mels_ : units;
    Tensor w = store.get_f32(prefix + ".conv.weight");
    expect_shape(w, {out, in, k}, prefix + ".conv.weight");
    Tensor gamma = store.get_f32(prefix + ".batch_norm.weight");
    Tensor beta = store.get_f32(prefix + ".batch_norm.bias");
    Tensor mean = store.get_f32(prefix + ".batch_norm.running_mean");
    Tensor var = store.get_f32(prefix + ".batch_norm.running_var");
    for (const auto& [t, name] : {std::pair{&gamma, "weight"}, std::pair{&beta, "bias"},
                                  std::pair{&mean, "running_mean"}, std::pair{&var, "running_var"}})
      expect_shape(*t, {out}, prefix + ".batch_norm." + name);
    // BN(conv(x)) = s·conv(x) + (β − s·μ), s = γ/√(σ² + ε): scale the conv's output rows.
    Tensor folded_w({out, in, k}), folded_b({out});
    const int64_t row = in * k;
    for (int64_t o = 0; o < out; ++o) {
      const double s =
          gamma.data()[o] / std::sqrt(static_cast<double>(var.data()[o]) + kBatchNormEps);
      for (int64_t j = 0; j < row; ++j)
        folded_w.mutable_data()[o * row + j] = static_cast<float>(w.data()[o * row + j] * s);
      folded_b.mutable_data()[o] = static_cast<float>(beta.data()[o] - s * mean.data()[o]);
    }
    layers_.push_back(kernels::Conv1d::conv(std::move(folded_w), std::move(folded_b), (k - 1) / 2,
                                            1, kernels::SignalLayout::kTimeFirst));
  }
}

Tensor Postnet::forward(const Tensor& mel) const {
  if ((mel.rank() != 2 && mel.rank() != 3) || mel.dim(-1) != mels_)
    fail(ErrorCode::kInvalidArgument, "post-net input must be [frames, " + std::to_string(mels_) +
                                          "] or [batch, frames, " + std::to_string(mels_) +
                                          "], got " + shape_to_string(mel.shape()));
  Tensor out(mel.shape());
  if (mel.numel() == 0) return out;
  forward(mel.data(), mel.rank() == 3 ? mel.dim(0) : 1, mel.dim(-2), out.mutable_data());
  return out;
}

void Postnet::forward(const float* mel, int64_t batch, int64_t frames, float* out) const {
  if (batch <= 0 || frames <= 0) return;
  int64_t widest = mels_;
  for (const auto& layer : layers_) widest = std::max(widest, layer.out_channels());
  std::vector<float> a(batch * frames * widest), b(batch * frames * widest);
  const float* x = mel;
  for (size_t i = 0; i + 1 < layers_.size(); ++i) {
    float* y = (i % 2 == 0) ? a.data() : b.data();
    layers_[i].forward(x, batch, frames, y, kernels::ConvEpilogue::then_tanh());
    x = y;
  }
  // The residual: out = mel + last_layer(x).
  std::memcpy(out, mel, sizeof(float) * batch * frames * mels_);
  layers_.back().forward(x, batch, frames, out, kernels::ConvEpilogue::residual());
}

}  // namespace speecht5
