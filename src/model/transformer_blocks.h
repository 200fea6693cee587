#pragma once
// Weights shared by the encoder and decoder layers: multi-head attention projections, the
// feed-forward block and post-LN layer norms.
#include <string>

#include "kernels/linear.h"
#include "model/weight_reader.h"

namespace speecht5 {

struct AttentionProjections {
  kernels::Linear q, k, v, out;
  int64_t heads = 0;
  int64_t head_dim = 0;
  // What is still to multiply q_proj(x) (after its bias) by, as HF does with head_dim^-0.5: that
  // factor, or 1 when it is a power of two, which q_proj's weights and bias then carry (exactly).
  float scaling = 1.0f;

  static AttentionProjections load(const WeightReader& w, const std::string& prefix, int64_t hidden,
                                   int64_t heads);
  // q[rows, H] = q_proj(x) · scaling.
  void project_query(const float* x, int64_t rows, float* q) const;
};

struct FeedForward {
  kernels::Linear intermediate, output;

  static FeedForward load(const WeightReader& w, const std::string& prefix, int64_t hidden,
                          int64_t ffn_dim);
  // out[rows, H] = output(gelu(intermediate(x))); `scratch` holds rows · ffn_dim floats.
  void forward(const float* x, int64_t rows, float* scratch, float* out) const;
};

struct LayerNormWeights {
  WeightReader::Norm w;
  float eps = 1e-5f;
  // x = LayerNorm(x + residual)
  void add_and_norm(float* x, const float* residual, int64_t rows) const;
  void apply(float* x, int64_t rows) const;
};

}  // namespace speecht5
