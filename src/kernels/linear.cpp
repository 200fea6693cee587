#include "kernels/linear.h"

#include <algorithm>
#include <string>

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

const PackedWeights& Linear::packed(const char* what) const {
  if (!packed_)
    fail(ErrorCode::kInternal,
         std::string("Linear::") + what + " on an empty (default-constructed) layer");
  return *packed_;
}

int64_t Linear::converted_row_bytes() const {
  if (!packed_) return 0;
  switch (precision_) {
    case Precision::kBf16:
      return packed_->k_padded * 2;
    case Precision::kInt8:
      return packed_->k_padded;
    case Precision::kFp32:
      break;
  }
  return 0;
}

ConvertedRows Linear::converted_at(const void* out, const float* scales, const float* x,
                                   int64_t ldx) const {
  if (precision_ == Precision::kFp32) return {x, ldx, nullptr, precision_, in_};
  const int64_t k_padded = packed_ ? packed_->k_padded : 0;
  return {out, k_padded, precision_ == Precision::kInt8 ? scales : nullptr, precision_, in_};
}

ConvertedRows Linear::convert(const float* x, int64_t rows, int64_t ldx, void* out,
                              float* scales) const {
  const int64_t k_padded = packed("convert").k_padded;
  if (precision_ == Precision::kBf16)
    convert_rows_bf16(x, rows, in_, ldx, k_padded, static_cast<uint16_t*>(out));
  else if (precision_ == Precision::kInt8)
    quantize_rows_int8(x, rows, in_, ldx, k_padded, static_cast<int8_t*>(out), scales);
  return converted_at(out, scales, x, ldx);
}

GemmFn Linear::prepare(const ConvertedRows& x, int64_t rows, float* y, GemmArgs& args) const {
  const PackedWeights& w = packed("forward_team");
  if (x.precision != precision_ || x.in != in_)
    fail(ErrorCode::kInternal, "Linear: rows converted for " + precision_name(x.precision) + " × " +
                                   std::to_string(x.in) + " given to a " +
                                   precision_name(precision_) + " × " + std::to_string(in_) +
                                   " layer");
  const KernelTable& table = active_kernels();
  args.x = x.data;
  args.ldx = x.ld;
  args.x_scales = x.scales;
  args.rows = rows;
  args.y = y;
  args.ldy = out_;
  args.bias = bias_.empty() ? nullptr : bias_.data();
  args.block_begin = 0;
  args.block_end = w.blocks;
  switch (precision_) {
    case Precision::kBf16:
      return table.gemm_bf16;
    case Precision::kInt8:
      return table.gemm_int8;
    case Precision::kFp32:
      break;
  }
  return table.gemm_f32;
}

GemmFn Linear::prepare(const float* x, int64_t rows, float* y, GemmArgs& args) const {
  packed("forward_team");
  Scratch& s = scratch();
  void* out = precision_ == Precision::kFp32
                  ? nullptr
                  : s.get(static_cast<size_t>(rows * converted_row_bytes()));
  float* scales = precision_ == Precision::kInt8 ? s.get_scales(rows) : nullptr;
  return prepare(convert(x, rows, in_, out, scales), rows, y, args);
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
  if (rows <= 0) return;
  // Every member converts the activations into its own scratch: cheaper than a barrier.
  GemmArgs args;
  run_team_product(prepare(x, rows, y, args), args, team, done, ctx, then);
}

void Linear::forward_team_impl(const ConvertedRows& x, int64_t rows, float* y, const Team& team,
                               void (*done)(void*, int64_t, int64_t), void* ctx,
                               const Linear* then) const {
  if (rows <= 0) return;
  GemmArgs args;
  const GemmFn fn = prepare(x, rows, y, args);
  // Rows converted by other members are in their caches: fetching them all at once overlaps
  // those transfers, where the first tile would meet them one after another. (Without this the
  // batch-8 step was no faster than with every member converting every row itself.)
  if (x.precision != Precision::kFp32) {
    const auto* bytes = static_cast<const char*>(x.data);
    const int64_t row_bytes = converted_row_bytes();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t b = 0; b < row_bytes; b += 64) __builtin_prefetch(bytes + r * row_bytes + b);
  }
  run_team_product(fn, args, team, done, ctx, then);
}

void Linear::run_team_product(GemmFn fn, const GemmArgs& args, const Team& team,
                              void (*done)(void*, int64_t, int64_t), void* ctx,
                              const Linear* then) const {
  const PackedWeights& w = *packed_;
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
