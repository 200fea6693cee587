// Fidelity of the reduced-precision modes (bf16 and int8 linear-layer weights, bf16 vocoder
// convolutions in both) against the float32 reference fixtures: the forced generation runs (fixed
// step count, so lengths cannot differ) on the tiny model and on the full-size model with spec
// random weights, mel before/after the post-net, stop probabilities and the HiFi-GAN waveform;
// and the bf16 vocoder alone on the HiFi-GAN fixtures. The bounds are the measured values
// (docs/PERFORMANCE.md) with about 2× margin.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>

#include "model/hifigan.h"
#include "model/random_weights.h"
#include "model/tts_model.h"
#include "runtime/generator.h"
#include "runtime/synthesizer.h"
#include "support/fixture_compare.h"
#include "support/fixtures.h"
#include "support/generation_check.h"

namespace speecht5 {
namespace {

using kernels::ConvPrecision;
using kernels::Precision;

struct Bounds {
  double mel_rel_l2, mel_min_pcc, wave_rel_l2, wave_min_pcc, stop_rel_l2;
};

struct Case {
  const char* fixture;
  bool full;
  Precision precision;
  Bounds bounds;
};

const io::TensorStore& full_tts_store() {
  static const io::TensorStore store = make_random_store(tts_preset("full"), 42);
  return store;
}

const HifiGan& vocoder(bool full, ConvPrecision precision) {
  const bool bf16 = precision == ConvPrecision::kBf16;
  if (full) {
    static const io::TensorStore store = make_random_store(hifigan_preset("full"), 42);
    static const HifiGan v(store, hifigan_preset("full"));
    static const HifiGan v_bf16(store, hifigan_preset("full"), ConvPrecision::kBf16);
    return bf16 ? v_bf16 : v;
  }
  static const HifiGan v = HifiGan::load(test::data_dir() / "models/tiny/hifigan");
  static const HifiGan v_bf16 =
      HifiGan::load(test::data_dir() / "models/tiny/hifigan", ConvPrecision::kBf16);
  return bf16 ? v_bf16 : v;
}

void expect_close(const Tensor& actual, const Tensor& expected, const std::string& label,
                  double max_rel_l2, double min_pcc) {
  ASSERT_EQ(actual.numel(), expected.numel()) << label;
  const double rel = test::rel_l2(actual, expected);
  const double pcc = test::pearson(actual, expected);
  std::printf("[precision] %s: rel-L2 %.3e, PCC %.7f\n", label.c_str(), rel, pcc);
  EXPECT_LE(rel, max_rel_l2) << label;
  EXPECT_GE(pcc, min_pcc) << label;
}

std::unique_ptr<TtsModel> make_model(bool full, Precision precision) {
  if (full) return std::make_unique<TtsModel>(tts_preset("full"), full_tts_store(), precision);
  return std::make_unique<TtsModel>(
      TtsModel::load(test::data_dir() / "models/tiny/tts", precision));
}

void check(const Case& c) {
  const std::unique_ptr<TtsModel> model = make_model(c.full, c.precision);
  const test::Fixture f(c.fixture);
  const GenerationOptions options = test::options_from(f);
  const GeneratedSpeech g =
      generate_speech(*model, f.ints("input_ids"), f.tensor("speaker_embeddings"), options);
  const std::string label = std::string(c.fixture) + " " + kernels::precision_name(c.precision);
  ASSERT_EQ(g.steps, static_cast<int64_t>(f.meta_number("steps"))) << label;
  const Tensor wave =
      vocoder(c.full, kernels::conv_precision_for(c.precision)).vocode(g.spectrogram);
  const Tensor ref_wave = f.tensor("waveform");
  struct Item {
    const char* name;
    Tensor actual, expected;
    double max_rel_l2, min_pcc;
  };
  const Item items[] = {
      {"spectrogram_before_postnet", g.spectrogram_before_postnet,
       f.tensor("spectrogram_before_postnet"), c.bounds.mel_rel_l2, c.bounds.mel_min_pcc},
      {"spectrogram", g.spectrogram, f.tensor("spectrogram"), c.bounds.mel_rel_l2,
       c.bounds.mel_min_pcc},
      {"stop_probs", g.stop_probs, f.tensor("stop_probs"), c.bounds.stop_rel_l2, 0.0},
      {"waveform", wave, ref_wave, c.bounds.wave_rel_l2, c.bounds.wave_min_pcc},
  };
  for (const Item& item : items)
    expect_close(item.actual, item.expected, label + " " + item.name, item.max_rel_l2,
                 item.min_pcc);
}

// Measured (docs/PERFORMANCE.md): bf16 mel rel-L2 3.6e-3 (tiny) / 4.5e-3 (full), PCC ≥ 0.99999;
// int8 1.3e-2 / 1.6e-2, PCC ≥ 0.99987. Waveform (bf16 vocoder): bf16 2.6e-4 / 3.1e-3, int8
// 2.7e-4 / 3.3e-3, PCC ≥ 0.999964 (tiny: its waveform is mostly a constant offset, so the PCC of
// the rest is lower than rel-L2 suggests). With the vocoder in float32 (no native bf16
// convolutions) the waveform errors are smaller: ≤ 3.4e-4 (bf16) / 1.2e-3 (int8).
constexpr Bounds kBf16{1e-2, 0.9999, 6e-3, 0.9999, 2e-3};
constexpr Bounds kInt8{3.5e-2, 0.9995, 7e-3, 0.9999, 6e-3};

TEST(PrecisionTest, TinyForcedGeneration) {
  check({"tiny_gen_forced.safetensors", false, Precision::kBf16, kBf16});
  check({"tiny_gen_forced.safetensors", false, Precision::kInt8, kInt8});
}

// One test for both modes: the full-size random checkpoint is generated once per process.
TEST(PrecisionTest, FullForcedGeneration) {
  check({"full_gen_forced.safetensors", true, Precision::kBf16, kBf16});
  check({"full_gen_forced.safetensors", true, Precision::kInt8, kInt8});
}

}  // namespace
}  // namespace speecht5

namespace speecht5 {
namespace {

// The bf16 vocoder alone, on the fixtures' float32 inputs: tiny_hifigan and full_hifigan
// (their mels), full_gen_forced (its post-net spectrogram). Measured rel-L2 2.5e-4 (tiny,
// PCC 0.999966) and 3.1e-3 (full, PCC 0.999994); bounds about 2× that.
TEST(PrecisionTest, Bf16Vocoder) {
  struct VocoderCase {
    const char* fixture;
    const char* mel;
    bool full;
    double max_rel_l2, min_pcc;
  };
  const VocoderCase cases[] = {
      {"tiny_hifigan.safetensors", "mel", false, 5e-4, 0.9999},
      {"full_hifigan.safetensors", "mel", true, 6e-3, 0.99998},
      {"full_gen_forced.safetensors", "spectrogram", true, 6e-3, 0.99998},
  };
  for (const VocoderCase& c : cases) {
    const HifiGan& v = vocoder(c.full, ConvPrecision::kBf16);
    EXPECT_EQ(v.precision(),
              kernels::bf16_convolution_supported() ? ConvPrecision::kBf16 : ConvPrecision::kFp32);
    const auto fx = io::TensorStore::open(test::fixture(c.fixture));
    expect_close(v.vocode(fx.get_f32(c.mel)), fx.get_f32("waveform"),
                 std::string(c.fixture) + " bf16 vocoder waveform", c.max_rel_l2, c.min_pcc);
  }
}

// The model precision picks the vocoder's: bf16 convolutions for bf16 and int8.
TEST(PrecisionTest, SynthesizerVocoderPrecision) {
  const ConvPrecision bf16 =
      kernels::bf16_convolution_supported() ? ConvPrecision::kBf16 : ConvPrecision::kFp32;
  for (const auto& [precision, expected] :
       {std::pair{Precision::kFp32, ConvPrecision::kFp32}, std::pair{Precision::kBf16, bf16},
        std::pair{Precision::kInt8, bf16}}) {
    const Synthesizer synth = Synthesizer::load(
        test::data_dir() / "models/tiny/tts", test::data_dir() / "models/tiny/hifigan", precision);
    ASSERT_TRUE(synth.has_vocoder());
    EXPECT_EQ(synth.vocoder()->precision(), expected) << kernels::precision_name(precision);
  }
}

}  // namespace
}  // namespace speecht5
