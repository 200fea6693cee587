#include "model/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "core/error.h"
#include "kernels/bf16_convert.h"
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
  for (int64_t c = c0; c < c1;) {
    const int64_t head = c / head_dim_, end = std::min(c1, (head + 1) * head_dim_);
    const int64_t at = offset(item, head, pos) + (c - head * head_dim_);
    switch (type_) {
      case KvType::kF32:
        std::memcpy(f32_.data() + at, row + c, sizeof(float) * (end - c));
        break;
      case KvType::kBf16:
        kernels::convert_to_bf16(row + c, end - c, bf16_.data() + at);
        break;
      case KvType::kInt8: {
        constexpr int64_t kGroup = kernels::kKvInt8Group;
        if (c % kGroup != 0 || (end - c) % kGroup != 0)
          fail(ErrorCode::kInternal, "KV cache: int8 columns [" + std::to_string(c0) + ", " +
                                         std::to_string(c1) + ") are not whole groups of " +
                                         std::to_string(kGroup));
        for (int64_t g = c; g < end; g += kGroup)
          kernels::quantize_rows_int8(row + g, 1, kGroup, kGroup, kGroup,
                                      int8_.data() + at + (g - c),
                                      scales_.data() + (at + g - c) / kGroup);
        break;
      }
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
