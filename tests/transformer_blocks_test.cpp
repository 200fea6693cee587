// The attention projections fold a power-of-two query scaling (head_dim 4^k, SpeechT5's 64) into
// q_proj's weights and bias: the same bits as scaling q_proj(x) afterwards, as HF does, in every
// precision; any other head size keeps the separate multiplication.
#include "model/transformer_blocks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "io/tensor_store.h"
#include "kernels/activations.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

TEST(TransformerBlocksTest, PowerOfTwoQueryScalingIsFoldedIntoTheWeightsBitForBit) {
  const io::TensorStore store =
      io::TensorStore::open(test::data_dir() / "models/tiny/tts/model.safetensors");
  const std::string prefix = "speecht5.decoder.wrapped_decoder.layers.0.self_attn";
  constexpr int64_t kHidden = 64, kRows = 5;
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(kRows * kHidden);
  for (float& v : x) v = dist(rng);
  for (auto precision :
       {kernels::Precision::kFp32, kernels::Precision::kBf16, kernels::Precision::kInt8}) {
    const WeightReader w(store, precision);
    const kernels::Linear plain = w.linear(prefix + ".q_proj", kHidden, kHidden);
    std::vector<float> unscaled(kRows * kHidden);
    plain.forward(x.data(), kRows, unscaled.data());
    // heads 4: head_dim 16, scaling 1/4 (folded); heads 2: head_dim 32, scaling 32^-0.5 (not).
    for (int64_t heads : {4, 2}) {
      const AttentionProjections a = AttentionProjections::load(w, prefix, kHidden, heads);
      const auto hf = static_cast<float>(std::pow(static_cast<double>(kHidden / heads), -0.5));
      EXPECT_EQ(a.scaling, heads == 4 ? 1.0f : hf);
      std::vector<float> q(kRows * kHidden), want = unscaled;
      a.project_query(x.data(), kRows, q.data());
      kernels::scale(want.data(), static_cast<int64_t>(want.size()), hf);
      for (size_t i = 0; i < q.size(); ++i)
        ASSERT_EQ(q[i], want[i]) << kernels::precision_name(precision) << " heads " << heads
                                 << " value " << i;
    }
  }
}

}  // namespace
}  // namespace speecht5
