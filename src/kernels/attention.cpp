#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "kernels/packed_weights.h"
#include "kernels/prefetch_row.h"
#include "kernels/small_ops.h"

namespace speecht5::kernels {
namespace {

inline float load_value(const float* p) { return *p; }
inline float load_value(const uint16_t* p) { return bf16_to_float(*p); }
inline float load_value(const int8_t* p) { return static_cast<float>(*p); }

template <typename T>
float dot(const float* a, const T* b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * load_value(b + i + k);
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) sum += a[i] * load_value(b + i);
  return sum;
}

}  // namespace

void softmax_rows(float* x, int64_t rows, int64_t cols) {
  if (const SmallOpsTable* simd = small_ops_for(active_isa()); simd != nullptr && cols > 0)
    return simd->softmax_rows(x, rows, cols);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * cols;
    float max = row[0];
    for (int64_t j = 1; j < cols; ++j) max = std::max(max, row[j]);
    float sum = 0;
    for (int64_t j = 0; j < cols; ++j) {
      row[j] = std::exp(row[j] - max);
      sum += row[j];
    }
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < cols; ++j) row[j] *= inv;
  }
}

void relative_position_scores(const float* q, int64_t q_stride, int64_t tq, int64_t tk,
                              const float* pe_k, int64_t head_dim, int64_t max_rel, float* bias) {
  for (int64_t i = 0; i < tq; ++i) {
    const float* qi = q + i * q_stride;
    for (int64_t j = 0; j < tk; ++j) {
      const int64_t rel = std::clamp<int64_t>(i - j, -max_rel, max_rel - 1) + max_rel;
      bias[i * tk + j] = dot(qi, pe_k + rel * head_dim, head_dim);
    }
  }
}

void attention_head(const float* q, int64_t q_stride, int64_t tq, const float* k, const float* v,
                    int64_t kv_stride, int64_t tk, int64_t head_dim, const float* score_bias,
                    const float* key_mask, float* probs, float* out, int64_t out_stride) {
  if (const SmallOpsTable* simd = small_ops_for(active_isa());
      simd != nullptr && tk > 0 && head_dim > 0 && head_dim % simd->head_dim_multiple == 0)
    return simd->attention_head(q, q_stride, tq, k, v, kv_stride, tk, head_dim, score_bias,
                                key_mask, probs, out, out_stride);
  for (int64_t i = 0; i < tq; ++i) {
    const float* qi = q + i * q_stride;
    float* p = probs + i * tk;
    for (int64_t j = 0; j < tk; ++j) {
      float s = dot(qi, k + j * kv_stride, head_dim);
      if (score_bias != nullptr) s += score_bias[i * tk + j];
      if (key_mask != nullptr) s += key_mask[j];
      p[j] = s;
    }
  }
  softmax_rows(probs, tq, tk);
  for (int64_t i = 0; i < tq; ++i) {
    const float* p = probs + i * tk;
    float* o = out + i * out_stride;
    std::fill(o, o + head_dim, 0.0f);
    for (int64_t j = 0; j < tk; ++j) {
      const float w = p[j];
      const float* vj = v + j * kv_stride;
      for (int64_t d = 0; d < head_dim; ++d) o[d] += w * vj[d];
    }
  }
}

namespace {

// The loops of attention_head() with tq = 1, so both give the same bits for a float32 cache.
template <typename T>
void one_query_portable(const float* q, const KvHead& kv, int64_t tk, int64_t d,
                        const float* key_mask, float* probs, float* out, const KvHead& next) {
  const T* k = static_cast<const T*>(kv.k);
  const T* v = static_cast<const T*>(kv.v);
  for (int64_t j = 0; j < tk; ++j) {
    prefetch_row<T>(next.k, j, d);
    const float s = dot(q, k + j * d, d);
    probs[j] = key_mask != nullptr ? s + key_mask[j] : s;
  }
  softmax_rows(probs, 1, tk);
  std::fill(out, out + d, 0.0f);
  for (int64_t j = 0; j < tk; ++j) {
    prefetch_row<T>(next.v, j, d);
    const float w = probs[j];
    for (int64_t i = 0; i < d; ++i) out[i] += w * load_value(v + j * d + i);
  }
}

// The int8 rows: each group of kKvInt8Group values is scaled by its own factor.
void one_query_portable_int8(const float* q, const KvHead& kv, int64_t tk, int64_t d,
                             const float* key_mask, float* probs, float* out, const KvHead& next) {
  const auto* k = static_cast<const int8_t*>(kv.k);
  const auto* v = static_cast<const int8_t*>(kv.v);
  const int64_t groups = d / kKvInt8Group;
  for (int64_t j = 0; j < tk; ++j) {
    prefetch_row<int8_t>(next.k, j, d);
    prefetch_scales(next.k_scales, j, groups);
    float s = 0.0f;
    for (int64_t g = 0; g < groups; ++g)
      s += kv.k_scales[j * groups + g] *
           dot(q + g * kKvInt8Group, k + j * d + g * kKvInt8Group, kKvInt8Group);
    probs[j] = key_mask != nullptr ? s + key_mask[j] : s;
  }
  softmax_rows(probs, 1, tk);
  std::fill(out, out + d, 0.0f);
  for (int64_t j = 0; j < tk; ++j) {
    prefetch_row<int8_t>(next.v, j, d);
    prefetch_scales(next.v_scales, j, groups);
    for (int64_t i = 0; i < d; ++i)
      out[i] += probs[j] * kv.v_scales[j * groups + i / kKvInt8Group] * load_value(v + j * d + i);
  }
}

}  // namespace

void attention_one_query(const float* q, const KvHead& kv, int64_t tk, int64_t head_dim,
                         const float* key_mask, float* probs, float* out, const KvHead& next) {
  if (tk <= 0) return;
  if (kv.format == KvFormat::kInt8 && head_dim % kKvInt8Group != 0)
    fail(ErrorCode::kInternal,
         "attention: an int8 KV head needs a head size that is a multiple of " +
             std::to_string(kKvInt8Group) + ", got " + std::to_string(head_dim));
  if (const SmallOpsTable* simd = small_ops_for(active_isa());
      simd != nullptr && head_dim % simd->head_dim_multiple == 0)
    return simd->attention_one_query(q, kv, tk, head_dim, key_mask, probs, out, next);
  switch (kv.format) {
    case KvFormat::kF32:
      return one_query_portable<float>(q, kv, tk, head_dim, key_mask, probs, out, next);
    case KvFormat::kBf16:
      return one_query_portable<uint16_t>(q, kv, tk, head_dim, key_mask, probs, out, next);
    case KvFormat::kInt8:
      return one_query_portable_int8(q, kv, tk, head_dim, key_mask, probs, out, next);
  }
}

}  // namespace speecht5::kernels
