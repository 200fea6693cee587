#pragma once
// SIMD versions of the small per-step ops (attention over a KV cache, softmax, exact GELU,
// LayerNorm),
// one table per ISA; attention.cpp / activations.cpp call them when the active ISA has one and
// fall back to their portable loops otherwise. exp and erf are polynomial/rational
// approximations accurate to a few float ulps (tests/small_ops_test.cpp states the bounds).
#include <cstdint>

#include "kernels/attention.h"
#include "kernels/cpu_features.h"

namespace speecht5::kernels {

struct SmallOpsTable {
  // Same contract as attention_head() for head_dim a multiple of 16 (AVX-512) / 8 (AVX2).
  void (*attention_head)(const float* q, int64_t q_stride, int64_t tq, const float* k,
                         const float* v, int64_t kv_stride, int64_t tk, int64_t head_dim,
                         const float* score_bias, const float* key_mask, float* probs, float* out,
                         int64_t out_stride);
  int64_t head_dim_multiple;
  void (*softmax_rows)(float* x, int64_t rows, int64_t cols);
  void (*gelu_erf_rows)(float* x, int64_t rows, int64_t cols, int64_t ld);
  void (*exp)(const float* x, int64_t n, float* out);  // for tests
  // Same contract as attention_one_query() for head_dim a multiple of head_dim_multiple.
  void (*attention_one_query)(const float* q, const KvHead& kv, int64_t tk, int64_t head_dim,
                              const float* key_mask, float* probs, float* out, const KvHead& next);
  // Rows of layer_norm() (norm.h), `dim` apart, any dim, with the portable loop's bits. `out`
  // may be `x`.
  void (*layer_norm_rows)(const float* x, int64_t rows, int64_t dim, const float* gamma,
                          const float* beta, float eps, float* out);
};

// nullptr for the portable ISA (its loops live in attention.cpp / activations.cpp).
const SmallOpsTable* small_ops_for(Isa isa);
const SmallOpsTable& avx512_small_ops();
const SmallOpsTable& avx2_small_ops();

}  // namespace speecht5::kernels
