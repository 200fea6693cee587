#pragma once
// SpeechT5 speech decoder for autoregressive generation: prenet (newest position only), post-LN
// layers with a self-attention KV cache and cross-attention keys/values computed once per
// utterance, then feat_out (r mel frames) and prob_out (r stop logits).
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/linear.h"
#include "kernels/team.h"
#include "model/config.h"
#include "model/decoder_phases.h"
#include "model/kv_cache.h"
#include "model/observer.h"
#include "model/speech_decoder_prenet.h"
#include "model/transformer_blocks.h"
#include "model/weight_reader.h"

namespace speecht5 {

class SpeechDecoder;

// The decoding state of a batch of utterances: cross-attention K/V per layer, growing
// self-attention caches and the scratch buffers of one step (sized once, reused every step).
class DecoderState {
 public:
  int64_t batch() const { return batch_; }
  int64_t encoder_length() const { return enc_len_; }
  int64_t position() const { return pos_; }  // decoder positions consumed so far
  // Every later step adds where its time went to *times (null: stop recording); *times must
  // outlive those steps.
  void record_phases(DecoderPhaseTimes* times) { phase_times_ = times; }

 private:
  friend class SpeechDecoder;
  // Positions each self-attention cache holds (0 before start()).
  int64_t capacity() const { return self_k_.empty() ? 0 : self_k_.front().capacity(); }
  void ensure_capacity(int64_t positions);
  void ensure_probs(int members);  // one attention-weights row per team member

  int64_t batch_ = 0, enc_len_ = 0, pos_ = 0, heads_ = 1, head_dim_ = 0;
  std::vector<float> key_mask_;          // [B, T]: 0 or finfo.min
  std::vector<float> speakers_;          // [B, S], L2-normalised
  std::vector<float> active_speakers_;   // [n, S] rows of the active items
  std::vector<HeadMajorCache> cross_k_;  // per layer, T positions
  std::vector<HeadMajorCache> cross_v_;
  std::vector<HeadMajorCache> self_k_;  // per layer, growing with the positions decoded
  std::vector<HeadMajorCache> self_v_;
  std::vector<float> scratch_;  // one step of activations for all B items
  // x and the attention output converted for the products that read them (Linear::convert),
  // where they are produced: by each member for the rows it normalised, by whoever finishes a
  // row's last head. [2][B] rows of converted_row_bytes_ each, then their [2][B] int8 scales.
  static constexpr int kConvertedX = 0, kConvertedContext = 1;  // `which`
  unsigned char* converted_rows(int which) {
    return reinterpret_cast<unsigned char*>(converted_.data()) +
           which * batch_ * converted_row_bytes_;
  }
  float* converted_scales(int which) {
    return converted_.data() + (2 * batch_ * converted_row_bytes_ + 3) / 4 + which * batch_;
  }
  std::vector<float> converted_;
  int64_t converted_row_bytes_ = 0;  // Linear::converted_row_bytes()
  // Per row: heads of the current attention done, one cache line each. The members count
  // different rows at the same time; with the counters in one line, every count moved that line
  // between the cores (cross-attention at batch 8, int8: 21.5-22.4 -> 16.7-19.8 µs a layer).
  struct alignas(64) HeadsDone {
    std::atomic<int> count{0};
  };
  std::vector<HeadsDone> heads_done_;
  std::vector<float> probs_;  // per team member, one query row of attention weights
  int64_t probs_stride_ = 0;
  int probs_members_ = 1;
  DecoderPhaseTimes* phase_times_ = nullptr;
};

class SpeechDecoder {
 public:
  SpeechDecoder(const TtsConfig& config, const WeightReader& weights);

  // encoder_out [B, T, H]; key_mask [B, T] (0 or kernels::kMaskedScore); speakers [B, S]
  // un-normalised x-vectors. Computes the cross-attention K/V of every layer once.
  DecoderState start(const Tensor& encoder_out, const std::vector<float>& key_mask,
                     const Tensor& speakers, int64_t expected_steps) const;

  // One decoder step for the batch items in `active` (ascending item indices), all at position
  // state.position(). frames [n, M]: each item's decoder input (zeros at position 0).
  // Writes feat [n, r·M], stop_logits [n, r] and, if not null, cross_probs [n, L, heads, T].
  void step(DecoderState& state, const std::vector<int>& active, const float* frames, uint64_t seed,
            float* feat, float* stop_logits, float* cross_probs,
            const Observer& observer = nullptr) const;

  int64_t layers() const { return static_cast<int64_t>(layers_.size()); }
  int64_t heads() const { return config_.decoder_attention_heads; }

 private:
  struct Layer {
    AttentionProjections self_attn;
    LayerNormWeights self_attn_norm;
    AttentionProjections cross_attn;
    LayerNormWeights cross_attn_norm;
    FeedForward ffn;
    LayerNormWeights final_norm;
  };
  void run_layer(int64_t l, DecoderState& state, const std::vector<int>& active, float* x,
                 float* cross_probs, const Observer& observer, const kernels::Team& team,
                 PhaseClock& clock) const;
  // Where DecoderState::converted_ keeps the converted x or attention output (`which`).
  kernels::ConvertedRows converted(DecoderState& s, int which, const float* rows) const;
  // Converts rows [r0, r1) of x or of the attention output (`which`) into place.
  void convert_rows(DecoderState& s, int which, const float* rows, int64_t r0, int64_t r1) const;

  TtsConfig config_;
  SpeechDecoderPrenet prenet_;
  std::vector<Layer> layers_;
  kernels::Linear feat_out_;
  kernels::Linear prob_out_;
  int64_t step_weight_bytes_ = 0;                  // streamed by the layers and heads of one step
  KvType kv_type_ = KvType::kF32;                  // as the weights: bf16 / int8 / float32
  std::vector<std::array<std::string, 6>> names_;  // observer names per layer
};

}  // namespace speecht5
