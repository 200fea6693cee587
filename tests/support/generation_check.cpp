#include "support/generation_check.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

namespace speecht5::test {

Observer IntermediateRecorder::observer() {
  return [this](std::string_view name, int, int item, const Tensor& value) {
    const auto key = std::make_pair(std::string(name), item);
    auto& v = values_[key];
    v.insert(v.end(), value.data(), value.data() + value.numel());
    widths_[key] = value.numel();
  };
}

Tensor IntermediateRecorder::rows(const std::string& name, int item) const {
  const auto key = std::make_pair(name, item);
  auto it = values_.find(key);
  if (it == values_.end()) return Tensor();
  const int64_t width = widths_.at(key);
  return Tensor::from_values({static_cast<int64_t>(it->second.size()) / width, width}, it->second);
}

Tensor IntermediateRecorder::decoder_layer_outs(int layers, int item) const {
  std::vector<Tensor> per_layer;
  for (int l = 0; l < layers; ++l)
    per_layer.push_back(rows("layer" + std::to_string(l) + ".out", item));
  const int64_t steps = per_layer[0].dim(0), H = per_layer[0].dim(1);
  Tensor out({steps, layers, H});
  for (int64_t s = 0; s < steps; ++s)
    for (int l = 0; l < layers; ++l)
      std::memcpy(out.mutable_data() + (s * layers + l) * H, per_layer[l].data() + s * H,
                  sizeof(float) * H);
  return out;
}

GenerationOptions options_from(const Fixture& f) {
  GenerationOptions o;
  o.threshold = f.meta_number("threshold");
  o.minlenratio = f.meta_number("minlenratio");
  o.maxlenratio = f.meta_number("maxlenratio");
  o.seed = static_cast<uint64_t>(f.meta_number("prenet_dropout_seed"));
  o.cross_attentions = true;
  return o;
}

void check_generation_fixture(const TtsModel& model, const Fixture& f, bool intermediates) {
  const GenerationOptions options = options_from(f);
  const std::vector<int64_t> ids = f.ints("input_ids");
  IntermediateRecorder rec;
  const GeneratedSpeech g = generate_speech(model, ids, f.tensor("speaker_embeddings"), options,
                                            intermediates ? rec.observer() : nullptr);
  const std::string name = f.name().substr(0, f.name().find('.'));
  const int64_t expected_steps = static_cast<int64_t>(f.meta_number("steps"));
  EXPECT_EQ(g.steps, expected_steps) << name;
  std::printf("[steps ] %s: %lld (reference %lld)\n", name.c_str(), static_cast<long long>(g.steps),
              static_cast<long long>(expected_steps));
  if (g.steps != expected_steps) return;
  expect_rel_l2(name + ".spectrogram_before_postnet", g.spectrogram_before_postnet,
                f.tensor("spectrogram_before_postnet"));
  expect_rel_l2(name + ".spectrogram", g.spectrogram, f.tensor("spectrogram"));
  expect_rel_l2(name + ".stop_logits", g.stop_logits, f.tensor("stop_logits"));
  expect_rel_l2(name + ".stop_probs", g.stop_probs, f.tensor("stop_probs"));
  Tensor sums({g.steps});
  for (int64_t s = 0; s < g.steps; ++s)
    for (int64_t j = 0; j < g.stop_probs.dim(1); ++j)
      sums.mutable_data()[s] += g.stop_probs.data()[s * g.stop_probs.dim(1) + j];
  expect_rel_l2(name + ".stop_prob_sums", sums, f.tensor("stop_prob_sums"));
  expect_rel_l2(name + ".cross_attentions", g.cross_attentions, f.tensor("cross_attentions"));
  if (f.store().find("cross_attentions_by_item") != nullptr)
    expect_rel_l2(name + ".cross_attentions_by_item", g.cross_attentions,
                  f.tensor("cross_attentions_by_item"));
  // Float64 runs of the reference (full size): how far our float32 is from exact arithmetic.
  for (const auto& [ours, key] :
       {std::pair{&g.spectrogram_before_postnet, "spectrogram_before_postnet_f64"},
        std::pair{&g.spectrogram, "spectrogram_f64"}, std::pair{&g.stop_probs, "stop_probs_f64"}})
    if (f.store().find(key) != nullptr) expect_rel_l2(name + "." + key, *ours, f.tensor(key));
  if (!intermediates) return;
  expect_rel_l2(name + ".prenet_out", rec.rows("prenet_out"), f.tensor("prenet_out"));
  for (const char* part : {"self_attn_out", "self_attn_ln_out", "cross_attn_out",
                           "cross_attn_ln_out", "ffn_out", "out"}) {
    const std::string key = std::string("layer0.") + part;
    expect_rel_l2(name + "." + key, rec.rows(key), f.tensor(key));
  }
  expect_rel_l2(name + ".decoder_layer_outs", rec.decoder_layer_outs(model.config().decoder_layers),
                f.tensor("decoder_layer_outs"));
}

// tiny_gen_batch: two utterances of 19 and 11 tokens, padded and masked, each stopping on its
// own (steps 8 and 14) with its own spectrogram and cross-attentions.
void check_batch_generation_fixture(const TtsModel& model) {
  const Fixture f("tiny_gen_batch.safetensors");
  const GenerationOptions options = options_from(f);
  const std::vector<int64_t> ids = f.ints("input_ids"), mask = f.ints("attention_mask");
  const int64_t B = 2, T = 19;
  std::vector<std::vector<int64_t>> sequences(B);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      if (mask[b * T + t]) sequences[b].push_back(ids[b * T + t]);
  ASSERT_EQ(sequences[1].size(), 11u);

  IntermediateRecorder rec;
  const auto out = generate_speech_batch(model, sequences, f.tensor("speaker_embeddings"), options,
                                         rec.observer());
  ASSERT_EQ(out.size(), 2u);
  const std::vector<int64_t> stop_steps = f.meta_ints("stop_steps");
  const std::vector<int64_t> lengths = f.ints("spectrogram_lengths");
  const int L = model.config().decoder_layers;
  for (int b = 0; b < B; ++b) {
    const std::string name = "tiny_gen_batch[" + std::to_string(b) + "]";
    EXPECT_EQ(out[b].steps, stop_steps[b]) << name;
    std::printf("[steps ] %s: %lld (reference %lld)\n", name.c_str(),
                static_cast<long long>(out[b].steps), static_cast<long long>(stop_steps[b]));
    if (out[b].steps != stop_steps[b]) continue;
    const int64_t n = out[b].steps;
    EXPECT_EQ(out[b].spectrogram.dim(0), lengths[b]);
    auto item = [&](const std::string& key) { return select(f.tensor(key), 0, b); };
    expect_rel_l2(name + ".spectrogram", out[b].spectrogram,
                  narrow(item("spectrograms"), 0, 0, lengths[b]));
    expect_rel_l2(name + ".spectrogram_before_postnet", out[b].spectrogram_before_postnet,
                  narrow(item("spectrograms_before_postnet"), 0, 0, 2 * n));
    expect_rel_l2(name + ".stop_logits", out[b].stop_logits, narrow(item("stop_logits"), 0, 0, n));
    expect_rel_l2(name + ".stop_probs", out[b].stop_probs, narrow(item("stop_probs"), 0, 0, n));
    Tensor sums({n});
    for (int64_t s = 0; s < n; ++s)
      sums.mutable_data()[s] =
          out[b].stop_probs.data()[2 * s] + out[b].stop_probs.data()[2 * s + 1];
    expect_rel_l2(name + ".stop_prob_sums", sums, narrow(item("stop_prob_sums"), 0, 0, n));
    // [L, h, N, T] → this item's steps and its own keys (the reference's masked keys are 0).
    const Tensor cross = narrow(item("cross_attentions_by_item"), 2, 0, n);
    const int64_t Ti = static_cast<int64_t>(sequences[b].size());
    const Tensor padding_keys = narrow(cross, 3, Ti, T);
    for (int64_t i = 0; i < padding_keys.numel(); ++i) ASSERT_EQ(padding_keys.data()[i], 0.0f);
    expect_rel_l2(name + ".cross_attentions_by_item", out[b].cross_attentions,
                  narrow(cross, 3, 0, Ti));
    expect_rel_l2(name + ".prenet_out", rec.rows("prenet_out", b),
                  narrow(item("prenet_out"), 0, 0, n));
    for (const char* part : {"self_attn_out", "self_attn_ln_out", "cross_attn_out",
                             "cross_attn_ln_out", "ffn_out", "out"}) {
      const std::string key = std::string("layer0.") + part;
      expect_rel_l2(name + "." + key, rec.rows(key, b), narrow(item(key), 0, 0, n));
    }
    expect_rel_l2(name + ".decoder_layer_outs", rec.decoder_layer_outs(L, b),
                  narrow(item("decoder_layer_outs"), 0, 0, n));
  }
}

}  // namespace speecht5::test
