#include "model/text_encoder.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.h"
#include "kernels/attention.h"
#include "model/positional_encoding.h"

namespace speecht5 {

TokenBatch TokenBatch::from_sequences(const std::vector<std::vector<int64_t>>& sequences,
                                      int64_t pad_id) {
  TokenBatch t;
  t.batch = static_cast<int64_t>(sequences.size());
  for (const auto& s : sequences) t.length = std::max<int64_t>(t.length, s.size());
  t.ids.assign(t.batch * t.length, pad_id);
  t.attention_mask.assign(t.batch * t.length, 0);
  for (int64_t b = 0; b < t.batch; ++b)
    for (size_t i = 0; i < sequences[b].size(); ++i) {
      t.ids[b * t.length + i] = sequences[b][i];
      t.attention_mask[b * t.length + i] = sequences[b][i] == pad_id ? 0 : 1;
    }
  return t;
}

std::vector<float> TokenBatch::key_mask() const {
  std::vector<float> mask(attention_mask.size());
  for (size_t i = 0; i < mask.size(); ++i)
    mask[i] = attention_mask[i] != 0 ? 0.0f : kernels::kMaskedScore;
  return mask;
}

TextEncoder::TextEncoder(const TtsConfig& config, const WeightReader& w) : config_(config) {
  const int64_t hidden = config.hidden_size;
  const int64_t head_dim = hidden / config.encoder_attention_heads;
  embed_tokens_ = w.get("speecht5.encoder.prenet.embed_tokens.weight", {config.vocab_size, hidden});
  alpha_ = w.scalar("speecht5.encoder.prenet.encode_positions.alpha");
  const std::string enc = "speecht5.encoder.wrapped_encoder";
  input_norm_ = {w.layer_norm(enc + ".layer_norm", hidden), config.layer_norm_eps};
  pe_k_ = w.get(enc + ".embed_positions.pe_k.weight",
                {2 * static_cast<int64_t>(config.encoder_max_relative_position), head_dim});
  for (int l = 0; l < config.encoder_layers; ++l) {
    const std::string p = enc + ".layers." + std::to_string(l);
    layers_.push_back(
        {AttentionProjections::load(w, p + ".attention", hidden, config.encoder_attention_heads),
         {w.layer_norm(p + ".layer_norm", hidden), config.layer_norm_eps},
         FeedForward::load(w, p + ".feed_forward", hidden, config.encoder_ffn_dim),
         {w.layer_norm(p + ".final_layer_norm", hidden), config.layer_norm_eps}});
  }
}

Tensor TextEncoder::forward(const TokenBatch& tokens, const Observer& observer) const {
  const int64_t B = tokens.batch, T = tokens.length, H = config_.hidden_size;
  if (B <= 0 || T <= 0) fail(ErrorCode::kInvalidArgument, "text encoder: empty token batch");
  if (T > config_.max_text_positions)
    fail(ErrorCode::kInvalidArgument, "text encoder: " + std::to_string(T) +
                                          " tokens exceed max_text_positions (" +
                                          std::to_string(config_.max_text_positions) + ")");
  if (static_cast<int64_t>(tokens.ids.size()) != B * T ||
      static_cast<int64_t>(tokens.attention_mask.size()) != B * T)
    fail(ErrorCode::kInvalidArgument, "text encoder: ids/mask size does not match batch × length");

  Tensor hidden({B, T, H});
  float* x = hidden.mutable_data();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      const int64_t id = tokens.ids[b * T + t];
      if (id < 0 || id >= config_.vocab_size)
        fail(ErrorCode::kInvalidArgument,
             "token id " + std::to_string(id) + " at position " + std::to_string(t) +
                 " is outside the vocabulary [0, " + std::to_string(config_.vocab_size) + ")");
      float* row = x + (b * T + t) * H;
      std::memcpy(row, embed_tokens_.data() + id * H, sizeof(float) * H);
      add_scaled_sinusoid(t, H, alpha_, row);
    }
  auto emit = [&](const std::string& name) {
    if (!observer) return;
    for (int64_t b = 0; b < B; ++b)
      observer(name, 0, static_cast<int>(b), Tensor::view(x + b * T * H, {T, H}, nullptr));
  };
  emit("encoder.prenet_out");
  input_norm_.apply(x, B * T);
  emit("encoder.hidden_states.0");

  const std::vector<float> key_mask = tokens.key_mask();
  const int64_t head_dim = H / config_.encoder_attention_heads;
  // q, k, v, context, attention output, FFN intermediate, scores and bias for one head.
  std::vector<float> scratch(B * T * H * 5 + B * T * config_.encoder_ffn_dim + 2 * T * T +
                             head_dim);
  for (size_t l = 0; l < layers_.size(); ++l) {
    run_layer(layers_[l], tokens, key_mask.data(), x, scratch.data());
    emit("encoder.hidden_states." + std::to_string(l + 1));
  }
  return hidden;
}

void TextEncoder::run_layer(const Layer& layer, const TokenBatch& tokens, const float* key_mask,
                            float* x, float* scratch) const {
  const int64_t B = tokens.batch, T = tokens.length, H = config_.hidden_size;
  const int64_t rows = B * T;
  const AttentionProjections& a = layer.attention;
  float* q = scratch;
  float* k = q + rows * H;
  float* v = k + rows * H;
  float* ctx = v + rows * H;
  float* y = ctx + rows * H;
  float* ffn = y + rows * H;
  float* probs = ffn + rows * config_.encoder_ffn_dim;
  float* bias = probs + T * T;

  a.project_query(x, rows, q);
  a.k.forward(x, rows, k);
  a.v.forward(x, rows, v);
  const int64_t max_rel = config_.encoder_max_relative_position;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < a.heads; ++h) {
      const int64_t off = b * T * H + h * a.head_dim;
      kernels::relative_position_scores(q + off, H, T, T, pe_k_.data(), a.head_dim, max_rel, bias);
      kernels::attention_head(q + off, H, T, k + off, v + off, H, T, a.head_dim, bias,
                              key_mask + b * T, probs, ctx + off, H);
    }
  a.out.forward(ctx, rows, y);
  layer.attention_norm.add_and_norm(x, y, rows);
  layer.ffn.forward(x, rows, ffn, y);
  layer.final_norm.add_and_norm(x, y, rows);
}

}  // namespace speecht5
