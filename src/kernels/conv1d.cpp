#include "kernels/conv1d.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dnnl.hpp>
#include <exception>
#include <map>
#include <mutex>
#include <new>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "kernels/bf16_convert.h"
#include "kernels/conv1d_reference.h"
#include "kernels/packed_weights.h"

namespace speecht5::kernels {
namespace {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// What a primitive depends on: batch, input length, padding left/right, epilogue, bf16 output.
using ShapeKey = std::tuple<int64_t, int64_t, int64_t, int64_t, bool, bool, float, bool, bool>;

// An activation buffer of float32 or bf16 values.
struct Signal {
  const void* data;
  bool bf16;
};
struct MutableSignal {
  void* data;
  bool bf16;
  size_t element_size() const { return bf16 ? 2 : 4; }
  char* bytes() const { return static_cast<char*>(data); }
};

// Per-thread buffers: oneDNN scratchpads and the zero-padded copies of edge tiles. Kept between
// calls (fresh allocations would page-fault on every call).
struct ThreadBuffers {
  std::vector<float> edge_in, edge_out;
  std::vector<uint16_t> bf16_in;  // a tile's (or a whole signal's) input rounded to bf16
  void* scratch = nullptr;
  size_t scratch_size = 0;
  ~ThreadBuffers() { std::free(scratch); }

  dnnl::memory scratchpad(const dnnl::memory::desc& desc) {
    const size_t bytes = desc.get_size();
    if (bytes > scratch_size) {
      std::free(scratch);
      scratch_size = (bytes + 63) / 64 * 64;
      scratch = std::aligned_alloc(64, scratch_size);
      if (scratch == nullptr) {
        scratch_size = 0;
        throw std::bad_alloc();
      }
    }
    return dnnl::memory(desc, cpu_engine(), scratch);
  }
};

ThreadBuffers& thread_buffers() {
  thread_local ThreadBuffers buffers;
  return buffers;
}

dnnl::stream& thread_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

// x [rows, channels] (float32 or bf16) → out [window, channels] in bf16: rows first..first+window
// of x, zeros where they fall outside [0, rows) (the convolution's zero padding).
void window_to_bf16(Signal x, int64_t rows, int64_t channels, int64_t first, int64_t window,
                    uint16_t* out) {
  const int64_t lo = std::clamp<int64_t>(first, 0, rows);
  const int64_t hi = std::clamp<int64_t>(first + window, 0, rows);
  if (hi <= lo) {
    std::fill(out, out + window * channels, uint16_t{0});
    return;
  }
  std::fill(out, out + (lo - first) * channels, uint16_t{0});
  uint16_t* inside = out + (lo - first) * channels;
  if (x.bf16)
    std::memcpy(inside, static_cast<const uint16_t*>(x.data) + lo * channels,
                sizeof(uint16_t) * (hi - lo) * channels);
  else
    convert_to_bf16(static_cast<const float*>(x.data) + lo * channels, (hi - lo) * channels,
                    inside);
  std::fill(out + (hi - first) * channels, out + window * channels, uint16_t{0});
}

}  // namespace

ConvPrecision conv_precision_for(Precision precision) {
  return precision == Precision::kFp32 ? ConvPrecision::kFp32 : ConvPrecision::kBf16;
}

bool bf16_convolution_supported() {
  static const bool supported = [] {
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
    return (isa & bf16) == bf16;
  }();
  return supported;
}

struct Conv1d::Impl {
  bool transposed = false;
  Tensor weight;  // PyTorch layout, as given
  Tensor bias;
  int64_t in = 0, out = 0, k = 0, stride = 1, padding = 0, dilation = 1;
  SignalLayout layout = SignalLayout::kChannelsFirst;
  bool bf16 = false;  // bf16 weights and inputs (the primitives' types)

  struct Entry {
    dnnl::primitive primitive;
    dnnl::memory weights;  // in the format this primitive wants
    dnnl::memory::desc scratchpad;
    std::string implementation;  // oneDNN's name for it
  };
  std::mutex mutex;
  std::map<ShapeKey, std::shared_ptr<const Entry>> cache;  // null: oneDNN refused it
  // Weights already reordered, by format: primitives of different shapes usually share one.
  std::vector<dnnl::memory> prepared_weights;

  int64_t out_length(int64_t t) const {
    return transposed ? (t - 1) * stride - 2 * padding + k : t + 2 * padding - dilation * (k - 1);
  }

  dnnl::memory::data_type src_type() const {
    return bf16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
  }

  dnnl::memory::format_tag activation_tag() const {
    return layout == SignalLayout::kTimeFirst ? dnnl::memory::format_tag::nwc
                                              : dnnl::memory::format_tag::ncw;
  }

  dnnl::memory weights_in_format(const dnnl::memory::desc& wanted) {
    for (const auto& m : prepared_weights)
      if (m.get_desc() == wanted) return m;
    using tag = dnnl::memory::format_tag;
    // oneDNN orders weight dims (out, in, k) for both kinds; ConvTranspose1d stores [in, out, k].
    const dnnl::memory::desc source({out, in, k}, dnnl::memory::data_type::f32,
                                    transposed ? tag::bac : tag::oiw);
    dnnl::memory src(source, cpu_engine(), const_cast<float*>(weight.data()));
    dnnl::memory dst(wanted, cpu_engine());
    dnnl::stream stream(cpu_engine());
    dnnl::reorder(src, dst).execute(stream, src, dst);
    stream.wait();
    prepared_weights.push_back(dst);
    log::debug("conv weights reordered (", prepared_weights.size(), " formats)");
    return dst;
  }

  // One primitive: `batch` signals of `src_len` samples, output cropped / zero-padded by
  // pad_l and pad_r (the PyTorch padding for whole signals, other values for tiles).
  struct Geometry {
    int64_t batch, src_len, pad_l, pad_r;
  };

  int64_t dst_len(const Geometry& g) const {
    return transposed ? (g.src_len - 1) * stride - g.pad_l - g.pad_r + k
                      : g.src_len + g.pad_l + g.pad_r - dilation * (k - 1);
  }

  Entry make_entry(const Geometry& g, const ConvEpilogue& epilogue, bool dst_bf16) {
    using namespace dnnl;
    using dt = memory::data_type;
    const memory::desc src_md({g.batch, in, g.src_len}, src_type(), activation_tag());
    const memory::desc dst_md({g.batch, out, dst_len(g)}, dst_bf16 ? dt::bf16 : dt::f32,
                              activation_tag());
    const memory::desc weights_md({out, in, k}, src_type(), memory::format_tag::any);
    const memory::desc bias_md({out}, dt::f32, memory::format_tag::x);
    post_ops ops;
    if (epilogue.accumulate) ops.append_sum(1.0f);
    if (epilogue.leaky_slope)
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, *epilogue.leaky_slope, 0.0f);
    if (epilogue.tanh) ops.append_eltwise(1.0f, algorithm::eltwise_tanh, 0.0f, 0.0f);
    primitive_attr attr;
    attr.set_post_ops(ops);
    // Scratch memory is ours (per thread), so one primitive can run on several tiles at once.
    attr.set_scratchpad_mode(scratchpad_mode::user);
    const auto kind = prop_kind::forward_inference;
    const memory::dims pl{g.pad_l}, pr{g.pad_r};
    Entry entry;
    if (transposed) {
      const auto alg = algorithm::deconvolution_direct;
      auto desc = bias.empty() ? deconvolution_forward::desc(kind, alg, src_md, weights_md, dst_md,
                                                             {stride}, pl, pr)
                               : deconvolution_forward::desc(kind, alg, src_md, weights_md, bias_md,
                                                             dst_md, {stride}, pl, pr);
      deconvolution_forward::primitive_desc pd(desc, attr, cpu_engine());
      log::debug("conv_transpose1d ", in, "->", out, " k", k, " T", g.src_len,
                 bf16 ? " bf16: " : ": ", pd.impl_info_str());
      entry.primitive = deconvolution_forward(pd);
      entry.implementation = pd.impl_info_str();
      entry.weights = weights_in_format(pd.weights_desc());
      entry.scratchpad = pd.scratchpad_desc();
    } else {
      const auto alg = algorithm::convolution_direct;
      const memory::dims dil{dilation - 1};
      auto desc = bias.empty() ? convolution_forward::desc(kind, alg, src_md, weights_md, dst_md,
                                                           {1}, dil, pl, pr)
                               : convolution_forward::desc(kind, alg, src_md, weights_md, bias_md,
                                                           dst_md, {1}, dil, pl, pr);
      convolution_forward::primitive_desc pd(desc, attr, cpu_engine());
      log::debug("conv1d ", in, "->", out, " k", k, " d", dilation, " T", g.src_len,
                 bf16 ? " bf16: " : ": ", pd.impl_info_str());
      entry.primitive = convolution_forward(pd);
      entry.implementation = pd.impl_info_str();
      entry.weights = weights_in_format(pd.weights_desc());
      entry.scratchpad = pd.scratchpad_desc();
    }
    // Not expected where bf16_convolution_supported() (every HiFi-GAN shape gets a jit kernel).
    if (bf16 && entry.implementation.rfind("ref", 0) == 0)
      log::warn("oneDNN runs a bf16 convolution ", in, "->", out, " k", k,
                " with its slow reference kernel (", entry.implementation, ")");
    return entry;
  }

  // Null when oneDNN cannot run this geometry (the caller tries another way).
  std::shared_ptr<const Entry> entry_for(const Geometry& g, const ConvEpilogue& epilogue,
                                         bool dst_bf16) {
    std::lock_guard lock(mutex);
    const ShapeKey key{g.batch,
                       g.src_len,
                       g.pad_l,
                       g.pad_r,
                       epilogue.accumulate,
                       epilogue.leaky_slope.has_value(),
                       epilogue.leaky_slope.value_or(0.0f),
                       epilogue.tanh,
                       dst_bf16};
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    // Whole-signal geometries of variable-length inputs would otherwise grow it without bound.
    if (cache.size() >= 64) cache.clear();
    std::shared_ptr<const Entry> entry;
    try {
      entry = std::make_shared<const Entry>(make_entry(g, epilogue, dst_bf16));
    } catch (const dnnl::error& e) {
      log::debug("oneDNN cannot run ", transposed ? "transposed " : "", "convolution ", in, "->",
                 out, " k", k, " on ", g.src_len, " samples: ", e.what());
    }
    cache.emplace(key, entry);
    return entry;
  }

  dnnl::memory bias_memory() const {
    using namespace dnnl;
    if (bias.empty()) return memory();
    return memory(memory::desc({out}, memory::data_type::f32, memory::format_tag::x), cpu_engine(),
                  const_cast<float*>(bias.data()));
  }

  // The whole batch in one primitive (its geometry depends on the signal length).
  // x is bf16 only if this->bf16 (the public API checks).
  bool run_whole(Signal x, int64_t batch, int64_t time, MutableSignal y, const ConvEpilogue& ep) {
    using namespace dnnl;
    const Geometry g{batch, time, padding, padding};
    const auto entry = entry_for(g, ep, y.bf16);
    if (!entry) return false;
    const memory::desc src_md({batch, in, time}, src_type(), activation_tag());
    const memory::desc dst_md({batch, out, dst_len(g)},
                              y.bf16 ? memory::data_type::bf16 : memory::data_type::f32,
                              activation_tag());
    void* src = const_cast<void*>(x.data);
    if (bf16 && !x.bf16) {
      std::vector<uint16_t>& rounded = thread_buffers().bf16_in;
      rounded.resize(batch * in * time);
      convert_to_bf16(static_cast<const float*>(x.data), batch * in * time, rounded.data());
      src = rounded.data();
    }
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(src_md, cpu_engine(), src)},
                                         {DNNL_ARG_WEIGHTS, entry->weights},
                                         {DNNL_ARG_DST, memory(dst_md, cpu_engine(), y.data)}};
    if (!bias.empty()) args.emplace(DNNL_ARG_BIAS, bias_memory());
    args.emplace(DNNL_ARG_SCRATCHPAD, thread_buffers().scratchpad(entry->scratchpad));
    entry->primitive.execute(thread_stream(), args);
    thread_stream().wait();
    return true;
  }

  bool run_tiled(Signal x, int64_t batch, int64_t time, MutableSignal y, const ConvEpilogue& ep);
  void run(Signal x, int64_t batch, int64_t time, MutableSignal y, const ConvEpilogue& ep);
  void reference(const float* x, int64_t batch, int64_t time, float* y,
                 const ConvEpilogue& epilogue) const;

  // Time tiles (kTimeFirst only): every tile has the same geometry whatever the signal length,
  // so primitives are created once (creating one costs 10-50 ms of JIT) and a tile's window is
  // a contiguous row range of the signal. Tiles are sized to ~64K activations (fits L2).
  // Conv: output tile [t0, t0+W) reads input [t0 − padding, t0 + W + dilation·(k−1) − padding).
  // Transposed: input tile [i0, i0+Ti) plus halo_l / halo_r input samples produces output
  // [stride·i0, stride·(i0+Ti)) (the primitive's padding crops the halo's contributions).
  struct Tiling {
    int64_t out_tile = 0;   // output samples per tile
    int64_t in_step = 0;    // input samples between consecutive tiles
    int64_t in_window = 0;  // input samples each tile reads
    int64_t in_offset = 0;  // first input sample read by the tile at step 0
    Geometry geometry{};
  };

  Tiling tiling() const {
    const int64_t widest = std::max(in, out);
    int64_t w = std::clamp<int64_t>((int64_t{1} << 16) / widest, 64, 1024);
    Tiling t;
    if (transposed) {
      const int64_t halo_l = (k - 1 - padding) / stride, halo_r = (stride - 1 + padding) / stride;
      const int64_t ti = std::max<int64_t>(16, w / stride);
      t.out_tile = ti * stride;
      t.in_step = ti;
      t.in_window = ti + halo_l + halo_r;
      t.in_offset = -halo_l;
      const int64_t pad_l = stride * halo_l + padding;
      const int64_t full = (t.in_window - 1) * stride + k;
      t.geometry = {1, t.in_window, pad_l, full - pad_l - t.out_tile};
    } else {
      t.out_tile = w;
      t.in_step = w;
      t.in_window = w + dilation * (k - 1);
      t.in_offset = -padding;
      t.geometry = {1, t.in_window, 0, 0};
    }
    return t;
  }
};

bool Conv1d::Impl::run_tiled(Signal x, int64_t batch, int64_t time, MutableSignal y,
                             const ConvEpilogue& ep) {
  using namespace dnnl;
  const Tiling t = tiling();
  const auto entry = entry_for(t.geometry, ep, y.bf16);
  if (!entry) return false;
  const int64_t tout = out_length(time);
  const int64_t tiles_per_item = (tout + t.out_tile - 1) / t.out_tile;
  const int64_t jobs = batch * tiles_per_item;
  const memory::desc src_md({1, in, t.in_window}, src_type(), activation_tag());
  const memory::desc dst_md({1, out, t.out_tile},
                            y.bf16 ? memory::data_type::bf16 : memory::data_type::f32,
                            activation_tag());
  const memory bias_mem = bias_memory();
  const size_t y_size = y.element_size();

  auto run_tile = [&](int64_t job) {
    const int64_t b = job / tiles_per_item, n = job % tiles_per_item;
    ThreadBuffers& buffers = thread_buffers();
    const int64_t o0 = n * t.out_tile;
    const int64_t i0 = n * t.in_step + t.in_offset, i1 = i0 + t.in_window;
    const void* src_ptr = nullptr;
    if (bf16) {
      const Signal xb{static_cast<const char*>(x.data) + b * time * in * (x.bf16 ? 2 : 4), x.bf16};
      if (x.bf16 && i0 >= 0 && i1 <= time) {
        src_ptr = static_cast<const uint16_t*>(xb.data) + i0 * in;  // already bf16, in place
      } else {
        buffers.bf16_in.resize(t.in_window * in);
        window_to_bf16(xb, time, in, i0, t.in_window, buffers.bf16_in.data());
        src_ptr = buffers.bf16_in.data();
      }
    } else if (const float* xb = static_cast<const float*>(x.data) + b * time * in;
               i0 >= 0 && i1 <= time) {
      src_ptr = xb + i0 * in;
    } else {
      // Zero samples outside the signal: the padding of the whole-signal convolution.
      buffers.edge_in.assign(t.in_window * in, 0.0f);
      const int64_t lo = std::max<int64_t>(i0, 0), hi = std::min(i1, time);
      if (hi > lo)
        std::memcpy(buffers.edge_in.data() + (lo - i0) * in, xb + lo * in,
                    sizeof(float) * (hi - lo) * in);
      src_ptr = buffers.edge_in.data();
    }
    const int64_t valid = std::min(t.out_tile, tout - o0);
    char* const tile_out = y.bytes() + (b * tout + o0) * out * y_size;
    void* dst_ptr = tile_out;
    if (valid < t.out_tile) {
      // edge_out holds float32 or bf16 values (its zero bytes are zeros of either type).
      buffers.edge_out.assign((t.out_tile * out * y_size + 3) / 4, 0.0f);
      if (ep.accumulate) std::memcpy(buffers.edge_out.data(), tile_out, y_size * valid * out);
      dst_ptr = buffers.edge_out.data();
    }
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, memory(src_md, cpu_engine(), const_cast<void*>(src_ptr))},
        {DNNL_ARG_WEIGHTS, entry->weights},
        {DNNL_ARG_DST, memory(dst_md, cpu_engine(), dst_ptr)},
        {DNNL_ARG_SCRATCHPAD, buffers.scratchpad(entry->scratchpad)}};
    if (!bias.empty()) args.emplace(DNNL_ARG_BIAS, bias_mem);
    entry->primitive.execute(thread_stream(), args);
    thread_stream().wait();
    if (valid < t.out_tile) std::memcpy(tile_out, buffers.edge_out.data(), y_size * valid * out);
  };

  // Enough tiles: one tile per thread at a time (a fork/join per convolution, not per tile, and
  // a thread that the OS preempts holds up nobody). Few tiles: oneDNN splits each tile.
  const int threads = omp_get_max_threads();
  if (threads > 1 && jobs >= 2 * threads) {
    std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int64_t job = 0; job < jobs; ++job) {
      try {
        run_tile(job);
      } catch (...) {
#pragma omp critical(speecht5_conv_error)
        error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
  } else {
    for (int64_t job = 0; job < jobs; ++job) run_tile(job);
  }
  return true;
}

namespace {

void check_conv_args(const Tensor& weight, const Tensor& bias, int64_t bias_size,
                     const char* what) {
  if (weight.rank() != 3)
    fail(ErrorCode::kModel,
         std::string(what) + " weight must be 3-D, got " + shape_to_string(weight.shape()));
  if (!bias.empty() && bias.numel() != bias_size)
    fail(ErrorCode::kModel, std::string(what) + " bias " + shape_to_string(bias.shape()) +
                                " does not match weight " + shape_to_string(weight.shape()));
}

bool use_bf16(ConvPrecision precision) {
  if (precision != ConvPrecision::kBf16) return false;
  if (bf16_convolution_supported()) return true;
  // Measured on Zen 5 (HiFi-GAN, 200 frames, 1 thread): float32 373 ms; bf16 with oneDNN's
  // emulation (ONEDNN_MAX_CPU_ISA=AVX512_CORE) 1235 ms; AVX2 (reference loops) 6.6 s.
  static std::once_flag logged;
  std::call_once(logged, [] {
    log::debug(
        "bf16 convolutions requested, but oneDNN has no native bf16 kernel on this CPU "
        "(needs avx512_core_bf16): running them in float32");
  });
  return false;
}

}  // namespace

Conv1d Conv1d::conv(Tensor weight, Tensor bias, int64_t padding, int64_t dilation,
                    SignalLayout layout, ConvPrecision precision) {
  check_conv_args(weight, bias, weight.rank() == 3 ? weight.dim(0) : 0, "Conv1d");
  if (padding < 0 || dilation < 1) fail(ErrorCode::kModel, "Conv1d: bad padding/dilation");
  Conv1d c;
  c.impl_ = std::make_shared<Impl>();
  Impl& m = *c.impl_;
  m.out = weight.dim(0);
  m.in = weight.dim(1);
  m.k = weight.dim(2);
  m.padding = padding;
  m.dilation = dilation;
  m.layout = layout;
  m.bf16 = use_bf16(precision);
  m.weight = std::move(weight);
  m.bias = std::move(bias);
  return c;
}

Conv1d Conv1d::transposed(Tensor weight, Tensor bias, int64_t stride, int64_t padding,
                          SignalLayout layout, ConvPrecision precision) {
  check_conv_args(weight, bias, weight.rank() == 3 ? weight.dim(1) : 0, "ConvTranspose1d");
  if (padding < 0 || stride < 1) fail(ErrorCode::kModel, "ConvTranspose1d: bad stride/padding");
  Conv1d c;
  c.impl_ = std::make_shared<Impl>();
  Impl& m = *c.impl_;
  m.transposed = true;
  m.in = weight.dim(0);
  m.out = weight.dim(1);
  m.k = weight.dim(2);
  m.stride = stride;
  m.padding = padding;
  m.layout = layout;
  m.bf16 = use_bf16(precision);
  m.weight = std::move(weight);
  m.bias = std::move(bias);
  return c;
}

bool Conv1d::is_transposed() const { return impl_->transposed; }
int64_t Conv1d::in_channels() const { return impl_->in; }
int64_t Conv1d::out_channels() const { return impl_->out; }
int64_t Conv1d::kernel_size() const { return impl_->k; }
SignalLayout Conv1d::layout() const { return impl_->layout; }
ConvPrecision Conv1d::precision() const {
  return impl_->bf16 ? ConvPrecision::kBf16 : ConvPrecision::kFp32;
}
int64_t Conv1d::output_length(int64_t input_length) const {
  return impl_->out_length(input_length);
}

std::vector<std::string> Conv1d::implementations() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<std::string> names;
  for (const auto& [key, entry] : impl_->cache)
    if (entry) names.push_back(entry->implementation);
  return names;
}

void Conv1d::Impl::run(Signal x, int64_t batch, int64_t time, MutableSignal y,
                       const ConvEpilogue& ep) {
  const int64_t tout = out_length(time);
  if (batch <= 0 || time <= 0 || tout <= 0)
    fail(ErrorCode::kInvalidArgument, "Conv1d: input of " + std::to_string(time) +
                                          " samples is too short for kernel " + std::to_string(k));
  if ((x.bf16 || y.bf16) && !bf16)
    fail(ErrorCode::kInvalidArgument, "Conv1d: bf16 activations need a bf16 convolution");
  if (y.bf16 && ep.accumulate)
    fail(ErrorCode::kInvalidArgument, "Conv1d: a residual add needs a float32 output");
  if (layout == SignalLayout::kTimeFirst && run_tiled(x, batch, time, y, ep)) return;
  if (run_whole(x, batch, time, y, ep)) return;
  log::warn("oneDNN cannot run a ", transposed ? "transposed " : "", "convolution ", in, "->", out,
            " k", k, " on ", time, " samples; using the reference loops");
  // The reference runs on float32 buffers (bf16 values convert exactly).
  std::vector<float> xf, yf;
  const float* xp = static_cast<const float*>(x.data);
  if (x.bf16) {
    const auto* xb = static_cast<const uint16_t*>(x.data);
    xf.resize(batch * time * in);
    for (size_t i = 0; i < xf.size(); ++i) xf[i] = bf16_to_float(xb[i]);
    xp = xf.data();
  }
  float* yp = static_cast<float*>(y.data);
  if (y.bf16) {
    yf.resize(batch * tout * out);
    yp = yf.data();
  }
  reference(xp, batch, time, yp, ep);
  if (y.bf16)
    convert_to_bf16(yf.data(), static_cast<int64_t>(yf.size()), static_cast<uint16_t*>(y.data));
}

void Conv1d::forward(const float* x, int64_t batch, int64_t time, float* y,
                     const ConvEpilogue& epilogue) const {
  if (!impl_) fail(ErrorCode::kInternal, "Conv1d used before construction");
  impl_->run({x, false}, batch, time, {y, false}, epilogue);
}

void Conv1d::forward(const uint16_t* x, int64_t batch, int64_t time, float* y,
                     const ConvEpilogue& epilogue) const {
  if (!impl_) fail(ErrorCode::kInternal, "Conv1d used before construction");
  impl_->run({x, true}, batch, time, {y, false}, epilogue);
}

void Conv1d::forward(const uint16_t* x, int64_t batch, int64_t time, uint16_t* y,
                     const ConvEpilogue& epilogue) const {
  if (!impl_) fail(ErrorCode::kInternal, "Conv1d used before construction");
  impl_->run({x, true}, batch, time, {y, true}, epilogue);
}

Tensor Conv1d::forward(const Tensor& x) const {
  if (!impl_) fail(ErrorCode::kInternal, "Conv1d used before construction");
  const Impl& m = *impl_;
  const bool time_first = m.layout == SignalLayout::kTimeFirst;
  if (x.rank() != 2 && x.rank() != 3)
    fail(ErrorCode::kInvalidArgument,
         "Conv1d input must be 2-D or 3-D, got " + shape_to_string(x.shape()));
  const int64_t batch = x.rank() == 3 ? x.dim(0) : 1;
  const int64_t channels = time_first ? x.dim(-1) : x.dim(-2);
  const int64_t time = time_first ? x.dim(-2) : x.dim(-1);
  if (channels != m.in)
    fail(ErrorCode::kInvalidArgument, "Conv1d input " + shape_to_string(x.shape()) + " has " +
                                          std::to_string(channels) + " channels, expected " +
                                          std::to_string(m.in));
  const int64_t tout = output_length(time);
  Shape shape = time_first ? Shape{tout, m.out} : Shape{m.out, tout};
  if (x.rank() == 3) shape.insert(shape.begin(), batch);
  Tensor y(shape);
  forward(x.data(), batch, time, y.mutable_data());
  return y;
}

void Conv1d::forward_reference(const float* x, int64_t batch, int64_t time, float* y,
                               const ConvEpilogue& epilogue) const {
  if (!impl_) fail(ErrorCode::kInternal, "Conv1d used before construction");
  impl_->reference(x, batch, time, y, epilogue);
}

void Conv1d::Impl::reference(const float* x, int64_t batch, int64_t time, float* y,
                             const ConvEpilogue& epilogue) const {
  const ReferenceConv spec{
      transposed, in, out, k, stride, padding, dilation, layout == SignalLayout::kTimeFirst, bf16};
  conv1d_reference(spec, weight.data(), bias.empty() ? nullptr : bias.data(), x, batch, time, y,
                   epilogue);
}

}  // namespace speecht5::kernels
