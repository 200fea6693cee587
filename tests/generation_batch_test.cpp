// Batched generation (tiny_gen_batch): two utterances of 19 and 11 tokens, padded and masked,
// each stopping on its own (steps 8 and 14) with its own spectrogram and cross-attentions.
#include <gtest/gtest.h>

#include "model/tts_model.h"
#include "runtime/generator.h"
#include "support/fixtures.h"
#include "support/generation_check.h"

namespace speecht5 {
namespace {

TEST(GenerationBatchTest, EachItemMatchesTheReferenceUpToItsOwnStopStep) {
  const TtsModel model = TtsModel::load(test::data_dir() / "models/tiny/tts");
  const test::Fixture f("tiny_gen_batch.safetensors");
  const GenerationOptions options = test::options_from(f);
  const std::vector<int64_t> ids = f.ints("input_ids"), mask = f.ints("attention_mask");
  const int64_t B = 2, T = 19;
  std::vector<std::vector<int64_t>> sequences(B);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      if (mask[b * T + t]) sequences[b].push_back(ids[b * T + t]);
  ASSERT_EQ(sequences[1].size(), 11u);

  test::IntermediateRecorder rec;
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
    auto item = [&](const std::string& key) { return test::select(f.tensor(key), 0, b); };
    test::expect_rel_l2(name + ".spectrogram", out[b].spectrogram,
                        test::narrow(item("spectrograms"), 0, 0, lengths[b]));
    test::expect_rel_l2(name + ".spectrogram_before_postnet", out[b].spectrogram_before_postnet,
                        test::narrow(item("spectrograms_before_postnet"), 0, 0, 2 * n));
    test::expect_rel_l2(name + ".stop_logits", out[b].stop_logits,
                        test::narrow(item("stop_logits"), 0, 0, n));
    test::expect_rel_l2(name + ".stop_probs", out[b].stop_probs,
                        test::narrow(item("stop_probs"), 0, 0, n));
    Tensor sums({n});
    for (int64_t s = 0; s < n; ++s)
      sums.mutable_data()[s] =
          out[b].stop_probs.data()[2 * s] + out[b].stop_probs.data()[2 * s + 1];
    test::expect_rel_l2(name + ".stop_prob_sums", sums,
                        test::narrow(item("stop_prob_sums"), 0, 0, n));
    // [L, h, N, T] → this item's steps and its own keys (the reference's masked keys are 0).
    const Tensor cross = test::narrow(item("cross_attentions_by_item"), 2, 0, n);
    const int64_t Ti = static_cast<int64_t>(sequences[b].size());
    const Tensor padding_keys = test::narrow(cross, 3, Ti, T);
    for (int64_t i = 0; i < padding_keys.numel(); ++i) ASSERT_EQ(padding_keys.data()[i], 0.0f);
    test::expect_rel_l2(name + ".cross_attentions_by_item", out[b].cross_attentions,
                        test::narrow(cross, 3, 0, Ti));
    test::expect_rel_l2(name + ".prenet_out", rec.rows("prenet_out", b),
                        test::narrow(item("prenet_out"), 0, 0, n));
    for (const char* part : {"self_attn_out", "self_attn_ln_out", "cross_attn_out",
                             "cross_attn_ln_out", "ffn_out", "out"}) {
      const std::string key = std::string("layer0.") + part;
      test::expect_rel_l2(name + "." + key, rec.rows(key, b), test::narrow(item(key), 0, 0, n));
    }
    test::expect_rel_l2(name + ".decoder_layer_outs", rec.decoder_layer_outs(L, b),
                        test::narrow(item("decoder_layer_outs"), 0, 0, n));
  }
}

TEST(GenerationBatchTest, BatchItemEqualsItsSingleRun) {
  // Items are independent: item 1 alone (its own T = 11 for the loop bounds, so use a forced
  // run with maxlen from an explicit ratio) gives the same frames as in the batch.
  const TtsModel model = TtsModel::load(test::data_dir() / "models/tiny/tts");
  const test::Fixture f("tiny_gen_batch.safetensors");
  GenerationOptions o = test::options_from(f);
  o.threshold = 3.0;  // never met: both runs go to maxlen
  o.minlenratio = 0;
  o.maxlenratio = 1.0;  // batch: int(19/2) = 9 steps
  const std::vector<int64_t> ids = f.ints("input_ids");
  std::vector<int64_t> short_ids(ids.begin() + 19, ids.begin() + 19 + 11);
  std::vector<int64_t> long_ids(ids.begin(), ids.begin() + 19);
  const Tensor speakers = f.tensor("speaker_embeddings");
  const auto batch = generate_speech_batch(model, {long_ids, short_ids}, speakers, o);
  o.maxlenratio = 9 * 2 / 11.0 + 1e-9;  // alone: int(11 · ratio / 2) = 9 steps
  const GeneratedSpeech alone = generate_speech(model, short_ids, test::select(speakers, 0, 1), o);
  ASSERT_EQ(batch[1].steps, 9);
  ASSERT_EQ(alone.steps, 9);
  test::expect_rel_l2("batch item 1 vs alone", batch[1].spectrogram, alone.spectrogram, 1e-6);
}

}  // namespace
}  // namespace speecht5

namespace speecht5 {
namespace {

TEST(GenerationBatchTest, OneSpeakerIsRepeatedForEveryItem) {
  const TtsModel model = TtsModel::load(test::data_dir() / "models/tiny/tts");
  const test::Fixture f("tiny_gen_maxlen.safetensors");
  const GenerationOptions o = test::options_from(f);
  const std::vector<int64_t> ids = f.ints("input_ids");
  const Tensor spk = f.tensor("speaker_embeddings");  // [1, 512]
  const auto out = generate_speech_batch(model, {ids, ids}, spk, o);
  ASSERT_EQ(out.size(), 2u);
  for (int b = 0; b < 2; ++b)
    test::expect_rel_l2("tiny_gen_maxlen, shared speaker, item " + std::to_string(b),
                        out[b].spectrogram, f.tensor("spectrogram"));
}

}  // namespace
}  // namespace speecht5
