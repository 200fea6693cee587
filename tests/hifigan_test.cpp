#include "model/hifigan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

#include "core/error.h"
#include "model/random_weights.h"
#include "model/weight_norm.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

std::string sci(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2e", v);
  return buf;
}

// Tolerance for every fixture comparison: rel-L2 1e-5 (float32 vs float64 is ~5e-7).
constexpr double kTolerance = 1e-5;

std::filesystem::path tiny_dir() { return test::data_dir() / "models/tiny/hifigan"; }

// Asserts rel-L2 ≤ kTolerance and records the value (visible with --gtest_output=xml).
void expect_close(const Tensor& actual, const Tensor& expected, const std::string& name) {
  ASSERT_EQ(actual.numel(), expected.numel()) << name;
  const double err = test::rel_l2(actual, expected);
  ::testing::Test::RecordProperty("rel_l2." + name, sci(err));
  EXPECT_LT(err, kTolerance) << name;
}

Tensor squeeze_batch(const Tensor& t) {
  Shape s = t.shape();
  if (!s.empty() && s[0] == 1) s.erase(s.begin());
  return t.reshaped(s);
}

TEST(HifiGanTest, TinyWaveformAndEveryIntermediate) {
  const HifiGan vocoder = HifiGan::load(tiny_dir());
  const auto fx = io::TensorStore::open(test::fixture("tiny_hifigan.safetensors"));
  std::map<std::string, Tensor> seen;
  const Tensor wave = vocoder.vocode(
      fx.get_f32("mel"),
      [&](const std::string& name, const Tensor& value) { seen[name] = squeeze_batch(value); });
  const Tensor expected = fx.get_f32("waveform");
  ASSERT_EQ(wave.shape(), expected.shape());
  expect_close(wave, expected, "tiny_hifigan.waveform");
  std::vector<std::string> names{"conv_pre_out", "conv_post_in", "conv_post_out"};
  for (int i = 0; i < 4; ++i)
    for (const char* io : {"_in", "_out"}) names.push_back("upsampler" + std::to_string(i) + io);
  for (const auto& name : names) {
    ASSERT_TRUE(seen.count(name)) << name;
    const Tensor ref = fx.get_f32(name);
    EXPECT_EQ(seen[name].shape(), ref.shape()) << name;
    expect_close(seen[name], ref, "tiny_hifigan." + name);
  }
}

TEST(HifiGanTest, TinyBatch) {
  const HifiGan vocoder = HifiGan::load(tiny_dir());
  const auto fx = io::TensorStore::open(test::fixture("tiny_hifigan.safetensors"));
  const Tensor wave = vocoder.vocode(fx.get_f32("mel_batch"));
  const Tensor expected = fx.get_f32("waveform_batch");
  ASSERT_EQ(wave.shape(), expected.shape());
  expect_close(wave, expected, "tiny_hifigan.waveform_batch");
}

// End of the generation fixtures: HiFi-GAN on HF's post-net output.
TEST(HifiGanTest, TinyGenerationWaveforms) {
  const HifiGan vocoder = HifiGan::load(tiny_dir());
  for (const char* name : {"tiny_gen_forced", "tiny_gen_mid", "tiny_gen_minlen"}) {
    const auto fx = io::TensorStore::open(test::fixture(std::string(name) + ".safetensors"));
    const Tensor wave = vocoder.vocode(fx.get_f32("spectrogram"));
    expect_close(wave, fx.get_f32("waveform"), std::string(name) + ".waveform");
  }
  // The zero-padded batch of tiny_gen_batch (padding frames are vocoded too).
  const auto fx = io::TensorStore::open(test::fixture("tiny_gen_batch.safetensors"));
  const Tensor waves = vocoder.vocode(fx.get_f32("spectrograms"));
  expect_close(waves, fx.get_f32("waveforms"), "tiny_gen_batch.waveforms");
}

TEST(HifiGanTest, FoldsWeightNormByHand) {
  const Tensor g = Tensor::from_values({2, 1, 1}, {10, 2});
  const Tensor v = Tensor::from_values({2, 1, 2}, {3, 4, 0, -5});
  const Tensor w = fold_weight_norm(g, v, "test");
  EXPECT_EQ(w.shape(), (Shape{2, 1, 2}));
  const std::vector<float> expected{6, 8, 0, -2};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(w.data()[i], expected[i]);
  EXPECT_THROW(fold_weight_norm(Tensor::from_values({3}, {1, 2, 3}), v, "test"), Error);
}

// A store holding every tensor of `source`, with each conv weight W replaced by a weight-norm
// pair: v = W · (row-dependent factor), g = ‖W_row‖. Folding must give W back.
class WeightNormStore {
 public:
  explicit WeightNormStore(const io::TensorStore& source, bool parametrize)
      : store_("memory", "weight-norm-test") {
    for (const auto& rec : source.tensors()) {
      const Tensor t = source.get_f32(rec.name);
      const std::string suffix = ".weight";
      const bool conv_weight =
          t.rank() == 3 && rec.name.size() > suffix.size() && rec.name.ends_with(suffix);
      if (!conv_weight) {
        add(rec.name, t);
        continue;
      }
      const std::string prefix = rec.name.substr(0, rec.name.size() - suffix.size());
      const int64_t rows = t.dim(0), row = t.numel() / rows;
      Tensor g({rows, 1, 1}), v(t.shape());
      for (int64_t r = 0; r < rows; ++r) {
        double n2 = 0;
        for (int64_t j = 0; j < row; ++j) {
          const float w = t.data()[r * row + j];
          n2 += double(w) * w;
          v.mutable_data()[r * row + j] = w * (1.5f + r % 3);
        }
        g.mutable_data()[r] = static_cast<float>(std::sqrt(n2));
      }
      add(prefix + (parametrize ? ".parametrizations.weight.original0" : ".weight_g"), g);
      add(prefix + (parametrize ? ".parametrizations.weight.original1" : ".weight_v"), v);
    }
  }
  const io::TensorStore& store() const { return store_; }

 private:
  void add(const std::string& name, const Tensor& t) {
    io::TensorRecord rec;
    rec.name = name;
    rec.shape = t.shape();
    rec.nbytes = sizeof(float) * t.numel();
    std::byte* data = store_.allocate(rec.nbytes);
    std::memcpy(data, t.data(), rec.nbytes);
    rec.data = data;
    store_.add(rec);
  }
  io::TensorStore store_;
};

TEST(HifiGanTest, FoldsWeightNormCheckpoints) {
  const auto source = io::TensorStore::open(tiny_dir() / "model.safetensors");
  const auto fx = io::TensorStore::open(test::fixture("tiny_hifigan.safetensors"));
  for (bool parametrize : {false, true}) {
    WeightNormStore wn(source, parametrize);
    ASSERT_EQ(wn.store().find("conv_pre.weight"), nullptr);
    const HifiGan vocoder(wn.store(), load_hifigan_config(tiny_dir()));
    expect_close(vocoder.vocode(fx.get_f32("mel")), fx.get_f32("waveform"),
                 parametrize ? "tiny_hifigan.waveform.parametrized_weight_norm"
                             : "tiny_hifigan.waveform.weight_norm");
  }
}

// The same vocoder from the torch zip checkpoint (the format of microsoft/speecht5_hifigan).
TEST(HifiGanTest, LoadsTorchCheckpointFolder) {
  const auto dir = test::temp_dir("hifigan_torch");
  std::filesystem::copy_file(tiny_dir() / "config.json", dir / "config.json");
  std::filesystem::copy_file(tiny_dir() / "pytorch_model.bin", dir / "pytorch_model.bin");
  const HifiGan vocoder = HifiGan::load(dir);
  vocoder.warm_up();
  const auto fx = io::TensorStore::open(test::fixture("tiny_hifigan.safetensors"));
  expect_close(vocoder.vocode(fx.get_f32("mel")), fx.get_f32("waveform"),
               "tiny_hifigan.waveform.pytorch_model_bin");
}

TEST(HifiGanTest, MissingTensorIsNamed) {
  const io::TensorStore empty("memory", "empty");
  try {
    HifiGan vocoder(empty, load_hifigan_config(tiny_dir()));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mean"), std::string::npos) << e.what();
  }
  EXPECT_THROW(HifiGan::load(test::data_dir() / "no-such-vocoder"), Error);
}

TEST(HifiGanTest, RejectsWrongMelWidth) {
  const HifiGan vocoder = HifiGan::load(tiny_dir());
  EXPECT_THROW(vocoder.vocode(Tensor({10, 81})), Error);
  EXPECT_THROW(vocoder.vocode(Tensor({0, 80})), Error);
}

// Two fixture mels back to back: 80 frames.
Tensor long_mel() {
  const auto fx = io::TensorStore::open(test::fixture("tiny_hifigan.safetensors"));
  const Tensor batch = fx.get_f32("mel_batch");
  return batch.reshaped({batch.dim(0) * batch.dim(1), batch.dim(2)});
}

// Changing one frame changes only the samples within receptive_field_frames() of it: the bound
// that chunked vocoding relies on holds (HF defaults: 26 frames).
TEST(HifiGanTest, ReceptiveFieldBoundsTheInfluenceOfAFrame) {
  const HifiGan vocoder = HifiGan::load(tiny_dir());
  const int64_t radius = vocoder.receptive_field_frames();
  EXPECT_EQ(radius, 26);
  const Tensor mel = long_mel();
  const Tensor base = vocoder.vocode(mel);
  Tensor changed = mel.clone();
  const int64_t frame = 40, spf = vocoder.samples_per_frame();
  for (int m = 0; m < 80; ++m) changed.mutable_data()[frame * 80 + m] += 1.0f;
  const Tensor wave = vocoder.vocode(changed);
  int64_t first = -1, last = -1;
  for (int64_t i = 0; i < wave.numel(); ++i)
    if (wave.data()[i] != base.data()[i]) {
      if (first < 0) first = i;
      last = i;
    }
  ASSERT_GE(first, 0);
  EXPECT_GE(first, (frame - radius) * spf);
  EXPECT_LT(last, (frame + 1 + radius) * spf);
  // ... and the bound is not loose by more than a few frames.
  EXPECT_LT(first, (frame - radius + 8) * spf);
}

// Chunked vocoding equals one call: 1e-6 in float32. In bf16 an activation whose float32 value
// differs in the last bit between the two (summation order) can round to the neighbouring bf16
// value, so the bound is looser there (measured 1.1e-4 on the tiny model).
TEST(HifiGanTest, StreamingEqualsOneCall) {
  for (auto precision : {kernels::ConvPrecision::kFp32, kernels::ConvPrecision::kBf16}) {
    const HifiGan vocoder = HifiGan::load(tiny_dir(), precision);
    const double bound = vocoder.precision() == kernels::ConvPrecision::kBf16 ? 5e-4 : 1e-6;
    const Tensor mel = long_mel();
    const Tensor whole = vocoder.vocode(mel);
    for (int64_t chunk : {8, 24}) {
      HifiGanStream stream(vocoder, chunk);
      std::vector<float> out;
      for (int64_t f = 0; f < mel.dim(0); f += 3) {
        const int64_t n = std::min<int64_t>(3, mel.dim(0) - f);
        auto part = stream.push(mel.data() + f * 80, n);
        out.insert(out.end(), part.begin(), part.end());
      }
      auto rest = stream.finish();
      out.insert(out.end(), rest.begin(), rest.end());
      ASSERT_EQ(static_cast<int64_t>(out.size()), whole.numel());
      const double err = test::rel_l2(out.data(), whole.data(), whole.numel());
      std::printf("[streaming] %s chunk %ld: rel-L2 %.2e\n",
                  vocoder.precision() == kernels::ConvPrecision::kBf16 ? "bf16" : "fp32",
                  static_cast<long>(chunk), err);
      EXPECT_LT(err, bound);
    }
  }
}

}  // namespace
}  // namespace speecht5

namespace speecht5 {
namespace {

// Full-size HiFi-GAN (HF default config) on the spec's random weights (seed 42), regenerated
// in memory: the checkpoint is not shipped.
TEST(HifiGanFullTest, MatchesFullFixture) {
  const HifiGanConfig config;
  const io::TensorStore store = make_random_store(config, 42);
  const HifiGan vocoder(store, config);
  const auto fx = io::TensorStore::open(test::fixture("full_hifigan.safetensors"));
  std::map<std::string, Tensor> seen;
  const Tensor wave =
      vocoder.vocode(fx.get_f32("mel"), [&](const std::string& name, const Tensor& value) {
        if (name == "conv_pre_out" || name == "conv_post_out") seen[name] = squeeze_batch(value);
      });
  const Tensor expected = fx.get_f32("waveform");
  ASSERT_EQ(wave.shape(), expected.shape());
  expect_close(wave, expected, "full_hifigan.waveform");
  expect_close(wave, fx.get_f32("waveform_f64"), "full_hifigan.waveform_f64");
  for (const char* name : {"conv_pre_out", "conv_post_out"}) {
    ASSERT_EQ(seen[name].shape(), fx.get_f32(name).shape()) << name;
    expect_close(seen[name], fx.get_f32(name), std::string("full_hifigan.") + name);
  }
  // End to end: the full generation fixture's post-net output through the same vocoder.
  const auto gen = io::TensorStore::open(test::fixture("full_gen_forced.safetensors"));
  expect_close(vocoder.vocode(gen.get_f32("spectrogram")), gen.get_f32("waveform"),
               "full_gen_forced.waveform");
}

}  // namespace
}  // namespace speecht5
