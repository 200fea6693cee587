#pragma once
// oneDNN's fp32 matmul, the library GEMM the packed kernels are measured against (BM_Gemm
// packed:0). The engine used it for products of 32 rows or more until the packed two-block
// tiles measured as fast or faster at every size (docs/PERFORMANCE.md); it stays here as the
// yardstick.
#include <dnnl.hpp>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>

#include "core/error.h"

namespace speecht5::bench {
namespace onednn_detail {

using Key = std::tuple<int64_t, int64_t, int64_t, bool>;  // rows, in, out, has bias

struct Cached {
  dnnl::matmul primitive;
  dnnl::memory::desc src, weights, bias, dst;
};

struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::mutex mutex;
  std::map<Key, Cached> primitives;
};

inline Context& context() {
  static Context ctx;
  return ctx;
}

inline const Cached& primitive_for(Context& ctx, const Key& key) {
  std::lock_guard<std::mutex> lock(ctx.mutex);
  auto it = ctx.primitives.find(key);
  if (it != ctx.primitives.end()) return it->second;
  const auto [rows, in, out, has_bias] = key;
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  Cached c;
  c.src = dnnl::memory::desc({rows, in}, dt::f32, tag::ab);
  c.weights = dnnl::memory::desc({in, out}, dt::f32, tag::ba);
  c.bias = dnnl::memory::desc({1, out}, dt::f32, tag::ab);
  c.dst = dnnl::memory::desc({rows, out}, dt::f32, tag::ab);
  const dnnl::matmul::desc desc = has_bias ? dnnl::matmul::desc(c.src, c.weights, c.bias, c.dst)
                                           : dnnl::matmul::desc(c.src, c.weights, c.dst);
  c.primitive = dnnl::matmul(dnnl::matmul::primitive_desc(desc, ctx.engine));
  return ctx.primitives.emplace(key, std::move(c)).first->second;
}

}  // namespace onednn_detail

// y[rows, out] = x[rows, in] · Wᵀ + bias through oneDNN matmul, weights read in place from the
// PyTorch [out, in] layout; primitives cached per shape.
inline void onednn_matmul_f32(const float* x, int64_t rows, int64_t in, const float* weight,
                              int64_t out, const float* bias, float* y) {
  using namespace onednn_detail;
  Context& ctx = context();
  try {
    const Cached& c = primitive_for(ctx, Key{rows, in, out, bias != nullptr});
    dnnl::memory src(c.src, ctx.engine, const_cast<float*>(x));
    dnnl::memory w(c.weights, ctx.engine, const_cast<float*>(weight));
    dnnl::memory dst(c.dst, ctx.engine, y);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, dst}};
    if (bias)
      args.emplace(DNNL_ARG_BIAS, dnnl::memory(c.bias, ctx.engine, const_cast<float*>(bias)));
    c.primitive.execute(ctx.stream, args);
    ctx.stream.wait();
  } catch (const dnnl::error& e) {
    fail(ErrorCode::kInternal, std::string("oneDNN matmul [") + std::to_string(rows) + "x" +
                                   std::to_string(in) + "]·[" + std::to_string(in) + "x" +
                                   std::to_string(out) + "] failed: " + e.what());
  }
}

}  // namespace speecht5::bench
