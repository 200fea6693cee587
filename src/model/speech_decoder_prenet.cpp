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

int64_t SpeechDecoderPrenet::weight_bytes() const {
  int64_t bytes = final_layer_.weight_bytes() + speaker_layer_.weight_bytes();
  for (const kernels::Linear& layer : layers_) bytes += layer.weight_bytes();
  return bytes;
}

void SpeechDecoderPrenet::forward(const float* frames, int64_t n, int64_t pos, uint64_t seed,
                                  const float* speakers, float* out, float* scratch,
                                  const kernels::Team& team, const kernels::Linear* then) const {
  const int64_t units = config_.speech_decoder_prenet_units;
  const int64_t H = config_.hidden_size, S = config_.speaker_embedding_dim;
  const int layers = config_.speech_decoder_prenet_layers;
  const double p = config_.speech_decoder_prenet_dropout;
  const float divisor = prenet_keep_divisor(p);
  float* a = scratch;
  float* b = a + n * units;
  float* cat = b + n * units;  // [n, H + S]
  // Every member draws the (cheap) keep masks itself rather than wait for one at a barrier.
  thread_local std::vector<uint8_t> keep;
  const float* in = frames;
  for (int l = 0; l < static_cast<int>(layers_.size()); ++l) {
    float* y = (l % 2 == 0) ? a : b;
    team.run([&] {
      keep.resize(units);
      prenet_keep_row(seed, pos, l, layers, units, p, keep.data());
      // relu, then the seeded dropout (always on, as in the reference), on this member's columns.
      const kernels::Linear* next_layer =
          l + 1 < static_cast<int>(layers_.size()) ? &layers_[l + 1] : &final_layer_;
      layers_[l].forward_team(
          in, n, y, team,
          [&](int64_t c0, int64_t c1) {
            for (int64_t i = 0; i < n; ++i)
              for (int64_t u = c0; u < c1; ++u) {
                const float v = y[i * units + u] > 0.0f ? y[i * units + u] : 0.0f;  // kernels::relu
                y[i * units + u] = keep[u] ? v / divisor : 0.0f;
              }
          },
          next_layer);
    });
    team.barrier();
    in = y;
  }
  // final_layer's rows go into the concat buffer, + alpha·pe[pos], next to the speaker.
  team.run([&] {
    thread_local std::vector<float> pe;
    pe.resize(H);
    final_layer_.forward_team(
        in, n, out, team,
        [&](int64_t c0, int64_t c1) {
          sinusoid_columns(pos, H, c0, c1, pe.data());
          for (int64_t i = 0; i < n; ++i)
            for (int64_t c = c0; c < c1; ++c)
              cat[i * (H + S) + c] = out[i * H + c] + alpha_ * pe[c];
        },
        &speaker_layer_);
    if (team.leader())
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(cat + i * (H + S) + H, speakers + i * S, sizeof(float) * S);
  });
  team.barrier();
  team.run([&] {
    speaker_layer_.forward_team(
        cat, n, out, team,
        [&](int64_t c0, int64_t c1) {
          for (int64_t i = 0; i < n; ++i) kernels::relu(out + i * H + c0, c1 - c0);
        },
        then);
  });
  team.barrier();
}

}  // namespace speecht5
