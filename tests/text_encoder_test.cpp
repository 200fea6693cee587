// Text encoder against the tiny_encoder fixtures (7, 19, 200 tokens and a padded batch).
#include "model/text_encoder.h"

#include <gtest/gtest.h>

#include <map>

#include "core/error.h"
#include "io/tensor_store.h"
#include "model/config.h"
#include "support/fixture_compare.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

struct TinyEncoder {
  TtsConfig config = load_tts_config(test::data_dir() / "models/tiny/tts");
  io::TensorStore store =
      io::TensorStore::open(test::data_dir() / "models/tiny/tts/model.safetensors");
  TextEncoder encoder{config, WeightReader(store)};
};

TokenBatch tokens_from(const test::Fixture& f, const std::string& prefix) {
  const Shape& s = f.shape(prefix + ".input_ids");
  TokenBatch t;
  t.batch = s[0];
  t.length = s[1];
  t.ids = f.ints(prefix + ".input_ids");
  t.attention_mask = f.ints(prefix + ".attention_mask");
  return t;
}

class TinyEncoderFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(TinyEncoderFixture, MatchesEveryHiddenState) {
  static TinyEncoder model;
  const test::Fixture f("tiny_encoder.safetensors");
  const std::string x = GetParam();
  const TokenBatch tokens = tokens_from(f, x);
  // name -> per item [T, H]
  std::map<std::string, std::map<int, Tensor>> seen;
  Tensor out =
      model.encoder.forward(tokens, [&](std::string_view name, int, int item, const Tensor& v) {
        seen[std::string(name)][item] = v.clone();
      });
  const std::string label = "tiny_encoder." + x;
  test::expect_rel_l2(label + ".last_hidden_state", out, f.tensor(x + ".last_hidden_state"));
  const Tensor prenet = f.tensor(x + ".prenet_out");            // [B, T, H]
  const Tensor hidden_states = f.tensor(x + ".hidden_states");  // [B, L+1, T, H]
  ASSERT_EQ(hidden_states.dim(1), model.config.encoder_layers + 1);
  for (int64_t b = 0; b < tokens.batch; ++b) {
    const std::string item = tokens.batch > 1 ? "[" + std::to_string(b) + "]" : "";
    test::expect_rel_l2(label + ".prenet_out" + item, seen["encoder.prenet_out"][b],
                        test::select(prenet, 0, b));
    for (int64_t i = 0; i < hidden_states.dim(1); ++i)
      test::expect_rel_l2(label + ".hidden_states" + item + "[" + std::to_string(i) + "]",
                          seen["encoder.hidden_states." + std::to_string(i)][b],
                          test::select(test::select(hidden_states, 0, b), 0, i));
  }
}

INSTANTIATE_TEST_SUITE_P(TextEncoderTest, TinyEncoderFixture,
                         ::testing::Values("seq0", "seq1", "seq2", "batch"));

TEST(TextEncoderTest, RejectsTokenOutsideVocabulary) {
  static TinyEncoder model;
  TokenBatch t = TokenBatch::from_sequences({{4, 5, 81, 2}}, 1);
  try {
    model.encoder.forward(t);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("token id 81 at position 2"), std::string::npos)
        << e.what();
  }
}

TEST(TextEncoderTest, RejectsTooManyTokens) {
  static TinyEncoder model;
  TokenBatch t = TokenBatch::from_sequences({std::vector<int64_t>(451, 4)}, 1);
  EXPECT_THROW(model.encoder.forward(t), Error);
}

TEST(TextEncoderTest, PadIdInsideSequenceIsMaskedLikeGenerateSpeech) {
  TokenBatch t = TokenBatch::from_sequences({{4, 1, 5}, {6}}, 1);
  EXPECT_EQ(t.length, 3);
  EXPECT_EQ(t.ids, (std::vector<int64_t>{4, 1, 5, 6, 1, 1}));
  EXPECT_EQ(t.attention_mask, (std::vector<int64_t>{1, 0, 1, 1, 0, 0}));
}

}  // namespace
}  // namespace speecht5
