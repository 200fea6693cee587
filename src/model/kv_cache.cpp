#include "model/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "core/error.h"
#include "kernels/packed_weights.h"

namespace speecht5 {

HeadMajorCache::HeadMajorCache(KvType type, int64_t batch, int64_t heads, int64_t head_dim,
                               int64_t capacity)
    : type_(type), batch_(batch), heads_(heads), head_dim_(head_dim) {
  if (type_ == KvType::kInt8 && head_dim_ % kernels::kKvInt8Group != 0)
    fail(ErrorCode::kInternal, "KV cache: an int8 cache needs a head size that is a multiple of " +
                                   std::to_string(kernels::kKvInt8Group) + ", got " +
                                   std::to_string(head_dim_));
  grow(capacity, 0);
}

void HeadMajorCache::grow(int64_t capacity, int64_t used) {
  if (capacity <= capacity_) return;
  if (used > capacity_) fail(ErrorCode::kInternal, "KV cache: keeping more positions than held");
  const int64_t heads = batch_ * heads_;
  // `width` values per position (head_dim, or the int8 rows' scales).
  auto regrow = [&](auto& data, int64_t width) {
    std::remove_reference_t<decltype(data)> grown(heads * capacity * width);
    for (int64_t bh = 0; bh < heads; ++bh)
      std::copy_n(data.data() + bh * capacity_ * width, used * width,
                  grown.data() + bh * capacity * width);
    data.swap(grown);
  };
  switch (type_) {
    case KvType::kF32:
      regrow(f32_, head_dim_);
      break;
    case KvType::kBf16:
      regrow(bf16_, head_dim_);
      break;
    case KvType::kInt8:
      regrow(int8_, head_dim_);
      regrow(scales_, head_dim_ / kernels::kKvInt8Group);
      break;
  }
  capacity_ = capacity;
}

void HeadMajorCache::store(int64_t item, int64_t pos, const float* row, int64_t c0, int64_t c1) {
  const int one = static_cast<int>(item);
  store(&one, 1, pos, row, 0, c0, c1);
}

void HeadMajorCache::store(const int* items, int64_t n, int64_t pos, const float* rows, int64_t ld,
                           int64_t c0, int64_t c1) {
  // The items' converted pieces, before they go to their places (grown once per thread).
  thread_local std::vector<uint16_t> bf16;
  thread_local std::vector<int8_t> int8;
  thread_local std::vector<float> scales;
  constexpr int64_t kGroup = kernels::kKvInt8Group;
  for (int64_t c = c0; c < c1;) {
    const int64_t head = c / head_dim_, end = std::min(c1, (head + 1) * head_dim_);
    const int64_t within = c - head * head_dim_, width = end - c;
    switch (type_) {
      case KvType::kF32:
        for (int64_t i = 0; i < n; ++i)
          std::memcpy(f32_.data() + offset(items[i], head, pos) + within, rows + i * ld + c,
                      sizeof(float) * width);
        break;
      case KvType::kBf16:
        bf16.resize(n * width);
        kernels::convert_rows_bf16(rows + c, n, width, ld, width, bf16.data());
        for (int64_t i = 0; i < n; ++i)
          std::memcpy(bf16_.data() + offset(items[i], head, pos) + within, bf16.data() + i * width,
                      sizeof(uint16_t) * width);
        break;
      case KvType::kInt8:
        if (c % kGroup != 0 || width % kGroup != 0)
          fail(ErrorCode::kInternal, "KV cache: int8 columns [" + std::to_string(c0) + ", " +
                                         std::to_string(c1) + ") are not whole groups of " +
                                         std::to_string(kGroup));
        int8.resize(n * kGroup);
        scales.resize(n);
        for (int64_t g = c; g < end; g += kGroup) {
          kernels::quantize_rows_int8(rows + g, n, kGroup, ld, kGroup, int8.data(), scales.data());
          for (int64_t i = 0; i < n; ++i) {
            const int64_t at = offset(items[i], head, pos) + within + (g - c);
            std::memcpy(int8_.data() + at, int8.data() + i * kGroup, kGroup);
            scales_[at / kGroup] = scales[i];
          }
        }
        break;
    }
    c = end;
  }
}

void HeadMajorCache::store_all(const float* rows, int64_t positions) {
  const int64_t width = heads_ * head_dim_;
  grow(positions, 0);
  for (int64_t b = 0; b < batch_; ++b)
    for (int64_t t = 0; t < positions; ++t)
      store(b, t, rows + (b * positions + t) * width, 0, width);
}

kernels::KvHead kv_head(const HeadMajorCache& keys, const HeadMajorCache& values, int64_t item,
                        int64_t head) {
  if (keys.type() != values.type())
    fail(ErrorCode::kInternal, "KV cache: keys and values of different types");
  switch (keys.type()) {
    case KvType::kF32:
      return {keys.f32_head(item, head), values.f32_head(item, head), KvType::kF32};
    case KvType::kBf16:
      return {keys.bf16_head(item, head), values.bf16_head(item, head), KvType::kBf16};
    case KvType::kInt8:
      break;
  }
  return {keys.int8_head(item, head), values.int8_head(item, head), KvType::kInt8,
          keys.scales_head(item, head), values.scales_head(item, head)};
}

}  // namespace speecht5
