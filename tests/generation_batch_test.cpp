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
  test::check_batch_generation_fixture(TtsModel::load(test::data_dir() / "models/tiny/tts"));
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
