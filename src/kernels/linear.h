#pragma once
// A Linear layer (PyTorch layout: weight [out, in], bias [out]) with its weights prepared once
// at load. The one entry point the model uses for every matrix product with weights, so the
// kernel behind it (GEMV at one row, GEMM for many, fp32/bf16/int8 storage) can change without
// touching the model.
//
// Dispatch: up to gemm_min_rows()-1 rows (a decoder step, batched decoding) run the packed
// GEMV kernels of the active ISA (kernels/gemv_*.cpp), which stream the repacked weights once
// for all rows; more rows in fp32 run oneDNN matmul on the original weights. bf16 / int8 always
// use the packed kernels (activations rounded to bf16 / quantised per row to int8).
#include <cstdint>
#include <memory>
#include <utility>

#include "core/tensor.h"
#include "kernels/gemv_kernels.h"
#include "kernels/packed_weights.h"
#include "kernels/team.h"

namespace speecht5::kernels {

class Linear {
 public:
  Linear() = default;
  // weight [out, in]; bias [out] or empty. In fp32 mode the weight view is kept (oneDNN GEMM
  // reads it in place) next to the packed copy; in bf16 / int8 mode only the packed copy.
  Linear(Tensor weight, Tensor bias, Precision precision = Precision::kFp32);

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  Precision precision() const { return precision_; }
  // Bytes streamed per forward (the packed weights): the memory-bandwidth cost of one GEMV.
  int64_t weight_bytes() const;

  // y[rows, out] = x[rows, in] · Wᵀ + b.  x and y must not overlap.
  void forward(const float* x, int64_t rows, float* y) const;
  Tensor forward(const Tensor& x) const;  // x [..., in] → [..., out]

  // Inside run_team (team.h): y = x · Wᵀ + b computed by the whole team, output blocks handed
  // out dynamically (Team::for_each_dynamic), always with the packed kernels. After each block
  // the member that computed it calls done(begin, end) for those output columns, so the caller
  // can post-process them (scale, activation, copy) without another barrier. Every member must
  // pass the same x, rows and y; the caller puts a barrier before y is read as a whole.
  template <typename Done>
  void forward_team(const float* x, int64_t rows, float* y, const Team& team, Done&& done) const {
    forward_team_impl(
        x, rows, y, team, [](void* ctx, int64_t b, int64_t e) { (*static_cast<Done*>(ctx))(b, e); },
        &done);
  }
  void forward_team(const float* x, int64_t rows, float* y, const Team& team) const {
    forward_team_impl(x, rows, y, team, nullptr, nullptr);
  }

 private:
  void forward_team_impl(const float* x, int64_t rows, float* y, const Team& team,
                         void (*done)(void*, int64_t, int64_t), void* ctx) const;
  // Points args at x (converted to bf16 / int8 in this thread's scratch) and y, all blocks.
  GemmFn prepare(const float* x, int64_t rows, float* y, GemmArgs& args) const;

  Tensor weight_;  // fp32 only
  Tensor bias_;
  std::shared_ptr<const PackedWeights> packed_;
  Precision precision_ = Precision::kFp32;
  int64_t in_ = 0;
  int64_t out_ = 0;
};

// Rows from which fp32 products go to oneDNN instead of the packed kernels (measured; see
// docs/PERFORMANCE.md). Adjustable for benchmarks and tests.
int64_t gemm_min_rows();
void set_gemm_min_rows(int64_t rows);

}  // namespace speecht5::kernels
