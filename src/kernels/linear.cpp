#include "kernels/linear.h"

#include <algorithm>

#include "core/error.h"
#include "kernels/gemv_kernels.h"
#include "kernels/threading.h"

namespace speecht5::kernels {
namespace {

// Per-thread scratch for the converted activations; grows, never shrinks, so steady-state
// decoding allocates nothing.
struct Scratch {
  AlignedBuffer buffer;
  AlignedBuffer scales;
  void* get(size_t bytes) {
    if (buffer.bytes() < bytes) buffer = AlignedBuffer(bytes);
    return buffer.data();
  }
  float* get_scales(int64_t rows) {
    const size_t bytes = static_cast<size_t>(rows) * sizeof(float);
    if (scales.bytes() < bytes) scales = AlignedBuffer(bytes);
    return scales.as<float>();
  }
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

Linear::Linear(Tensor weight, Tensor bias, Precision precision)
    : bias_(std::move(bias)), precision_(precision) {
  if (weight.rank() != 2)
    fail(ErrorCode::kModel, "Linear weight must be 2-D, got " + shape_to_string(weight.shape()));
  out_ = weight.dim(0);
  in_ = weight.dim(1);
  if (!bias_.empty() && bias_.numel() != out_)
    fail(ErrorCode::kModel, "Linear bias " + shape_to_string(bias_.shape()) +
                                " does not match weight " + shape_to_string(weight.shape()));
  packed_ =
      std::make_shared<const PackedWeights>(pack_weights(weight.data(), out_, in_, precision));
}

int64_t Linear::weight_bytes() const { return packed_ ? packed_->weight_bytes() : 0; }

GemmFn Linear::prepare(const float* x, int64_t rows, float* y, GemmArgs& args) const {
  const PackedWeights& w = *packed_;
  const KernelTable& table = active_kernels();
  args.rows = rows;
  args.y = y;
  args.ldy = out_;
  args.bias = bias_.empty() ? nullptr : bias_.data();
  args.block_begin = 0;
  args.block_end = w.blocks;
  if (precision_ == Precision::kFp32) {
    args.x = x;
    args.ldx = in_;
    return table.gemm_f32;
  }
  if (precision_ == Precision::kBf16) {
    auto* xb = static_cast<uint16_t*>(scratch().get(static_cast<size_t>(rows * w.k_padded) * 2));
    convert_rows_bf16(x, rows, in_, in_, w.k_padded, xb);
    args.x = xb;
    args.ldx = w.k_padded;
    return table.gemm_bf16;
  }
  Scratch& s = scratch();
  auto* xq = static_cast<int8_t*>(s.get(static_cast<size_t>(rows * w.k_padded)));
  float* scales = s.get_scales(rows);
  quantize_rows_int8(x, rows, in_, in_, w.k_padded, xq, scales);
  args.x = xq;
  args.ldx = w.k_padded;
  args.x_scales = scales;
  return table.gemm_int8;
}

void Linear::forward(const float* x, int64_t rows, float* y) const {
  if (!packed_)
    fail(ErrorCode::kInternal, "Linear::forward on an empty (default-constructed) layer");
  if (rows <= 0) return;
  // A team of its own (kernels/team.h), exactly as inside a decoder step.
  const PackedWeights& w = *packed_;
  const int threads = static_cast<int>(
      std::min<int64_t>(threads_for(w.weight_bytes(), 2 * rows * in_ * out_), w.pairs()));
  run_team(threads, [&](const Team& team) { team.run([&] { forward_team(x, rows, y, team); }); });
}

const void* Linear::own_part_lines(const Team& team) const {
  const auto [begin, end] = team.share(packed_->pairs());
  return begin < end ? packed_->pair_lines(begin) : nullptr;
}

void Linear::forward_team_impl(const float* x, int64_t rows, float* y, const Team& team,
                               void (*done)(void*, int64_t, int64_t), void* ctx,
                               const Linear* then) const {
  if (!packed_)
    fail(ErrorCode::kInternal, "Linear::forward_team on an empty (default-constructed) layer");
  if (rows <= 0) return;
  const PackedWeights& w = *packed_;
  GemmArgs args;
  // Every member converts the activations into its own scratch: cheaper than a barrier.
  const GemmFn fn = prepare(x, rows, y, args);
  // Two blocks per item: the kernels share each activation broadcast across a pair when many
  // rows make them compute-bound (gemv_avx512.cpp).
  const int64_t pairs = w.pairs();
  // The owner always runs its own last item itself (for_each_dynamic), so that tile can
  // prefetch the owner's next part instead of a pair another member is already reading.
  const int64_t own_last = team.share(pairs).second - 1;
  const void* then_lines = then != nullptr && then->packed_ && then->precision_ == precision_
                               ? then->own_part_lines(team)
                               : nullptr;
  team.for_each_dynamic(pairs, [&](int64_t pair) {
    GemmArgs part = args;
    part.block_begin = 2 * pair;
    part.block_end = std::min(2 * pair + 2, w.blocks);
    if (pair == own_last) part.prefetch_instead = then_lines;
    fn(w, part);
    if (done != nullptr)
      done(ctx, part.block_begin * kBlock, std::min(part.block_end * kBlock, out_));
  });
}

Tensor Linear::forward(const Tensor& x) const {
  if (x.rank() < 1 || x.dim(-1) != in_)
    fail(ErrorCode::kInternal,
         "Linear input " + shape_to_string(x.shape()) + " does not end in " + std::to_string(in_));
  Shape out_shape = x.shape();
  out_shape.back() = out_;
  Tensor y(out_shape);
  forward(x.data(), x.numel() / in_, y.mutable_data());
  return y;
}

}  // namespace speecht5::kernels
