#pragma once
// The reference's speech generation loop (HF `_generate_speech`) on a TtsModel: encoder once,
// then one decoder step per r frames until the stop rule, then the post-net. Batches of
// utterances of different lengths are padded and masked; each item stops on its own.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/observer.h"
#include "model/tts_model.h"

namespace speecht5 {

struct GenerationOptions {
  double threshold = 0.5;         // stop when the summed stop probabilities of a step reach this
  double minlenratio = 0.0;       // minlen = int(T · minlenratio / r) decoder steps
  double maxlenratio = 20.0;      // maxlen = int(T · maxlenratio / r) decoder steps
  uint64_t seed = 0;              // prenet dropout seed: the output is deterministic per seed
  bool cross_attentions = false;  // return the cross-attention weights (memory: L·h·N·T floats)

  // Throws Error(kInvalidArgument) naming the offending option.
  void Validate() const;
};

// The reference's loop bounds for an encoder length T: `idx < minlen` never stops, `idx < maxlen`
// stops on the threshold, otherwise stops. At least one step always runs.
struct LengthLimits {
  int64_t minlen = 0;
  int64_t maxlen = 0;
  int64_t max_steps() const { return std::max<int64_t>({minlen, maxlen, 1}); }
};
LengthLimits length_limits(int64_t encoder_length, int reduction_factor,
                           const GenerationOptions& options);

struct GeneratedSpeech {
  Tensor spectrogram;                 // [frames, M]: post-net output (frames = steps · r)
  Tensor spectrogram_before_postnet;  // [frames, M]: the feat_out frames
  Tensor stop_logits;                 // [steps, r]
  Tensor stop_probs;                  // [steps, r]: sigmoid(stop_logits)
  Tensor cross_attentions;            // [L, heads, steps, T_item] if options.cross_attentions
  int64_t steps = 0;                  // decoder steps run for this item (its stop step)
};

// One utterance: token ids (eos included) and a speaker x-vector of speaker_embedding_dim values.
GeneratedSpeech generate_speech(const TtsModel& model, const std::vector<int64_t>& ids,
                                const Tensor& speaker, const GenerationOptions& options,
                                const Observer& observer = nullptr);

// A batch: sequences are right-padded with pad_token_id (masked, as the reference's
// `1 - (ids == pad)`), speakers is [B, S] (or one [S] row for every item). minlen/maxlen come from
// the padded length as in the reference. Item b's cross-attentions cover its own ids.size() keys.
std::vector<GeneratedSpeech> generate_speech_batch(const TtsModel& model,
                                                   const std::vector<std::vector<int64_t>>& ids,
                                                   const Tensor& speakers,
                                                   const GenerationOptions& options,
                                                   const Observer& observer = nullptr);

}  // namespace speecht5
