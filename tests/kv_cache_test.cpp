// The decoder's head-major KV cache: where a stored column lands, what growing keeps, and the
// bf16 storage of the reduced-precision modes (rounded exactly as kernels::float_to_bf16).
#include "model/kv_cache.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "kernels/packed_weights.h"

namespace speecht5 {
namespace {

constexpr int64_t kBatch = 2, kHeads = 3, kDim = 4, kWidth = kHeads * kDim;

// A distinct value per (item, position, column), with bits below bf16's precision.
float value(int64_t item, int64_t pos, int64_t col) {
  return 1.0f + 0.25f * static_cast<float>(item) + 0.01f * static_cast<float>(pos) +
         0.0001f * static_cast<float>(col) + 1e-6f;
}

std::vector<float> row(int64_t item, int64_t pos) {
  std::vector<float> r(kWidth);
  for (int64_t c = 0; c < kWidth; ++c) r[c] = value(item, pos, c);
  return r;
}

float stored(const HeadMajorCache& cache, int64_t item, int64_t pos, int64_t col) {
  const int64_t head = col / kDim, at = pos * kDim + col % kDim;
  return cache.type() == KvType::kF32 ? cache.f32_head(item, head)[at]
                                      : kernels::bf16_to_float(cache.bf16_head(item, head)[at]);
}

float expected(KvType type, float v) {
  return type == KvType::kF32 ? v : kernels::bf16_to_float(kernels::float_to_bf16(v));
}

TEST(KvCacheTest, ColumnsLandInTheirHeadAndGrowingKeepsThem) {
  for (KvType type : {KvType::kF32, KvType::kBf16}) {
    HeadMajorCache cache(type, kBatch, kHeads, kDim, 3);
    for (int64_t pos = 0; pos < 3; ++pos)
      for (int64_t item = 0; item < kBatch; ++item) {
        const auto r = row(item, pos);
        // Two pieces whose boundary falls inside head 1, as team members store them.
        cache.store(item, pos, r.data(), 0, 6);
        cache.store(item, pos, r.data(), 6, kWidth);
      }
    cache.grow(10, 3);
    EXPECT_EQ(cache.capacity(), 10);
    const auto r = row(1, 3);
    cache.store(1, 3, r.data(), 0, kWidth);
    for (int64_t item = 0; item < kBatch; ++item)
      for (int64_t pos = 0; pos < (item == 1 ? 4 : 3); ++pos)
        for (int64_t c = 0; c < kWidth; ++c)
          ASSERT_EQ(stored(cache, item, pos, c), expected(type, value(item, pos, c)))
              << "item " << item << " pos " << pos << " col " << c;
    // Each head is one run of `capacity` positions: head 1 of item 0 starts 10·d values in.
    if (type == KvType::kF32) {
      EXPECT_EQ(cache.f32_head(0, 1) - cache.f32_head(0, 0), 10 * kDim);
    }
  }
}

TEST(KvCacheTest, StoreAllSplitsRowsIntoHeads) {
  std::vector<float> rows;
  for (int64_t item = 0; item < kBatch; ++item)
    for (int64_t pos = 0; pos < 5; ++pos) {
      const auto r = row(item, pos);
      rows.insert(rows.end(), r.begin(), r.end());
    }
  HeadMajorCache cache(KvType::kBf16, kBatch, kHeads, kDim, 5);
  cache.store_all(rows.data(), 5);
  for (int64_t item = 0; item < kBatch; ++item)
    for (int64_t pos = 0; pos < 5; ++pos)
      for (int64_t c = 0; c < kWidth; ++c)
        ASSERT_EQ(stored(cache, item, pos, c), expected(KvType::kBf16, value(item, pos, c)));
  const kernels::KvHead head = kv_head(cache, cache, 1, 2);
  EXPECT_TRUE(head.bf16);
  EXPECT_EQ(head.k, cache.bf16_head(1, 2));
}

TEST(KvCacheTest, KeysAndValuesOfDifferentTypesAreRefused) {
  const HeadMajorCache f32(KvType::kF32, 1, 1, 4, 2), bf16(KvType::kBf16, 1, 1, 4, 2);
  EXPECT_THROW(kv_head(f32, bf16, 0, 0), Error);
}

}  // namespace
}  // namespace speecht5
