// The deterministic prenet dropout mask against the spec's test vector and the full
// `prenet_keep_mask` table that the reference harness used for tiny_gen_forced.
#include "model/prenet_dropout.h"

#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace speecht5 {
namespace {

std::string keep_bits(int64_t pos, int layer) {
  std::string s;
  for (int u = 0; u < 32; ++u) s += prenet_keep(42, pos, layer, u, 2, 256, 0.5) ? '1' : '0';
  return s;
}

TEST(PrenetDropoutTest, SpecTestVector) {
  EXPECT_EQ(keep_bits(0, 0), "01111010101100011110010011000000");
  EXPECT_EQ(keep_bits(0, 1), "01010010101110100000010010001000");
  EXPECT_EQ(keep_bits(2, 0), "01000010011000000010111001111110");
}

TEST(PrenetDropoutTest, MatchesFixtureMaskTable) {
  const io::TensorStore store = io::TensorStore::open(test::fixture("tiny_gen_forced.safetensors"));
  const io::TensorRecord* rec = store.find("prenet_keep_mask");
  ASSERT_NE(rec, nullptr);
  ASSERT_EQ(rec->shape, (Shape{19, 2, 256}));
  const std::vector<int64_t> mask = store.get_i64("prenet_keep_mask");
  std::vector<uint8_t> row(256);
  int64_t kept = 0;
  for (int64_t pos = 0; pos < 19; ++pos)
    for (int layer = 0; layer < 2; ++layer) {
      prenet_keep_row(42, pos, layer, 2, 256, 0.5, row.data());
      for (int u = 0; u < 256; ++u) {
        ASSERT_EQ(row[u], mask[(pos * 2 + layer) * 256 + u])
            << "pos " << pos << " layer " << layer << " unit " << u;
        kept += row[u];
      }
    }
  // About half kept (p = 0.5): 9728 draws.
  EXPECT_NEAR(static_cast<double>(kept) / (19 * 2 * 256), 0.5, 0.03);
}

TEST(PrenetDropoutTest, KeepProbabilityAndDivisor) {
  EXPECT_EQ(prenet_keep_divisor(0.5), 0.5f);
  int kept = 0;
  for (int u = 0; u < 4096; ++u) kept += prenet_keep(7, 3, 1, u, 2, 4096, 0.2);
  EXPECT_NEAR(kept / 4096.0, 0.2, 0.03);
  for (int u = 0; u < 64; ++u) EXPECT_FALSE(prenet_keep(7, 3, 1, u, 2, 64, 0.0));
}

}  // namespace
}  // namespace speecht5
