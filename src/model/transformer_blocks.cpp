#include "model/transformer_blocks.h"

#include <cmath>

#include "kernels/activations.h"
#include "kernels/norm.h"

namespace speecht5 {

AttentionProjections AttentionProjections::load(const WeightReader& w, const std::string& prefix,
                                                int64_t hidden, int64_t heads) {
  AttentionProjections a;
  a.heads = heads;
  a.head_dim = hidden / heads;
  // HF: self.scaling = self.head_dim**-0.5 (a double), multiplied into a float32 tensor.
  const auto scaling = static_cast<float>(std::pow(static_cast<double>(a.head_dim), -0.5));
  // A power of two (head_dim 4^k, SpeechT5's 64 among them) scales every product, sum and the
  // bias exactly, so scaling the weights gives the bits of scaling q_proj(x), without a pass
  // over q after every projection.
  int exponent = 0;
  const bool exact = std::frexp(scaling, &exponent) == 0.5f;
  a.scaling = exact ? 1.0f : scaling;
  a.q = w.linear(prefix + ".q_proj", hidden, hidden, true, exact ? scaling : 1.0f);
  a.k = w.linear(prefix + ".k_proj", hidden, hidden);
  a.v = w.linear(prefix + ".v_proj", hidden, hidden);
  a.out = w.linear(prefix + ".out_proj", hidden, hidden);
  return a;
}

void AttentionProjections::project_query(const float* x, int64_t rows, float* q_out) const {
  q.forward(x, rows, q_out);
  if (scaling != 1.0f) kernels::scale(q_out, rows * q.out_features(), scaling);
}

FeedForward FeedForward::load(const WeightReader& w, const std::string& prefix, int64_t hidden,
                              int64_t ffn_dim) {
  return {w.linear(prefix + ".intermediate_dense", ffn_dim, hidden),
          w.linear(prefix + ".output_dense", hidden, ffn_dim)};
}

void FeedForward::forward(const float* x, int64_t rows, float* scratch, float* out) const {
  intermediate.forward(x, rows, scratch);
  kernels::gelu_erf(scratch, rows * intermediate.out_features());
  output.forward(scratch, rows, out);
}

void LayerNormWeights::add_and_norm(float* x, const float* residual, int64_t rows) const {
  kernels::add_layer_norm(x, residual, rows, w.weight.numel(), w.weight.data(), w.bias.data(), eps);
}

void LayerNormWeights::apply(float* x, int64_t rows) const {
  kernels::layer_norm(x, rows, w.weight.numel(), w.weight.data(), w.bias.data(), eps, x);
}

}  // namespace speecht5
