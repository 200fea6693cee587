#include "model/speech_decoder_prenet.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "kernels/activations.h"
#include "model/positional_encoding.h"
#include "model/prenet_dropout.h"

namespace speecht5 {

SpeechDecoderPrenet::SpeechDecoderPrenet(const TtsConfig& config, const WeightReader& w)
    : config_(config) {
  const std::string p = "speecht5.decoder.prenet";
  const int64_t units = config.speech_decoder_prenet_units;
  for (int l = 0; l < config.speech_decoder_prenet_layers; ++l)
    layers_.push_back(
        w.linear(p + ".layers." + std::to_string(l), units, l == 0 ? config.num_mel_bins : units));
  final_layer_ = w.linear(p + ".final_layer", config.hidden_size, units);
  alpha_ = w.scalar(p + ".encode_positions.alpha");
  speaker_layer_ = w.linear(p + ".speaker_embeds_layer", config.hidden_size,
                            config.hidden_size + config.speaker_embedding_dim);
}

int64_t SpeechDecoderPrenet::scratch_floats(int64_t n) const {
  return n * (2 * config_.speech_decoder_prenet_units + config_.hidden_size +
              config_.speaker_embedding_dim);
}

void SpeechDecoderPrenet::dropout(float* x, int64_t n, int64_t pos, int layer,
                                  uint64_t seed) const {
  const int units = config_.speech_decoder_prenet_units;
  const double p = config_.speech_decoder_prenet_dropout;
  thread_local std::vector<uint8_t> keep;
  keep.resize(units);
  prenet_keep_row(seed, pos, layer, config_.speech_decoder_prenet_layers, units, p, keep.data());
  const float divisor = prenet_keep_divisor(p);
  for (int64_t i = 0; i < n; ++i)
    for (int u = 0; u < units; ++u) {
      float& v = x[i * units + u];
      v = keep[u] ? v / divisor : 0.0f;
    }
}

void SpeechDecoderPrenet::forward(const float* frames, int64_t n, int64_t pos, uint64_t seed,
                                  const float* speakers, float* out, float* scratch) const {
  const int64_t units = config_.speech_decoder_prenet_units;
  const int64_t H = config_.hidden_size, S = config_.speaker_embedding_dim;
  float* a = scratch;
  float* b = a + n * units;
  float* cat = b + n * units;  // [n, H + S]
  const float* in = frames;
  for (size_t l = 0; l < layers_.size(); ++l) {
    float* y = (l % 2 == 0) ? a : b;
    layers_[l].forward(in, n, y);
    kernels::relu(y, n * units);
    dropout(y, n, pos, static_cast<int>(l), seed);
    in = y;
  }
  // final_layer writes [n, H]; spread its rows into the concat buffer next to the speaker.
  final_layer_.forward(in, n, out);
  for (int64_t i = 0; i < n; ++i) {
    float* row = cat + i * (H + S);
    std::memcpy(row, out + i * H, sizeof(float) * H);
    add_scaled_sinusoid(pos, H, alpha_, row);
    std::memcpy(row + H, speakers + i * S, sizeof(float) * S);
  }
  speaker_layer_.forward(cat, n, out);
  kernels::relu(out, n * H);
}

}  // namespace speecht5
