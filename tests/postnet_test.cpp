#include "model/postnet.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "model/random_weights.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

std::string sci(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2e", v);
  return buf;
}

Postnet tiny_postnet() {
  const auto dir = test::data_dir() / "models/tiny/tts";
  return Postnet(io::TensorStore::open(dir / "model.safetensors"), load_tts_config(dir));
}

// HF: spectrogram = x + postnet(x) on the forced 38-frame run. Tolerance rel-L2 1e-5.
TEST(PostnetTest, MatchesTinyFixture) {
  const auto fx = io::TensorStore::open(test::fixture("tiny_gen_forced.safetensors"));
  const Tensor before = fx.get_f32("spectrogram_before_postnet");
  const Tensor expected = fx.get_f32("spectrogram");
  const Tensor actual = tiny_postnet().forward(before);
  ASSERT_EQ(actual.shape(), expected.shape());
  const double err = test::rel_l2(actual, expected);
  RecordProperty("rel_l2.tiny_gen_forced.spectrogram", sci(err));
  EXPECT_LT(err, 1e-5);
  EXPECT_LT(test::max_abs_diff(actual, expected), 1e-4);
}

// Each item of a batch is processed on its own: [2, frames, 80] gives both fixture outputs.
TEST(PostnetTest, BatchMatchesItems) {
  const auto fx = io::TensorStore::open(test::fixture("tiny_gen_forced.safetensors"));
  const Tensor before = fx.get_f32("spectrogram_before_postnet");
  const Tensor expected = fx.get_f32("spectrogram");
  const int64_t frames = before.dim(0), mels = before.dim(1);
  Tensor batch({2, frames, mels});
  for (int b = 0; b < 2; ++b)
    std::memcpy(batch.mutable_data() + b * frames * mels, before.data(),
                sizeof(float) * frames * mels);
  const Tensor out = tiny_postnet().forward(batch);
  ASSERT_EQ(out.shape(), (Shape{2, frames, mels}));
  for (int b = 0; b < 2; ++b)
    EXPECT_LT(test::rel_l2(out.data() + b * frames * mels, expected.data(), frames * mels), 1e-5);
}

// Every tiny generation run (different lengths) and the batch run's items at their own lengths.
TEST(PostnetTest, MatchesEveryTinyGenerationRun) {
  const Postnet postnet = tiny_postnet();
  for (const char* name : {"tiny_gen_default", "tiny_gen_minlen", "tiny_gen_maxlen",
                           "tiny_gen_maxlen0", "tiny_gen_minlen_gt_maxlen", "tiny_gen_mid"}) {
    const auto fx = io::TensorStore::open(test::fixture(std::string(name) + ".safetensors"));
    const Tensor out = postnet.forward(fx.get_f32("spectrogram_before_postnet"));
    const double err = test::rel_l2(out, fx.get_f32("spectrogram"));
    RecordProperty(std::string("rel_l2.") + name + ".spectrogram", sci(err));
    EXPECT_LT(err, 1e-5) << name;
  }
}

// The full-size post-net (HF defaults) on the spec's random weights (only its own tensors are
// generated) against full_gen_forced.
TEST(PostnetTest, MatchesFullFixture) {
  const TtsConfig config;
  io::TensorStore store("memory", "full-postnet");
  for (int i = 0; i < config.speech_decoder_postnet_layers; ++i) {
    const std::string prefix = "speech_decoder_postnet.layers." + std::to_string(i);
    const int64_t in = i == 0 ? 80 : 256,
                  out = i == config.speech_decoder_postnet_layers - 1 ? 80 : 256;
    const std::vector<std::pair<std::string, Shape>> tensors{
        {prefix + ".conv.weight", {out, in, 5}},
        {prefix + ".batch_norm.weight", {out}},
        {prefix + ".batch_norm.bias", {out}},
        {prefix + ".batch_norm.running_mean", {out}},
        {prefix + ".batch_norm.running_var", {out}}};
    for (const auto& [name, shape] : tensors) {
      const Tensor t = make_random_tensor(name, shape, 42);
      io::TensorRecord rec;
      rec.name = name;
      rec.shape = shape;
      rec.nbytes = sizeof(float) * t.numel();
      std::byte* data = store.allocate(rec.nbytes);
      std::memcpy(data, t.data(), rec.nbytes);
      rec.data = data;
      store.add(rec);
    }
  }
  const Postnet postnet(store, config);
  const auto fx = io::TensorStore::open(test::fixture("full_gen_forced.safetensors"));
  const Tensor out = postnet.forward(fx.get_f32("spectrogram_before_postnet"));
  const double err = test::rel_l2(out, fx.get_f32("spectrogram"));
  RecordProperty("rel_l2.full_gen_forced.spectrogram", sci(err));
  EXPECT_LT(err, 1e-5);
  EXPECT_LT(test::rel_l2(out, fx.get_f32("spectrogram_f64")), 1e-5);
}

TEST(PostnetTest, RejectsWrongWidth) {
  EXPECT_THROW(tiny_postnet().forward(Tensor({4, 81})), Error);
}

}  // namespace
}  // namespace speecht5
