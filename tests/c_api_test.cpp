// The C API (include/speecht5.h) end to end on the tiny fixture models: token ids → the
// reference's waveform and mel, text → audio (whole and streamed), and bad parameters answered
// with the right status and a message, never an exception.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "speecht5.h"
#include "support/fixture_compare.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

std::string tiny_dir(const char* which) {
  return (test::data_dir() / "models/tiny" / which).string();
}

struct CApi : ::testing::Test {
  std::string tts = tiny_dir("tts"), hifigan = tiny_dir("hifigan");
  test::Fixture forced{"tiny_gen_forced.safetensors"};
  Tensor speaker = forced.tensor("speaker_embeddings");
  std::vector<int64_t> ids = forced.ints("input_ids");
  speecht5_context* ctx = nullptr;

  void SetUp() override {
    speecht5_context_params cp = speecht5_context_default_params();
    cp.model_dir = tts.c_str();
    cp.vocoder_dir = hifigan.c_str();
    ASSERT_EQ(speecht5_init(&cp, &ctx), SPEECHT5_OK) << speecht5_last_error();
  }
  void TearDown() override { speecht5_free(ctx); }

  speecht5_synth_params forced_params() const {
    speecht5_synth_params p = speecht5_synth_default_params();
    p.speaker_embedding = speaker.data();
    p.speaker_embedding_size = static_cast<size_t>(speaker.numel());
    p.seed = 42;
    p.threshold = 3.0f;
    p.maxlenratio = 2.0f;
    return p;
  }
};

TEST_F(CApi, DefaultsAreTheDocumentedOnes) {
  const speecht5_synth_params p = speecht5_synth_default_params();
  EXPECT_EQ(p.voice, nullptr);
  EXPECT_FLOAT_EQ(p.threshold, 0.5f);
  EXPECT_FLOAT_EQ(p.minlenratio, 0.0f);
  EXPECT_FLOAT_EQ(p.maxlenratio, 20.0f);
  EXPECT_EQ(p.normalize, 1);
  EXPECT_FLOAT_EQ(p.sentence_silence, 0.2f);
  const speecht5_context_params c = speecht5_context_default_params();
  EXPECT_STREQ(c.model_dir, "microsoft/speecht5_tts");
  EXPECT_STREQ(c.vocoder_dir, "microsoft/speecht5_hifigan");
  EXPECT_EQ(speecht5_sample_rate(ctx), 16000);
  EXPECT_EQ(speecht5_sample_rate(nullptr), 0);
  EXPECT_NE(std::string(speecht5_version()), "");
}

TEST_F(CApi, IdsGiveTheFixtureWaveformAndMel) {
  const speecht5_synth_params p = forced_params();
  speecht5_audio audio{};
  ASSERT_EQ(speecht5_synthesize_ids(ctx, ids.data(), ids.size(), &p, &audio), SPEECHT5_OK)
      << speecht5_last_error();
  EXPECT_EQ(audio.sample_rate, 16000);
  const Tensor want = forced.tensor("waveform");
  ASSERT_EQ(static_cast<int64_t>(audio.n_samples), want.numel());
  test::expect_rel_l2(
      "C API speecht5_synthesize_ids vs tiny_gen_forced waveform",
      Tensor::from_values({want.numel()},
                          std::vector<float>(audio.samples, audio.samples + audio.n_samples)),
      want);
  speecht5_audio_free(&audio);
  EXPECT_EQ(audio.samples, nullptr);

  speecht5_mel mel{};
  ASSERT_EQ(speecht5_synthesize_ids_mel(ctx, ids.data(), ids.size(), &p, &mel), SPEECHT5_OK);
  ASSERT_EQ(mel.n_frames, 38u);
  ASSERT_EQ(mel.n_mels, 80u);
  test::expect_rel_l2(
      "C API speecht5_synthesize_ids_mel vs tiny_gen_forced spectrogram",
      Tensor::from_values({38, 80}, std::vector<float>(mel.data, mel.data + 38 * 80)),
      forced.tensor("spectrogram"));
  speecht5_mel_free(&mel);
  EXPECT_STREQ(speecht5_last_error(), "");

  // The C++ wrapper gives the same samples.
  speecht5_context_params cp = speecht5_context_default_params();
  cp.model_dir = tts.c_str();
  cp.vocoder_dir = hifigan.c_str();
  Engine engine(cp);
  const std::vector<float> again = engine.synthesize_ids(ids, p);
  test::expect_rel_l2("C++ Engine::synthesize_ids vs tiny_gen_forced waveform",
                      Tensor::from_values({want.numel()}, again), want);
}

struct Collected {
  std::vector<float> samples;
  int calls = 0;
  int stop_after = -1;  // stop (non-zero) on this call
};

int collect(const float* samples, size_t n, void* user) {
  auto* c = static_cast<Collected*>(user);
  c->samples.insert(c->samples.end(), samples, samples + n);
  return ++c->calls == c->stop_after ? 1 : 0;
}

TEST_F(CApi, TextWholeAndStreamedAgree) {
  speecht5_synth_params p = forced_params();
  p.threshold = 0.5f;
  p.maxlenratio = 20.0f;
  p.sentence_silence = 0.1f;
  const char* text = "Two sentences here. And the second one!";
  speecht5_audio audio{};
  ASSERT_EQ(speecht5_synthesize(ctx, text, &p, &audio), SPEECHT5_OK) << speecht5_last_error();
  // Two chunks of whole frames (256 samples each) and 1600 samples of silence between them.
  ASSERT_GT(audio.n_samples, 1600u);
  EXPECT_EQ((audio.n_samples - 1600) % 256, 0u);
  Collected streamed;
  ASSERT_EQ(speecht5_synthesize_stream(ctx, text, &p, collect, &streamed), SPEECHT5_OK);
  ASSERT_EQ(streamed.samples.size(), audio.n_samples);
  double worst = 0;
  for (size_t i = 0; i < audio.n_samples; ++i)
    worst = std::max(worst, static_cast<double>(std::fabs(streamed.samples[i] - audio.samples[i])));
  EXPECT_LE(worst, 1e-5) << "streamed vs whole";
  speecht5_audio_free(&audio);

  Collected stopped;
  stopped.stop_after = 1;
  EXPECT_EQ(speecht5_synthesize_stream(ctx, text, &p, collect, &stopped), SPEECHT5_ERR_CANCELLED);
  EXPECT_EQ(stopped.calls, 1);
  EXPECT_NE(std::string(speecht5_last_error()).find("stopped"), std::string::npos);
}

void expect_status(speecht5_status got, speecht5_status want, const std::string& needle) {
  EXPECT_EQ(got, want) << speecht5_last_error();
  EXPECT_NE(std::string(speecht5_last_error()).find(needle), std::string::npos)
      << "'" << needle << "' not in: " << speecht5_last_error();
}

TEST_F(CApi, BadParametersGiveStatusAndMessage) {
  speecht5_context* other = nullptr;
  speecht5_context_params cp = speecht5_context_default_params();
  expect_status(speecht5_init(nullptr, &other), SPEECHT5_ERR_INVALID_ARGUMENT, "params is NULL");
  cp.model_dir = nullptr;
  expect_status(speecht5_init(&cp, &other), SPEECHT5_ERR_INVALID_ARGUMENT, "model_dir");
  const std::string missing = (test::temp_dir("c_api") / "no_model").string();
  cp.model_dir = missing.c_str();
  expect_status(speecht5_init(&cp, &other), SPEECHT5_ERR_IO, "no_model");
  EXPECT_EQ(other, nullptr);
  cp.model_dir = tts.c_str();
  cp.vocoder_dir = nullptr;
  cp.precision = static_cast<speecht5_precision>(9);
  expect_status(speecht5_init(&cp, &other), SPEECHT5_ERR_INVALID_ARGUMENT, "precision 9");
  cp.precision = SPEECHT5_PRECISION_FP32;
  cp.n_threads = -1;
  expect_status(speecht5_init(&cp, &other), SPEECHT5_ERR_INVALID_ARGUMENT, "n_threads");
  cp.vocoder_dir = tts.c_str();  // a TTS model is not a vocoder
  cp.n_threads = 0;
  EXPECT_NE(speecht5_init(&cp, &other), SPEECHT5_OK);
  EXPECT_NE(std::string(speecht5_last_error()), "");

  speecht5_audio audio{};
  speecht5_synth_params p = forced_params();
  expect_status(speecht5_synthesize(nullptr, "Hi.", &p, &audio), SPEECHT5_ERR_INVALID_ARGUMENT,
                "context is NULL");
  expect_status(speecht5_synthesize(ctx, nullptr, &p, &audio), SPEECHT5_ERR_INVALID_ARGUMENT,
                "text is NULL");
  expect_status(speecht5_synthesize(ctx, "Hi.", nullptr, &audio), SPEECHT5_ERR_INVALID_ARGUMENT,
                "params is NULL");
  expect_status(speecht5_synthesize(ctx, "   ", &p, &audio), SPEECHT5_ERR_INVALID_ARGUMENT, "");
  expect_status(speecht5_synthesize(ctx, "a\xc3(b", &p, &audio), SPEECHT5_ERR_INVALID_ARGUMENT,
                "UTF-8");
  expect_status(speecht5_synthesize_ids(ctx, ids.data(), 0, &p, &audio),
                SPEECHT5_ERR_INVALID_ARGUMENT, "no token ids");
  const int64_t bad_ids[] = {4, 900, 2};
  expect_status(speecht5_synthesize_ids(ctx, bad_ids, 3, &p, &audio), SPEECHT5_ERR_INVALID_ARGUMENT,
                "900");
  p.threshold = -1.0f;
  expect_status(speecht5_synthesize(ctx, "Hi.", &p, &audio), SPEECHT5_ERR_INVALID_ARGUMENT,
                "threshold");
  p = forced_params();
  p.sentence_silence = NAN;
  expect_status(speecht5_synthesize(ctx, "Hi.", &p, &audio), SPEECHT5_ERR_INVALID_ARGUMENT,
                "silence");
  p = forced_params();
  p.speaker_embedding_size = 10;
  expect_status(speecht5_synthesize(ctx, "Hi.", &p, &audio), SPEECHT5_ERR_INVALID_ARGUMENT,
                "speaker_embedding_size is 10");
  p = speecht5_synth_default_params();
  p.voice = "nobody";
  expect_status(speecht5_synthesize(ctx, "Hi.", &p, &audio), SPEECHT5_ERR_INVALID_ARGUMENT,
                "nobody");
  EXPECT_EQ(audio.samples, nullptr);
  EXPECT_EQ(audio.n_samples, 0u);

  // The message is per thread: another thread's failure does not replace this one's.
  std::thread([&] {
    speecht5_audio a{};
    speecht5_synthesize(nullptr, "x", &p, &a);
    EXPECT_NE(std::string(speecht5_last_error()).find("context is NULL"), std::string::npos);
  }).join();
  EXPECT_NE(std::string(speecht5_last_error()).find("nobody"), std::string::npos);

  // A context without a vocoder makes mel spectrograms only.
  cp = speecht5_context_default_params();
  cp.model_dir = tts.c_str();
  cp.vocoder_dir = nullptr;
  ASSERT_EQ(speecht5_init(&cp, &other), SPEECHT5_OK) << speecht5_last_error();
  p = forced_params();
  expect_status(speecht5_synthesize(other, "Hi.", &p, &audio), SPEECHT5_ERR_INVALID_ARGUMENT,
                "no vocoder");
  speecht5_mel mel{};
  EXPECT_EQ(speecht5_synthesize_ids_mel(other, ids.data(), ids.size(), &p, &mel), SPEECHT5_OK);
  EXPECT_EQ(mel.n_frames, 38u);
  speecht5_mel_free(&mel);
  speecht5_free(other);

  // The C++ wrapper throws the message.
  cp.model_dir = missing.c_str();
  try {
    Engine engine(cp);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_model"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace speecht5
