#include "model/postnet.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/error.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

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
  RecordProperty("rel_l2", std::to_string(err));
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

TEST(PostnetTest, RejectsWrongWidth) {
  EXPECT_THROW(tiny_postnet().forward(Tensor({4, 81})), Error);
}

}  // namespace
}  // namespace speecht5
