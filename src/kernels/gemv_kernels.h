#pragma once
// Per-ISA GEMV / small-M GEMM kernels over PackedWeights, and the one dispatch point that picks
// the table for the active ISA. Internal to kernels/: the model uses kernels::Linear.
#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.h"
#include "kernels/packed_weights.h"

namespace speecht5::kernels {

// y[r, o] = Σ_k x[r, k] · W[o, k] + bias[o] for r < rows and the outputs of blocks
// [block_begin, block_end). Each call is single-threaded; callers split blocks across threads.
struct GemmArgs {
  const void* x =
      nullptr;      // fp32: float[rows][ldx]; bf16: uint16[rows][ldx]; int8: int8[rows][ldx]
  int64_t ldx = 0;  // elements between rows of x (≥ in; = k_padded for bf16/int8)
  const float* x_scales = nullptr;  // int8: one scale per row
  int64_t rows = 0;
  float* y = nullptr;
  int64_t ldy = 0;
  const float* bias = nullptr;  // may be null
  int64_t block_begin = 0;
  int64_t block_end = 0;
  // Where a many-row pair tile's prefetch goes instead of the next pair of this matrix: the first
  // lines of the calling member's part of the next product (Linear::forward_team's `then`), so
  // that product does not start on cold memory. Null: the next pair. AVX-512 tiles only.
  const void* prefetch_instead = nullptr;
};

using GemmFn = void (*)(const PackedWeights& w, const GemmArgs& args);

struct KernelTable {
  Isa isa;
  GemmFn gemm_f32;
  GemmFn gemm_bf16;
  GemmFn gemm_int8;
  // Reads `bytes` (a multiple of 64, 64-byte aligned) and returns a value that depends on all
  // of them, so the reads cannot be optimised away. For the bandwidth probe.
  uint64_t (*read_stream)(const void* data, size_t bytes);
  // SIMD versions of convert_rows_bf16 / quantize_rows_int8 (packed_weights.h) with the very
  // same results; nullptr: the portable loops. A decoder step converts ~50k activations per row.
  void (*convert_bf16)(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                       uint16_t* out);
  void (*quantize_int8)(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                        int8_t* out, float* scales);
};

const KernelTable& generic_kernels();
const KernelTable& avx2_kernels();    // only call when isa_supported(kAvx2)
const KernelTable& avx512_kernels();  // only call when isa_supported(kAvx512)

const KernelTable& kernels_for(Isa isa);
inline const KernelTable& active_kernels() { return kernels_for(active_isa()); }

}  // namespace speecht5::kernels
