#pragma once
// A Linear layer (PyTorch layout: weight [out, in], bias [out]) with its weights prepared once
// at load. The one entry point the model uses for every matrix product with weights, so the
// kernel behind it (GEMV at one row, GEMM for many, fp32/bf16/int8 storage) can change without
// touching the model.
//
// Every product runs the packed kernels of the active ISA (kernels/gemv_*.cpp): one row (a
// decoder step) streams the repacked weights once; several rows (batched decoding, the encoder,
// the cross-attention keys/values) share each weight load, 8 rows and two output blocks at a
// time. They measured as fast as oneDNN's fp32 matmul or faster at every size the model uses
// (BM_Gemm, docs/PERFORMANCE.md), so only the packed copy is kept. bf16 / int8 round the
// activations to bf16 / quantise them per row to int8.
#include <concepts>
#include <cstdint>
#include <memory>
#include <utility>

#include "core/tensor.h"
#include "kernels/gemv_kernels.h"
#include "kernels/packed_weights.h"
#include "kernels/team.h"

namespace speecht5::kernels {

// Input rows already in the form a layer's kernels read (Linear::convert): float32 rows as they
// are, bf16 rows, or int8 rows with one scale each. Converting where the rows are produced lets
// every product that reads them skip its own conversion of rows another core just wrote.
struct ConvertedRows {
  const void* data = nullptr;
  int64_t ld = 0;                 // elements between rows
  const float* scales = nullptr;  // int8: one per row
  Precision precision = Precision::kFp32;
  int64_t in = 0;  // the features the rows were converted from
};

class Linear {
 public:
  Linear() = default;
  // weight [out, in] (read once, to pack it; not kept); bias [out] or empty.
  Linear(Tensor weight, Tensor bias, Precision precision = Precision::kFp32);

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  Precision precision() const { return precision_; }
  // Bytes streamed per forward (the packed weights): the memory-bandwidth cost of one GEMV.
  int64_t weight_bytes() const;

  // Bytes of one converted input row (convert()): what a caller's buffer for them needs.
  int64_t converted_row_bytes() const;
  // Converts rows x[rows, in] (row stride ldx) for this layer and any layer with the same
  // precision and in_features: bf16 / int8 rows into `out` (converted_row_bytes() apart) and,
  // for int8, one scale per row into `scales`. float32 rows need nothing: the result points at
  // x. Rows are converted independently, so converting a batch in parts gives the same bits.
  ConvertedRows convert(const float* x, int64_t rows, int64_t ldx, void* out, float* scales) const;
  // The rows that convert() writes at out / scales (float32: reads at x), without converting:
  // for a buffer that several members fill in parts.
  ConvertedRows converted_at(const void* out, const float* scales, const float* x,
                             int64_t ldx) const;

  // y[rows, out] = x[rows, in] · Wᵀ + b.  x and y must not overlap.
  void forward(const float* x, int64_t rows, float* y) const;
  Tensor forward(const Tensor& x) const;  // x [..., in] → [..., out]

  // Inside run_team (team.h): y = x · Wᵀ + b computed by the whole team, output blocks handed
  // out dynamically (Team::for_each_dynamic), always with the packed kernels. After each block
  // the member that computed it calls done(begin, end) for those output columns, so the caller
  // can post-process them (scale, activation, copy) without another barrier. Every member must
  // pass the same x, rows and y; the caller puts a barrier before y is read as a whole.
  // `then` (may be null) is the product the team runs next: with many rows each member's last
  // tile prefetches the start of its part of it (GemmArgs::prefetch_instead).
  template <typename Done>
  requires std::invocable<Done&, int64_t, int64_t>
  void forward_team(const float* x, int64_t rows, float* y, const Team& team, Done&& done,
                    const Linear* then = nullptr) const {
    forward_team_impl(
        x, rows, y, team, [](void* ctx, int64_t b, int64_t e) { (*static_cast<Done*>(ctx))(b, e); },
        &done, then);
  }
  void forward_team(const float* x, int64_t rows, float* y, const Team& team,
                    const Linear* then = nullptr) const {
    forward_team_impl(x, rows, y, team, nullptr, nullptr, then);
  }
  // The same from rows converted beforehand (convert()); fails unless they were converted for
  // this layer's precision and in_features.
  template <typename Done>
  requires std::invocable<Done&, int64_t, int64_t>
  void forward_team(const ConvertedRows& x, int64_t rows, float* y, const Team& team, Done&& done,
                    const Linear* then = nullptr) const {
    forward_team_impl(
        x, rows, y, team, [](void* ctx, int64_t b, int64_t e) { (*static_cast<Done*>(ctx))(b, e); },
        &done, then);
  }
  void forward_team(const ConvertedRows& x, int64_t rows, float* y, const Team& team,
                    const Linear* then = nullptr) const {
    forward_team_impl(x, rows, y, team, nullptr, nullptr, then);
  }

 private:
  void forward_team_impl(const float* x, int64_t rows, float* y, const Team& team,
                         void (*done)(void*, int64_t, int64_t), void* ctx,
                         const Linear* then) const;
  void forward_team_impl(const ConvertedRows& x, int64_t rows, float* y, const Team& team,
                         void (*done)(void*, int64_t, int64_t), void* ctx,
                         const Linear* then) const;
  // The packed weights; fails (ErrorCode::kInternal) on a default-constructed layer.
  const PackedWeights& packed(const char* what) const;
  // The first lines of this member's own part of the pairs (Team::for_each_dynamic).
  const void* own_part_lines(const Team& team) const;
  // Points args at x (converted to bf16 / int8 in this thread's scratch) and y, all blocks.
  GemmFn prepare(const float* x, int64_t rows, float* y, GemmArgs& args) const;
  GemmFn prepare(const ConvertedRows& x, int64_t rows, float* y, GemmArgs& args) const;
  // Runs the prepared product on the team (forward_team).
  void run_team_product(GemmFn fn, const GemmArgs& args, const Team& team,
                        void (*done)(void*, int64_t, int64_t), void* ctx, const Linear* then) const;

  Tensor bias_;
  std::shared_ptr<const PackedWeights> packed_;
  Precision precision_ = Precision::kFp32;
  int64_t in_ = 0;
  int64_t out_ = 0;
};

}  // namespace speecht5::kernels
