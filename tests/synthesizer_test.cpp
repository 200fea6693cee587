// runtime::Synthesizer on the tiny fixture models and the full-size spec model: token ids →
// waveform equal to the reference's (streamed through the post-net and HiFi-GAN or not), text →
// chunks joined with silence, and the options' checks.
#include "runtime/synthesizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "io/audio.h"
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

// Full-size spec weights regenerated in memory (built once for the tests below).
const Synthesizer& full_size() {
  static const io::TensorStore tts_store = make_random_store(tts_preset("full"), 42);
  static const io::TensorStore voc_store = make_random_store(hifigan_preset("full"), 42);
  static const Synthesizer synth(std::make_shared<const TtsModel>(tts_preset("full"), tts_store),
                                 std::make_shared<const HifiGan>(voc_store, hifigan_preset("full")),
                                 text::make_builtin_tokenizer());
  return synth;
}

TEST(Synthesizer, FullSizeForcedIdsGiveTheFixtureWaveform) {
  const auto t0 = std::chrono::steady_clock::now();
  const Synthesizer& synth = full_size();
  std::printf("[timing] full-size weights in memory: %.2f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  check_forced(synth, "full_gen_forced.safetensors", 8, false);
}

// Text → WAV bytes on the full-size model: header and length = frames × 256 + the silence.
TEST(Synthesizer, FullSizeTextToWav) {
  SynthesisOptions options;
  options.generation.threshold = 3.0;  // never met by random weights: runs to maxlen
  options.generation.maxlenratio = 1.0;
  options.sentence_silence = 0.2;
  const Tensor speaker = make_test_tensor("test.speaker_embedding", {512});
  const Synthesis s = full_size().synthesize("Hi there. Bye now!", speaker, options);
  ASSERT_EQ(s.chunks.size(), 2u);
  int64_t frames = 0;
  for (const auto& c : s.chunks) {
    // int(T · 1.0 / 2) steps of r = 2 frames for T ids.
    EXPECT_EQ(c.speech.steps, static_cast<int64_t>(c.ids.size()) / 2) << c.text;
    frames += c.speech.spectrogram.dim(0);
  }
  EXPECT_EQ(s.mel().dim(0), frames);
  const std::vector<uint8_t> wav = io::encode_wav(
      s.audio.data(), static_cast<int64_t>(s.audio.size()), full_size().sample_rate());
  ASSERT_GE(wav.size(), 44u);
  EXPECT_EQ(std::string(wav.begin(), wav.begin() + 4), "RIFF");
  uint16_t channels, bits;
  uint32_t rate, data_bytes = 0;
  std::memcpy(&channels, wav.data() + 22, 2);
  std::memcpy(&rate, wav.data() + 24, 4);
  std::memcpy(&bits, wav.data() + 34, 2);
  for (size_t at = 12; at + 8 <= wav.size();) {  // find the data chunk
    uint32_t size;
    std::memcpy(&size, wav.data() + at + 4, 4);
    if (std::string(wav.begin() + at, wav.begin() + at + 4) == "data") data_bytes = size;
    at += 8 + size + (size & 1);
  }
  EXPECT_EQ(channels, 1);
  EXPECT_EQ(rate, 16000u);
  EXPECT_EQ(bits, 16);
  EXPECT_EQ(static_cast<int64_t>(data_bytes), 2 * (frames * 256 + 3200));
  // Chunk audio is not silent (random weights still make a signal) and the gap is.
  const int64_t first = static_cast<int64_t>(s.chunks[0].audio.size());
  double energy = 0;
  for (int64_t i = 0; i < first; ++i) energy += s.audio[i] * s.audio[i];
  EXPECT_GT(energy, 0.0);
  for (int64_t i = first; i < first + 3200; ++i) ASSERT_EQ(s.audio[i], 0.0f);
}

}  // namespace
}  // namespace speecht5
