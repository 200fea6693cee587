// Fidelity of the reduced-precision modes (bf16 and int8 linear-layer weights) against the float32
// reference fixtures: the forced generation runs (fixed step count, so lengths cannot differ) on
// the tiny model and on the full-size model with spec random weights, mel before/after the
// post-net, stop probabilities and the HiFi-GAN waveform (vocoder in fp32). The bounds are the
// measured values (docs/PERFORMANCE.md) with about 2× margin.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>

#include "model/hifigan.h"
#include "model/random_weights.h"
#include "model/tts_model.h"
#include "runtime/generator.h"
#include "support/fixture_compare.h"
#include "support/fixtures.h"
#include "support/generation_check.h"

namespace speecht5 {
namespace {

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

const HifiGan& vocoder(bool full) {
  if (full) {
    static const io::TensorStore store = make_random_store(hifigan_preset("full"), 42);
    static const HifiGan v(store, hifigan_preset("full"));
    return v;
  }
  static const HifiGan v = HifiGan::load(test::data_dir() / "models/tiny/hifigan");
  return v;
}

std::unique_ptr<TtsModel> make_model(bool full, Precision precision) {
  if (full) return std::make_unique<TtsModel>(tts_preset("full"), full_tts_store(), precision);
  return std::make_unique<TtsModel>(TtsModel::load(test::data_dir() / "models/tiny/tts", precision));
}

void check(const Case& c) {
  const std::unique_ptr<TtsModel> model = make_model(c.full, c.precision);
  const test::Fixture f(c.fixture);
  const GenerationOptions options = test::options_from(f);
  const GeneratedSpeech g =
      generate_speech(*model, f.ints("input_ids"), f.tensor("speaker_embeddings"), options);
  const std::string label = std::string(c.fixture) + " " + kernels::precision_name(c.precision);
  ASSERT_EQ(g.steps, static_cast<int64_t>(f.meta_number("steps"))) << label;
  const Tensor wave = vocoder(c.full).vocode(g.spectrogram);
  const Tensor ref_wave = f.tensor("waveform");
  struct Item {
    const char* name;
    Tensor actual, expected;
    double max_rel_l2, min_pcc;
  };
  const Item items[] = {
      {"spectrogram_before_postnet", g.spectrogram_before_postnet,
       f.tensor("spectrogram_before_postnet"), c.bounds.mel_rel_l2, c.bounds.mel_min_pcc},
      {"spectrogram", g.spectrogram, f.tensor("spectrogram"), c.bounds.mel_rel_l2, c.bounds.mel_min_pcc},
      {"stop_probs", g.stop_probs, f.tensor("stop_probs"), c.bounds.stop_rel_l2, 0.0},
      {"waveform", wave, ref_wave, c.bounds.wave_rel_l2, c.bounds.wave_min_pcc},
  };
  for (const Item& item : items) {
    ASSERT_EQ(item.actual.numel(), item.expected.numel()) << label << " " << item.name;
    const double rel = test::rel_l2(item.actual, item.expected);
    const double pcc = test::pearson(item.actual, item.expected);
    std::printf("[precision] %s %s: rel-L2 %.3e, PCC %.6f\n", label.c_str(), item.name, rel, pcc);
    EXPECT_LE(rel, item.max_rel_l2) << label << " " << item.name;
    EXPECT_GE(pcc, item.min_pcc) << label << " " << item.name;
  }
}

// Measured (docs/PERFORMANCE.md): bf16 mel rel-L2 3.6e-3 (tiny) / 4.5e-3 (full), PCC ≥ 0.99999;
// int8 1.3e-2 / 1.6e-2, PCC ≥ 0.99987; waveform ≤ 3.4e-4 (bf16) / 1.2e-3 (int8).
constexpr Bounds kBf16{1e-2, 0.9999, 2e-3, 0.99999, 2e-3};
constexpr Bounds kInt8{3.5e-2, 0.9995, 5e-3, 0.99995, 6e-3};

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
