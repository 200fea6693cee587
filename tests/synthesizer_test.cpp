// runtime::Synthesizer on the tiny fixture models and the full-size spec model: token ids →
// waveform equal to the reference's (streamed through the post-net and HiFi-GAN or not), text →
// chunks joined with silence, and the options' checks.
#include "runtime/synthesizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "model/random_weights.h"
#include "support/fixture_compare.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

const Synthesizer& tiny() {
  static const Synthesizer synth = Synthesizer::load(test::data_dir() / "models/tiny/tts",
                                                     test::data_dir() / "models/tiny/hifigan");
  return synth;
}

// The options a generation fixture was made with (seed 42 for all of them).
SynthesisOptions options_of(const test::Fixture& f) {
  SynthesisOptions o;
  o.generation.threshold = f.meta_number("threshold");
  o.generation.minlenratio = f.meta_number("minlenratio");
  o.generation.maxlenratio = f.meta_number("maxlenratio");
  o.generation.seed = 42;
  return o;
}

Tensor samples(const std::vector<float>& v) {
  return Tensor::from_values({static_cast<int64_t>(v.size())}, v);
}

void check_forced(const Synthesizer& synth, const std::string& fixture, int64_t chunk_frames,
                  bool also_whole = true) {
  const test::Fixture f(fixture);
  SynthesisOptions options = options_of(f);
  options.stream_chunk_frames = chunk_frames;
  const Tensor speaker = f.tensor("speaker_embeddings");
  const Tensor want = f.tensor("waveform");

  if (also_whole) {
    const ChunkSynthesis whole = synth.synthesize_ids(f.ints("input_ids"), speaker, options);
    EXPECT_EQ(whole.speech.steps, static_cast<int64_t>(f.meta_number("steps")));
    test::expect_rel_l2(fixture + " mel (synthesizer)", whole.speech.spectrogram,
                        f.tensor("spectrogram"));
    test::expect_rel_l2(fixture + " waveform (synthesizer)", samples(whole.audio), want);
  }

  std::vector<float> streamed;
  int pieces = 0;
  const ChunkSynthesis chunk =
      synth.synthesize_ids(f.ints("input_ids"), speaker, options, [&](const float* s, int64_t n) {
        streamed.insert(streamed.end(), s, s + n);
        ++pieces;
      });
  test::expect_rel_l2(
      fixture + " waveform (streamed, chunks of " + std::to_string(chunk_frames) + " frames)",
      samples(streamed), want);
  EXPECT_EQ(chunk.audio, streamed);
  EXPECT_EQ(chunk.speech.steps, static_cast<int64_t>(f.meta_number("steps")));
  test::expect_rel_l2(fixture + " mel (streamed run)", chunk.speech.spectrogram,
                      f.tensor("spectrogram"));
  // Audio went out before the decoder finished once the post-net's (10) and the vocoder's (26)
  // context and the first chunk were there.
  const int64_t frames = want.numel() / 256;
  if (frames >= 10 + 26 + chunk_frames) {
    EXPECT_GE(pieces, 2);
  }
  EXPECT_GT(chunk.first_audio_seconds, 0.0);
  std::printf(
      "[timing] %s streamed: first audio %.3f s, decoder %.3f s, vocoder %.3f s, "
      "%d pieces\n",
      fixture.c_str(), chunk.first_audio_seconds, chunk.generate_seconds, chunk.vocode_seconds,
      pieces);
}

TEST(Synthesizer, TinyForcedIdsGiveTheFixtureWaveform) {
  check_forced(tiny(), "tiny_gen_forced.safetensors", 1);
  check_forced(tiny(), "tiny_gen_forced.safetensors", 8, false);
}

TEST(Synthesizer, TextChunksAreJoinedWithSilence) {
  const test::Fixture f("tiny_gen_forced.safetensors");
  SynthesisOptions options = options_of(f);
  options.sentence_silence = 0.25;
  const Tensor speaker = f.tensor("speaker_embeddings");
  const std::string text = "Hello there, world. A second sentence follows it!";
  const auto chunks = tiny().prepare(text, options);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].text, "Hello there, world.");

  std::vector<float> streamed;
  size_t callbacks = 0;
  const Synthesis s = tiny().synthesize(
      text, speaker, options,
      [&](const float* p, int64_t n) { streamed.insert(streamed.end(), p, p + n); },
      [&](const ChunkSynthesis&, size_t index, size_t count) {
        EXPECT_EQ(index, callbacks++);
        EXPECT_EQ(count, 2u);
      });
  EXPECT_EQ(callbacks, 2u);
  ASSERT_EQ(s.chunks.size(), 2u);
  const int64_t silence = 4000;  // 0.25 s at 16 kHz
  EXPECT_EQ(tiny().silence_samples(options), silence);
  const int64_t frames = s.mel().dim(0);
  EXPECT_EQ(frames, s.chunks[0].speech.spectrogram.dim(0) + s.chunks[1].speech.spectrogram.dim(0));
  EXPECT_EQ(static_cast<int64_t>(s.audio.size()), frames * 256 + silence);
  EXPECT_EQ(s.audio, streamed);
  // Each chunk is exactly an independent run on its ids, and the gap is digital silence.
  const int64_t first = static_cast<int64_t>(s.chunks[0].audio.size());
  for (int64_t i = first; i < first + silence; ++i) ASSERT_EQ(s.audio[i], 0.0f) << i;
  for (size_t c = 0; c < 2; ++c) {
    std::vector<int64_t> ids(chunks[c].ids.begin(), chunks[c].ids.end());
    const ChunkSynthesis alone = tiny().synthesize_ids(ids, speaker, options);
    test::expect_rel_l2("chunk " + std::to_string(c) + " vs its own run",
                        samples(s.chunks[c].audio), samples(alone.audio));
  }
  EXPECT_EQ(s.stop_probs().dim(0), s.chunks[0].speech.steps + s.chunks[1].speech.steps);
}

TEST(Synthesizer, WithoutVocoderMakesMelOnly) {
  const Synthesizer synth = Synthesizer::load(test::data_dir() / "models/tiny/tts", {});
  EXPECT_FALSE(synth.has_vocoder());
  const test::Fixture f("tiny_gen_forced.safetensors");
  int calls = 0;
  const ChunkSynthesis c =
      synth.synthesize_ids(f.ints("input_ids"), f.tensor("speaker_embeddings"), options_of(f),
                           [&](const float*, int64_t) { ++calls; });
  EXPECT_TRUE(c.audio.empty());
  EXPECT_EQ(calls, 0);
  test::expect_rel_l2("tiny_gen_forced mel (no vocoder)", c.speech.spectrogram,
                      f.tensor("spectrogram"));
}

void expect_invalid(const std::function<void()>& body, const std::string& needle) {
  try {
    body();
    ADD_FAILURE() << "no error; expected one mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Synthesizer, BadInputsAreRefused) {
  const Tensor speaker = Tensor::from_values({512}, std::vector<float>(512, 0.1f));
  SynthesisOptions bad;
  bad.sentence_silence = -1;
  expect_invalid([&] { bad.Validate(); }, "sentence silence");
  bad.sentence_silence = NAN;
  expect_invalid([&] { bad.Validate(); }, "sentence silence");
  SynthesisOptions bad_threshold;
  bad_threshold.generation.threshold = -0.5;
  expect_invalid([&] { tiny().synthesize("Hi.", speaker, bad_threshold); }, "threshold");
  const SynthesisOptions ok;
  expect_invalid([&] { tiny().synthesize("", speaker, ok); }, "");
  expect_invalid([&] { tiny().synthesize(" \t\n ", speaker, ok); }, "");
  expect_invalid([&] { tiny().synthesize("ok \xff bad", speaker, ok); }, "UTF-8");
  const Tensor short_speaker = Tensor::from_values({10}, std::vector<float>(10, 0.1f));
  expect_invalid([&] { tiny().synthesize("Hi.", short_speaker, ok); }, "512");
}

// Full-size spec weights regenerated in memory: the end-to-end fixture waveform, streamed.
TEST(Synthesizer, FullSizeForcedIdsGiveTheFixtureWaveform) {
  const auto t0 = std::chrono::steady_clock::now();
  static const io::TensorStore tts_store = make_random_store(tts_preset("full"), 42);
  static const io::TensorStore voc_store = make_random_store(hifigan_preset("full"), 42);
  const Synthesizer synth(std::make_shared<const TtsModel>(tts_preset("full"), tts_store),
                          std::make_shared<const HifiGan>(voc_store, hifigan_preset("full")),
                          text::make_builtin_tokenizer());
  std::printf("[timing] full-size weights in memory: %.2f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  check_forced(synth, "full_gen_forced.safetensors", 8, false);
}

}  // namespace
}  // namespace speecht5
