#include "model/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "core/error.h"
#include "kernels/bf16_convert.h"

namespace speecht5 {

HeadMajorCache::HeadMajorCache(KvType type, int64_t batch, int64_t heads, int64_t head_dim,
                               int64_t capacity)
    : type_(type), batch_(batch), heads_(heads), head_dim_(head_dim) {
  grow(capacity, 0);
}

void HeadMajorCache::grow(int64_t capacity, int64_t used) {
  if (capacity <= capacity_) return;
  if (used > capacity_) fail(ErrorCode::kInternal, "KV cache: keeping more positions than held");
  const int64_t heads = batch_ * heads_, run = used * head_dim_;
  auto regrow = [&](auto& data) {
    std::remove_reference_t<decltype(data)> grown(heads * capacity * head_dim_);
    for (int64_t bh = 0; bh < heads; ++bh)
      std::copy_n(data.data() + bh * capacity_ * head_dim_, run,
                  grown.data() + bh * capacity * head_dim_);
    data.swap(grown);
  };
  if (type_ == KvType::kF32)
    regrow(f32_);
  else
    regrow(bf16_);
  capacity_ = capacity;
}

void HeadMajorCache::store(int64_t item, int64_t pos, const float* row, int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1;) {
    const int64_t head = c / head_dim_, end = std::min(c1, (head + 1) * head_dim_);
    const int64_t at = offset(item, head, pos) + (c - head * head_dim_);
    if (type_ == KvType::kF32)
      std::memcpy(f32_.data() + at, row + c, sizeof(float) * (end - c));
    else
      kernels::convert_to_bf16(row + c, end - c, bf16_.data() + at);
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
  if (keys.type() == KvType::kF32)
    return {keys.f32_head(item, head), values.f32_head(item, head), false};
  return {keys.bf16_head(item, head), values.bf16_head(item, head), true};
}

}  // namespace speecht5
