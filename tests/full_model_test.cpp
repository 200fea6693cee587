// Full-size SpeechT5 (HF default config) on weights regenerated in memory by the spec'd random
// generator (seed 42): full_encoder and full_gen_forced (30 steps, every intermediate).
#include <gtest/gtest.h>

#include <chrono>

#include "model/random_weights.h"
#include "model/tts_model.h"
#include "runtime/generator.h"
#include "support/fixtures.h"
#include "support/generation_check.h"

namespace speecht5 {
namespace {

const TtsModel& full_model() {
  static const io::TensorStore store = make_random_store(tts_preset("full"), 42);
  static const TtsModel model(tts_preset("full"), store);
  return model;
}

TEST(FullModelTest, EncoderMatchesFullEncoderFixture) {
  const test::Fixture f("full_encoder.safetensors");
  TokenBatch tokens;
  tokens.batch = 1;
  tokens.ids = f.ints("input_ids");
  tokens.length = static_cast<int64_t>(tokens.ids.size());
  tokens.attention_mask = f.ints("attention_mask");
  test::IntermediateRecorder rec;
  const auto t0 = std::chrono::steady_clock::now();
  const Tensor out = full_model().encoder().forward(tokens, rec.observer());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[timing] full encoder, %lld tokens: %.1f ms\n",
              static_cast<long long>(tokens.length), ms);
  test::expect_rel_l2("full_encoder.last_hidden_state", out, f.tensor("last_hidden_state"));
  test::expect_rel_l2("full_encoder.last_hidden_state_f64", out, f.tensor("last_hidden_state_f64"));
  test::expect_rel_l2("full_encoder.prenet_out", rec.rows("encoder.prenet_out"),
                      f.tensor("prenet_out"));
  const Tensor hidden_states = test::select(f.tensor("hidden_states"), 0, 0);  // [13, T, H]
  for (int64_t i = 0; i < hidden_states.dim(0); ++i)
    test::expect_rel_l2("full_encoder.hidden_states[" + std::to_string(i) + "]",
                        rec.rows("encoder.hidden_states." + std::to_string(i)),
                        test::select(hidden_states, 0, i));
}

TEST(FullModelTest, ForcedGenerationMatchesEveryIntermediate) {
  const auto t0 = std::chrono::steady_clock::now();
  test::check_generation_fixture(full_model(), test::Fixture("full_gen_forced.safetensors"), true);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[timing] full_gen_forced (40 tokens, 30 steps, with intermediates): %.1f ms\n", ms);
}

}  // namespace
}  // namespace speecht5
