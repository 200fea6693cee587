#pragma once
// SpeechT5 text encoder (HF SpeechT5EncoderWithTextPrenet): token embedding + alpha·sinusoid,
// LayerNorm before layer 0, post-LN layers with a clipped relative position bias on the scaled
// query, padded keys masked with finfo(float32).min.
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"
#include "model/observer.h"
#include "model/transformer_blocks.h"
#include "model/weight_reader.h"

namespace speecht5 {

// A right-padded batch of token ids.
struct TokenBatch {
  int64_t batch = 0;
  int64_t length = 0;                   // T, the padded length
  std::vector<int64_t> ids;             // [batch, length]
  std::vector<int64_t> attention_mask;  // [batch, length], 1 = real token, 0 = padding

  // Pads the sequences with `pad_id` to the longest; the mask is HF generate_speech's
  // `1 - (ids == pad_id)`, so a pad id inside a sequence is masked as well.
  static TokenBatch from_sequences(const std::vector<std::vector<int64_t>>& sequences,
                                   int64_t pad_id);
  // Key mask to add to attention scores: [batch, length], 0 or kMaskedScore.
  std::vector<float> key_mask() const;
};

class TextEncoder {
 public:
  TextEncoder(const TtsConfig& config, const WeightReader& weights);

  // Returns the last hidden state [batch, T, H]. Throws Error(kInvalidArgument) for ids outside
  // the vocabulary, an empty batch or T > max_text_positions.
  Tensor forward(const TokenBatch& tokens, const Observer& observer = nullptr) const;

 private:
  struct Layer {
    AttentionProjections attention;
    LayerNormWeights attention_norm;
    FeedForward ffn;
    LayerNormWeights final_norm;
  };
  void run_layer(const Layer& layer, const TokenBatch& tokens, const float* key_mask, float* x,
                 float* scratch) const;

  TtsConfig config_;
  Tensor embed_tokens_;  // [vocab, H]
  float alpha_ = 1.0f;
  LayerNormWeights input_norm_;
  Tensor pe_k_;  // [2·max_rel, head_dim]
  std::vector<Layer> layers_;
};

}  // namespace speecht5
