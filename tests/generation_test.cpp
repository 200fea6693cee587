// Single-utterance generation on the tiny model against every tiny_gen_* fixture.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "model/prenet_dropout.h"
#include "model/tts_model.h"
#include "runtime/generator.h"
#include "support/fixtures.h"
#include "support/generation_check.h"

namespace speecht5 {
namespace {

const TtsModel& tiny_model() {
  static const TtsModel model = TtsModel::load(test::data_dir() / "models/tiny/tts");
  return model;
}

TEST(GenerationTest, ForcedRunMatchesEveryIntermediate) {
  test::check_generation_fixture(tiny_model(), test::Fixture("tiny_gen_forced.safetensors"), true);
}

class TinyGenerationFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(TinyGenerationFixture, MatchesOutputsAndStepCount) {
  test::check_generation_fixture(tiny_model(), test::Fixture(GetParam() + ".safetensors"), false);
}

INSTANTIATE_TEST_SUITE_P(GenerationTest, TinyGenerationFixture,
                         ::testing::Values("tiny_gen_default", "tiny_gen_minlen", "tiny_gen_maxlen",
                                           "tiny_gen_maxlen0", "tiny_gen_minlen_gt_maxlen",
                                           "tiny_gen_mid"));

TEST(GenerationTest, KeepMaskMatchesFixtureTable) {
  const test::Fixture f("tiny_gen_forced.safetensors");
  const std::vector<int64_t> mask = f.ints("prenet_keep_mask");  // [19, 2, 256]
  const TtsConfig& c = tiny_model().config();
  std::vector<uint8_t> row(c.speech_decoder_prenet_units);
  int64_t mismatches = 0;
  for (int64_t pos = 0; pos < 19; ++pos)
    for (int layer = 0; layer < 2; ++layer) {
      prenet_keep_row(42, pos, layer, c.speech_decoder_prenet_layers, c.speech_decoder_prenet_units,
                      c.speech_decoder_prenet_dropout, row.data());
      for (int u = 0; u < c.speech_decoder_prenet_units; ++u)
        mismatches += row[u] != mask[(pos * 2 + layer) * 256 + u];
    }
  EXPECT_EQ(mismatches, 0);
}

TEST(GenerationTest, LengthLimitsFollowTheReference) {
  GenerationOptions o;
  o.minlenratio = 0.631578947368421;
  o.maxlenratio = 2.0;
  const LengthLimits l = length_limits(19, 2, o);
  EXPECT_EQ(l.minlen, 6);
  EXPECT_EQ(l.maxlen, 19);
  o.minlenratio = 1.0;
  o.maxlenratio = 0.5;
  EXPECT_EQ(length_limits(19, 2, o).max_steps(), 9);
  o.minlenratio = 0;
  o.maxlenratio = 0.05;
  EXPECT_EQ(length_limits(19, 2, o).max_steps(), 1);  // maxlen 0: one step still runs
}

TEST(GenerationTest, DifferentSeedGivesDifferentOutputSameSeedSameOutput) {
  const test::Fixture f("tiny_gen_maxlen.safetensors");
  GenerationOptions o = test::options_from(f);
  const auto ids = f.ints("input_ids");
  const Tensor spk = f.tensor("speaker_embeddings");
  const GeneratedSpeech a = generate_speech(tiny_model(), ids, spk, o);
  const GeneratedSpeech b = generate_speech(tiny_model(), ids, spk, o);
  o.seed = 7;
  const GeneratedSpeech c = generate_speech(tiny_model(), ids, spk, o);
  EXPECT_EQ(test::rel_l2(a.spectrogram, b.spectrogram), 0.0);
  EXPECT_GT(test::rel_l2(c.spectrogram, a.spectrogram), 1e-2);
}

TEST(GenerationTest, OptionsValidateNamesTheOption) {
  for (auto [field, value] :
       std::vector<std::pair<std::string, double>>{{"threshold", -1},
                                                   {"threshold", NAN},
                                                   {"minlenratio", -0.5},
                                                   {"maxlenratio", INFINITY}}) {
    GenerationOptions o;
    if (field == "threshold") o.threshold = value;
    if (field == "minlenratio") o.minlenratio = value;
    if (field == "maxlenratio") o.maxlenratio = value;
    try {
      o.Validate();
      ADD_FAILURE() << field << " = " << value << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  }
}

TEST(GenerationTest, RejectsWrongSpeakerSizeAndEmptyInput) {
  const Tensor spk({511});
  EXPECT_THROW(generate_speech(tiny_model(), {4, 5, 2}, spk, {}), Error);
  EXPECT_THROW(generate_speech(tiny_model(), {}, Tensor({512}), {}), Error);
}

}  // namespace
}  // namespace speecht5

namespace speecht5 {
namespace {

TEST(TtsModelTest, TorchCheckpointsGiveTheSameSpeech) {
  const auto dir = test::data_dir() / "models/tiny/tts";
  const TtsConfig config = load_tts_config(dir);
  const test::Fixture f("tiny_gen_maxlen.safetensors");
  const GenerationOptions o = test::options_from(f);
  for (const char* file : {"pytorch_model.bin", "pytorch_model_legacy.bin"}) {
    const TtsModel model(config, io::TensorStore::open(dir / file));
    const GeneratedSpeech g =
        generate_speech(model, f.ints("input_ids"), f.tensor("speaker_embeddings"), o);
    test::expect_rel_l2(std::string("tiny_gen_maxlen via ") + file, g.spectrogram,
                        f.tensor("spectrogram"));
  }
}

TEST(TtsModelTest, CheckpointThatDoesNotFitTheConfigNamesTheTensor) {
  TtsConfig config = load_tts_config(test::data_dir() / "models/tiny/tts");
  config.encoder_ffn_dim = 96;  // checkpoint has 128
  try {
    TtsModel model(config,
                   io::TensorStore::open(test::data_dir() / "models/tiny/tts/model.safetensors"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kModel);
    EXPECT_NE(std::string(e.what()).find("intermediate_dense"), std::string::npos) << e.what();
  }
}

TEST(TtsModelTest, MissingModelFolderIsAnIoError) {
  try {
    TtsModel::load(test::data_dir() / "models/no_such_model");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("no_such_model"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace speecht5
