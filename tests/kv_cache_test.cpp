// The decoder's head-major KV cache: where a stored column lands, what growing keeps, and the
// bf16 storage of the reduced-precision modes (rounded exactly as kernels::float_to_bf16).
#include "model/kv_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
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
  EXPECT_EQ(head.format, KvType::kBf16);
  EXPECT_EQ(head.k, cache.bf16_head(1, 2));
}

// int8 mode's cache: each group of kKvInt8Group values of a row is quantised on its own, exactly
// as quantize_rows_int8 does, whether the row arrives in one piece or pair by pair; growing
// keeps the values and their scales; ranges that split a group and head sizes that are not a
// whole number of groups are refused.
TEST(KvCacheTest, Int8RowsAreQuantisedPerGroupOfColumns) {
  constexpr int64_t kG = kernels::kKvInt8Group, kD = 2 * kG, kW = 3 * kD;  // 3 heads of 64
  auto row8 = [&](int64_t item, int64_t pos) {
    std::vector<float> r(kW);
    for (int64_t c = 0; c < kW; ++c)  // a different magnitude per group
      r[c] = std::sin(0.37f * static_cast<float>(c + 11 * pos + 101 * item)) *
             static_cast<float>(1 + c / kG);
    return r;
  };
  HeadMajorCache whole(KvType::kInt8, kBatch, 3, kD, 2), pieces(KvType::kInt8, kBatch, 3, kD, 2);
  for (int64_t item = 0; item < kBatch; ++item)
    for (int64_t pos = 0; pos < 2; ++pos) {
      const auto r = row8(item, pos);
      whole.store(item, pos, r.data(), 0, kW);
      for (int64_t c = 0; c < kW; c += kG) pieces.store(item, pos, r.data(), c, c + kG);
    }
  whole.grow(5, 2);
  const auto late = row8(1, 2);
  whole.store(1, 2, late.data(), 0, kW);
  pieces.store(1, 2 - 1, row8(1, 1).data(), 0, kW);  // rewriting a position changes nothing
  for (int64_t item = 0; item < kBatch; ++item)
    for (int64_t head = 0; head < 3; ++head)
      for (int64_t pos = 0; pos < (item == 1 ? 3 : 2); ++pos) {
        const auto r = row8(item, pos);
        for (int64_t g = 0; g < kD / kG; ++g) {
          const float* x = r.data() + head * kD + g * kG;
          std::vector<int8_t> want(kG);
          float want_scale = 0.0f;
          kernels::quantize_rows_int8(x, 1, kG, kG, kG, want.data(), &want_scale);
          const int8_t* got = whole.int8_head(item, head) + pos * kD + g * kG;
          const float got_scale = whole.scales_head(item, head)[pos * (kD / kG) + g];
          ASSERT_EQ(got_scale, want_scale) << item << " " << head << " " << pos << " " << g;
          ASSERT_EQ(std::vector<int8_t>(got, got + kG), want);
          float max_abs = 0.0f;
          for (int64_t e = 0; e < kG; ++e) max_abs = std::max(max_abs, std::fabs(x[e]));
          EXPECT_EQ(got_scale, max_abs / 127.0f);
          if (pos < 2) {
            const int8_t* other = pieces.int8_head(item, head) + pos * kD + g * kG;
            ASSERT_EQ(std::vector<int8_t>(other, other + kG), want);
            ASSERT_EQ(pieces.scales_head(item, head)[pos * (kD / kG) + g], want_scale);
          }
        }
      }
  const kernels::KvHead head = kv_head(whole, pieces, 1, 2);
  EXPECT_EQ(head.format, KvType::kInt8);
  EXPECT_EQ(head.k, whole.int8_head(1, 2));
  EXPECT_EQ(head.v_scales, pieces.scales_head(1, 2));
  EXPECT_THROW(whole.store(0, 0, late.data(), 0, kG / 2), Error);
  EXPECT_THROW(whole.store(0, 0, late.data(), kG / 2, kW), Error);
  EXPECT_THROW(HeadMajorCache(KvType::kInt8, 1, 2, 48, 4), Error);
}

// A team member stores the columns it computed for every active item in one call: the same
// bytes as storing item by item, for items in any order and in every format.
TEST(KvCacheTest, StoringManyItemsAtOnceEqualsOneByOne) {
  constexpr int64_t kG = kernels::kKvInt8Group, kD = 2 * kG, kW = 2 * kD, kItems = 3;
  std::vector<float> rows(2 * kW);
  for (size_t c = 0; c < rows.size(); ++c) rows[c] = std::cos(0.61f * static_cast<float>(c));
  const std::vector<int> items{2, 0};  // rows[0] → item 2, rows[1] → item 0; item 1 untouched
  for (KvType type : {KvType::kF32, KvType::kBf16, KvType::kInt8}) {
    const int64_t value_bytes = type == KvType::kF32 ? 4 : type == KvType::kBf16 ? 2 : 1;
    HeadMajorCache many(type, kItems, 2, kD, 3), single(type, kItems, 2, kD, 3);
    for (auto [c0, c1] : {std::pair<int64_t, int64_t>{0, kG}, {kG, 3 * kG}, {3 * kG, kW}}) {
      many.store(items.data(), 2, 1, rows.data(), kW, c0, c1);
      for (int64_t i = 0; i < 2; ++i) single.store(items[i], 1, rows.data() + i * kW, c0, c1);
    }
    const std::vector<char> zeros(kD * value_bytes, 0);
    for (int64_t item = 0; item < kItems; ++item)
      for (int64_t head = 0; head < 2; ++head) {
        const kernels::KvHead a = kv_head(many, many, item, head);
        const kernels::KvHead b = kv_head(single, single, item, head);
        EXPECT_EQ(std::memcmp(a.k, b.k, 3 * kD * value_bytes), 0)
            << static_cast<int>(type) << " item " << item;
        if (type == KvType::kInt8) {
          EXPECT_EQ(std::memcmp(a.k_scales, b.k_scales, 3 * 2 * sizeof(float)), 0);
        }
        if (item == 1) {  // position 1 of the item no row went to
          EXPECT_EQ(std::memcmp(static_cast<const char*>(a.k) + kD * value_bytes, zeros.data(),
                                zeros.size()),
                    0);
        } else {
          EXPECT_NE(std::memcmp(static_cast<const char*>(a.k) + kD * value_bytes, zeros.data(),
                                zeros.size()),
                    0);
        }
      }
  }
}

TEST(KvCacheTest, KeysAndValuesOfDifferentTypesAreRefused) {
  const HeadMajorCache f32(KvType::kF32, 1, 1, 4, 2), bf16(KvType::kBf16, 1, 1, 4, 2);
  EXPECT_THROW(kv_head(f32, bf16, 0, 0), Error);
}

}  // namespace
}  // namespace speecht5
