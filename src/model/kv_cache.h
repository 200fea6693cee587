#pragma once
// Keys or values of one attention layer for a batch, head-major: [batch, heads, capacity,
// head_dim], so the one-query attention reads each head's positions as one contiguous run.
//
// Stored as float32, as bf16 in bf16 mode, or as int8 in int8 mode (a scale per 32 values of
// a row, kernels::kKvInt8Group). At batch 8 the caches are the other big part of a step's memory
// traffic: ~13 MB of bf16 keys/values at position 50 against 51 MB of int8 weights
// (docs/PERFORMANCE.md); int8 halves that again. float32 mode keeps float32 caches so it still
// matches the reference to ~1e-7.
#include <cstdint>
#include <vector>

#include "kernels/attention.h"

namespace speecht5 {

using KvType = kernels::KvFormat;

class HeadMajorCache {
 public:
  HeadMajorCache() = default;
  HeadMajorCache(KvType type, int64_t batch, int64_t heads, int64_t head_dim, int64_t capacity);

  KvType type() const { return type_; }
  int64_t capacity() const { return capacity_; }
  int64_t head_dim() const { return head_dim_; }

  // Grows to `capacity` positions per head, keeping positions [0, used) of every head.
  void grow(int64_t capacity, int64_t used);
  // Columns [c0, c1) of `row` (heads·head_dim values) become position `pos` of `item`. int8:
  // c0 and c1 must be multiples of kKvInt8Group (a Linear's output pairs are 32 wide).
  void store(int64_t item, int64_t pos, const float* row, int64_t c0, int64_t c1);
  // The same for n items at once: columns [c0, c1) of rows[i·ld, …) become position `pos` of
  // items[i] (what a team member stores for the columns it computed: one conversion per call,
  // not one per item).
  void store(const int* items, int64_t n, int64_t pos, const float* rows, int64_t ld, int64_t c0,
             int64_t c1);
  // rows [batch, positions, heads·head_dim] become positions [0, positions) of every item.
  void store_all(const float* rows, int64_t positions);

  // The first position of one head (the type says which accessor applies).
  const float* f32_head(int64_t item, int64_t head) const {
    return f32_.data() + offset(item, head, 0);
  }
  const uint16_t* bf16_head(int64_t item, int64_t head) const {
    return bf16_.data() + offset(item, head, 0);
  }
  const int8_t* int8_head(int64_t item, int64_t head) const {
    return int8_.data() + offset(item, head, 0);
  }
  // int8: the scales of one head, head_dim / kKvInt8Group per position.
  const float* scales_head(int64_t item, int64_t head) const {
    return scales_.data() + offset(item, head, 0) / kernels::kKvInt8Group;
  }

 private:
  int64_t offset(int64_t item, int64_t head, int64_t pos) const {
    return ((item * heads_ + head) * capacity_ + pos) * head_dim_;
  }

  KvType type_ = KvType::kF32;
  int64_t batch_ = 0, heads_ = 0, head_dim_ = 0, capacity_ = 0;
  std::vector<float> f32_;
  std::vector<uint16_t> bf16_;
  std::vector<int8_t> int8_;
  std::vector<float> scales_;
};

// One head of `item` as the attention kernels take it (keys and values of the same type).
kernels::KvHead kv_head(const HeadMajorCache& keys, const HeadMajorCache& values, int64_t item,
                        int64_t head);

}  // namespace speecht5
