#pragma once
// Scaled-dot-product attention pieces for one head. Query/key/value rows are strided because a
// head is a column block of a [rows, hidden] projection output.
#include <cstdint>

namespace speecht5::kernels {

// The value HF adds to the scores of padded keys (finfo(float32).min, not -inf).
inline constexpr float kMaskedScore = -3.40282346638528859811704183484516925440e+38f;

// In-place softmax over each row of `cols` values.
void softmax_rows(float* x, int64_t rows, int64_t cols);

// bias[i, j] = q[i] · pe_k[clip(i - j, -max_rel, max_rel - 1) + max_rel] for i < tq, j < tk
// (SpeechT5's encoder relative position bias; q is the already scaled query).
void relative_position_scores(const float* q, int64_t q_stride, int64_t tq, int64_t tk,
                              const float* pe_k, int64_t head_dim, int64_t max_rel, float* bias);

// One head: probs = softmax(q·kᵀ + score_bias + key_mask) [tq, tk]; out = probs·v.
// q is already scaled. score_bias [tq, tk] and key_mask [tk] (0 or kMaskedScore) may be null.
void attention_head(const float* q, int64_t q_stride, int64_t tq, const float* k, const float* v,
                    int64_t kv_stride, int64_t tk, int64_t head_dim, const float* score_bias,
                    const float* key_mask, float* probs, float* out, int64_t out_stride);

// How a KV cache stores its rows: float32, bf16, or int8 with one scale per kKvInt8Group
// values of a row (value = q · scale, quantised as quantize_rows_int8 does).
enum class KvFormat { kF32, kBf16, kInt8 };
inline constexpr int64_t kKvInt8Group = 32;

// One head of a KV cache: keys and values [tk, head_dim], contiguous; for int8 also their
// scales [tk, head_dim / kKvInt8Group], contiguous.
struct KvHead {
  const void* k = nullptr;
  const void* v = nullptr;
  KvFormat format = KvFormat::kF32;
  const float* k_scales = nullptr;
  const float* v_scales = nullptr;
};

// One query over one head: probs = softmax(q·kᵀ + key_mask) [tk]; out = probs·v [head_dim].
// q (already scaled), the scores and the sums are float32; key_mask may be null; an int8 head
// needs head_dim to be a multiple of kKvInt8Group. `next` (may be empty) is the head the caller
// attends to next, with as many positions: it is prefetched row by row along this one. The caches are one run per head with unused capacity between heads, which
// stops the hardware prefetcher at every head; 8 × 12 heads per layer at batch 8 made the
// attention latency-bound (BM_AttentionBatchCold measures both).
void attention_one_query(const float* q, const KvHead& kv, int64_t tk, int64_t head_dim,
                         const float* key_mask, float* probs, float* out, const KvHead& next = {});

}  // namespace speecht5::kernels
