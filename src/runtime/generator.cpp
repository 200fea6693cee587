#include "runtime/generator.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/log.h"
#include "kernels/activations.h"

namespace speecht5 {
namespace {

void require_finite_non_negative(double value, const char* name) {
  if (!std::isfinite(value) || value < 0)
    fail(ErrorCode::kInvalidArgument, std::string("generation option ") + name +
                                          " must be a finite number >= 0, got " +
                                          std::to_string(value));
}

// One item's outputs as they grow step by step.
struct ItemRecord {
  std::vector<float> frames;  // [steps · r, M]
  std::vector<float> logits;  // [steps, r]
  std::vector<float> probs;
  std::vector<float> cross;  // [steps, L, heads, T]
  int64_t stop_step = 0;
};

}  // namespace

void GenerationOptions::Validate() const {
  require_finite_non_negative(threshold, "threshold");
  require_finite_non_negative(minlenratio, "minlenratio");
  require_finite_non_negative(maxlenratio, "maxlenratio");
}

LengthLimits length_limits(int64_t encoder_length, int reduction_factor,
                           const GenerationOptions& options) {
  options.Validate();
  // Python: int(T * ratio / r) in double arithmetic, truncated. Clamp before converting so an
  // absurd ratio cannot overflow; the step cap (max_speech_positions) applies later anyway.
  auto bound = [&](double ratio) {
    const double v = static_cast<double>(encoder_length) * ratio / reduction_factor;
    return static_cast<int64_t>(std::min(v, 1e15));
  };
  return {bound(options.minlenratio), bound(options.maxlenratio)};
}

std::vector<GeneratedSpeech> generate_speech_batch(const TtsModel& model,
                                                   const std::vector<std::vector<int64_t>>& ids,
                                                   const Tensor& speakers,
                                                   const GenerationOptions& options,
                                                   const Observer& observer) {
  options.Validate();
  const TtsConfig& c = model.config();
  const int64_t B = static_cast<int64_t>(ids.size());
  if (B == 0) fail(ErrorCode::kInvalidArgument, "generate: empty batch");
  for (int64_t b = 0; b < B; ++b)
    if (ids[b].empty())
      fail(ErrorCode::kInvalidArgument, "generate: item " + std::to_string(b) + " has no tokens");
  const int64_t S = c.speaker_embedding_dim;
  if (speakers.numel() != B * S && speakers.numel() != S)
    fail(ErrorCode::kInvalidArgument, "generate: speaker embeddings have " +
                                          std::to_string(speakers.numel()) + " values, expected " +
                                          std::to_string(B) + " × " + std::to_string(S));
  // One speaker for the whole batch is repeated per item, as the reference's generate_speech does.
  Tensor per_item = speakers;
  if (speakers.numel() != B * S) {
    per_item = Tensor({B, S});
    for (int64_t b = 0; b < B; ++b)
      std::memcpy(per_item.mutable_data() + b * S, speakers.data(), sizeof(float) * S);
  }

  const TokenBatch tokens = TokenBatch::from_sequences(ids, c.pad_token_id);
  const Tensor encoder_out = model.encoder().forward(tokens, observer);
  const int64_t T = tokens.length, M = c.num_mel_bins, r = c.reduction_factor;
  const LengthLimits limits = length_limits(T, c.reduction_factor, options);
  int64_t max_steps = limits.max_steps();
  if (max_steps > c.max_speech_positions) {
    log::warn("generation capped at ", c.max_speech_positions,
              " decoder steps (max_speech_positions); the length ratios allow ", max_steps);
    max_steps = c.max_speech_positions;
  }

  const SpeechDecoder& decoder = model.decoder();
  DecoderState state =
      decoder.start(encoder_out, tokens.key_mask(), per_item, std::min<int64_t>(max_steps, 256));
  const int64_t L = decoder.layers(), heads = decoder.heads();
  const int64_t cross_size = L * heads * T;
  std::vector<float> frames(B * M, 0.0f), feat(B * r * M), logits(B * r);
  std::vector<float> cross(options.cross_attentions ? B * cross_size : 0);
  std::vector<ItemRecord> records(B);
  std::vector<int> active(B);
  for (int64_t b = 0; b < B; ++b) active[b] = static_cast<int>(b);
  const float threshold = static_cast<float>(options.threshold);  // torch compares in float32

  for (int64_t idx = 1; !active.empty(); ++idx) {
    const int64_t n = static_cast<int64_t>(active.size());
    decoder.step(state, active, frames.data(), options.seed, feat.data(), logits.data(),
                 cross.empty() ? nullptr : cross.data(), observer);
    std::vector<int> still_active;
    for (int64_t i = 0; i < n; ++i) {
      ItemRecord& rec = records[active[i]];
      const float* f = feat.data() + i * r * M;
      rec.frames.insert(rec.frames.end(), f, f + r * M);
      // The next input is the last of the r predicted frames.
      std::memcpy(frames.data() + i * M, f + (r - 1) * M, sizeof(float) * M);
      const float* lg = logits.data() + i * r;
      rec.logits.insert(rec.logits.end(), lg, lg + r);
      float sum = 0;
      for (int64_t j = 0; j < r; ++j) {
        float p = lg[j];
        kernels::sigmoid(&p, 1);
        rec.probs.push_back(p);
        sum += p;
      }
      if (!cross.empty())
        rec.cross.insert(rec.cross.end(), cross.data() + i * cross_size,
                         cross.data() + (i + 1) * cross_size);
      bool stop;
      if (idx < limits.minlen && idx < max_steps)
        stop = false;
      else if (idx < limits.maxlen && idx < max_steps)
        stop = sum >= threshold;
      else
        stop = true;
      if (stop) {
        rec.stop_step = idx;
      } else {
        // Compact the next step's inputs to the items still running.
        std::memmove(frames.data() + still_active.size() * M, frames.data() + i * M,
                     sizeof(float) * M);
        still_active.push_back(active[i]);
      }
    }
    active.swap(still_active);
  }

  std::vector<GeneratedSpeech> out(B);
  for (int64_t b = 0; b < B; ++b) {
    ItemRecord& rec = records[b];
    GeneratedSpeech& g = out[b];
    g.steps = rec.stop_step;
    const int64_t frames_n = g.steps * r;
    g.spectrogram_before_postnet = Tensor::from_values({frames_n, M}, rec.frames);
    g.spectrogram = model.postnet().forward(g.spectrogram_before_postnet);
    g.stop_logits = Tensor::from_values({g.steps, r}, rec.logits);
    g.stop_probs = Tensor::from_values({g.steps, r}, rec.probs);
    if (options.cross_attentions) {
      // [steps, L, heads, T] → [L, heads, steps, T_item]; keys past the item's length are padding.
      const int64_t Ti = static_cast<int64_t>(ids[b].size());
      g.cross_attentions = Tensor({L, heads, g.steps, Ti});
      float* dst = g.cross_attentions.mutable_data();
      for (int64_t s = 0; s < g.steps; ++s)
        for (int64_t lh = 0; lh < L * heads; ++lh)
          std::memcpy(dst + (lh * g.steps + s) * Ti, rec.cross.data() + (s * L * heads + lh) * T,
                      sizeof(float) * Ti);
    }
  }
  return out;
}

GeneratedSpeech generate_speech(const TtsModel& model, const std::vector<int64_t>& ids,
                                const Tensor& speaker, const GenerationOptions& options,
                                const Observer& observer) {
  return std::move(generate_speech_batch(model, {ids}, speaker, options, observer).front());
}

}  // namespace speecht5
