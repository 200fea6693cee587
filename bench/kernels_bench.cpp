// Micro-benchmarks of the Linear kernels on the model's shapes.
//   GEMV (one row, a decoder step): weights cycled through ≥ 256 MB of distinct layers so the L3
//   cannot hold them; bytes_per_second counts the packed weights streamed, and bw_share divides
//   it by the read bandwidth measured in the same process with the same threads.
//   GEMM (M rows, the encoder / batched decoding): GFLOP/s of oneDNN and of the packed kernels.
// Args: precision (0 fp32, 1 bf16, 2 int8), shape (0: 768→768, 1: 768→3072, 2: 3072→768),
// threads; GEMM adds M and path (0 oneDNN, 1 packed).
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>
#include <vector>

#include "kernels/bandwidth.h"
#include "kernels/linear.h"
#include "kernels/team.h"
#include "kernels/threading.h"
#include "onednn_matmul_reference.h"

namespace speecht5::kernels {
namespace {

struct Shape2 {
  int64_t in, out;
};
constexpr Shape2 kShapes[] = {{768, 768}, {768, 3072}, {3072, 768}};
constexpr size_t kCycleBytes = size_t{256} << 20;

Tensor random_tensor(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  std::vector<float> v(rows * cols);
  for (auto& x : v) x = dist(rng);
  return Tensor::from_values({rows, cols}, v);
}

double bandwidth_for(int threads) {
  static std::map<int, double> cache;
  auto it = cache.find(threads);
  if (it == cache.end())
    it = cache.emplace(threads, measure_read_bandwidth(kCycleBytes, 5, threads).gb_per_s).first;
  return it->second;
}

// One set of layers at a time: rebuilding for every repetition would dominate the run.
const std::vector<Linear>& layer_cycle(Precision precision, const Shape2& s) {
  static std::pair<int, int64_t> key{-1, 0};
  static std::vector<Linear> layers;
  const std::pair<int, int64_t> want{static_cast<int>(precision), s.in * 100000 + s.out};
  if (key != want) {
    layers.clear();
    const Tensor w = random_tensor(s.out, s.in, 1);
    Linear first(w, Tensor(), precision);
    const size_t count = (kCycleBytes + first.weight_bytes() - 1) / first.weight_bytes();
    layers.push_back(first);
    while (layers.size() < count) layers.emplace_back(w, Tensor(), precision);
    key = want;
  }
  return layers;
}

void BM_Gemv(benchmark::State& state) {
  const auto precision = static_cast<Precision>(state.range(0));
  const Shape2 s = kShapes[state.range(1)];
  const int threads = static_cast<int>(state.range(2));
  set_num_threads(threads);
  const std::vector<Linear>& layers = layer_cycle(precision, s);
  const Tensor x = random_tensor(1, s.in, 2);
  std::vector<float> y(s.out);
  size_t i = 0;
  for (auto _ : state) {
    layers[i].forward(x.data(), 1, y.data());
    benchmark::DoNotOptimize(y.data());
    i = (i + 1) % layers.size();
  }
  const int64_t bytes = layers[0].weight_bytes();
  state.SetBytesProcessed(state.iterations() * bytes);
  const double gbps = bandwidth_for(threads);
  state.counters["probe_GBps"] = gbps;
  state.counters["bw_share"] = benchmark::Counter(static_cast<double>(bytes) / 1e9 / gbps,
                                                  benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(precision_name(precision) + " " + std::to_string(s.in) + "->" +
                 std::to_string(s.out));
}

void BM_Gemm(benchmark::State& state) {
  const auto precision = static_cast<Precision>(state.range(0));
  const Shape2 s = kShapes[state.range(1)];
  const int threads = static_cast<int>(state.range(2));
  const int64_t m = state.range(3);
  const bool packed = state.range(4) == 1;
  set_num_threads(threads);
  const Tensor weight = random_tensor(s.out, s.in, 1);
  const Linear linear(weight, Tensor(), precision);
  const Tensor x = random_tensor(m, s.in, 3);
  std::vector<float> y(m * s.out);
  for (auto _ : state) {
    if (packed)
      linear.forward(x.data(), m, y.data());
    else
      bench::onednn_matmul_f32(x.data(), m, s.in, weight.data(), s.out, nullptr, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOPs"] = benchmark::Counter(2.0 * m * s.in * s.out * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(precision_name(precision) + (packed ? " packed " : " oneDNN ") +
                 std::to_string(s.in) + "->" + std::to_string(s.out));
}

// The GEMV chain of one full-size decoder step (6 layers × 6 projections 768→768 and the FFN
// 768→3072→768, 49.5 M weights in all) with distinct weights per layer, one row (or `batch`
// rows), in one thread team like the step. floor_ms is the step's packed bytes / the read
// bandwidth measured here.
void BM_DecoderChain(benchmark::State& state) {
  const auto precision = static_cast<Precision>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const int64_t batch = state.range(2);
  set_num_threads(threads);
  static std::pair<int, std::vector<Linear>> cache{-1, {}};
  if (cache.first != static_cast<int>(precision)) {
    cache.second.clear();
    const Tensor square = random_tensor(768, 768, 5), up = random_tensor(3072, 768, 6),
                 down = random_tensor(768, 3072, 7);
    for (int layer = 0; layer < 6; ++layer) {
      for (int i = 0; i < 6; ++i) cache.second.emplace_back(square, Tensor(), precision);
      cache.second.emplace_back(up, Tensor(), precision);
      cache.second.emplace_back(down, Tensor(), precision);
    }
    cache.first = static_cast<int>(precision);
  }
  const std::vector<Linear>& layers = cache.second;
  const Tensor x = random_tensor(batch, 3072, 8);
  std::vector<float> y(batch * 3072);
  int64_t bytes = 0;
  for (const Linear& l : layers) bytes += l.weight_bytes();
  // One team for the whole chain with a barrier after each product, and each product told the
  // next one, as a decoder step runs them (one region per product instead measured int8 batch 8
  // at 1.70 ms against 1.04–1.13).
  for (auto _ : state) {
    run_team(threads, [&](const Team& team) {
      for (size_t i = 0; i < layers.size(); ++i) {
        const Linear* then = i + 1 < layers.size() ? &layers[i + 1] : nullptr;
        team.run([&] { layers[i].forward_team(x.data(), batch, y.data(), team, then); });
        team.barrier();
      }
    });
    benchmark::DoNotOptimize(y.data());
  }
  const double gbps = bandwidth_for(threads);
  state.counters["floor_ms"] = static_cast<double>(bytes) / 1e9 / gbps * 1e3;
  state.counters["bw_share"] = benchmark::Counter(static_cast<double>(bytes) / 1e9 / gbps,
                                                  benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(precision_name(precision) + " batch " + std::to_string(batch));
}

// The weights of a whole decoder step (768 → 65536, 50.3 M against the step's 49.5 M) as one
// product or as `parts` products run back to back in one team with a barrier after each (and
// each told the next, as the step does), at batch 1 and 8, 2 threads: what running many products
// costs over one, apart from the 8-row tile itself (docs/PERFORMANCE.md → Batched decoding).
void BM_WholeStepProduct(benchmark::State& state) {
  const auto precision = static_cast<Precision>(state.range(0));
  const int64_t batch = state.range(1);
  const int parts = static_cast<int>(state.range(2));
  set_num_threads(2);
  static std::map<std::pair<int, int>, std::vector<Linear>> cache;
  std::vector<Linear>& products = cache[{static_cast<int>(precision), parts}];
  if (products.empty())
    for (int p = 0; p < parts; ++p)
      products.emplace_back(random_tensor(65536 / parts, 768, 18 + p), Tensor(), precision);
  const Tensor x = random_tensor(batch, 768, 19);
  std::vector<float> y(batch * 65536);
  int64_t bytes = 0;
  for (const Linear& l : products) bytes += l.weight_bytes();
  for (auto _ : state) {
    run_team(2, [&](const Team& team) {
      for (int p = 0; p < parts; ++p) {
        const Linear* then = p + 1 < parts ? &products[p + 1] : nullptr;
        team.run([&] { products[p].forward_team(x.data(), batch, y.data(), team, then); });
        team.barrier();
      }
    });
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["floor_ms"] = static_cast<double>(bytes) / 1e9 / bandwidth_for(2) * 1e3;
  state.SetLabel(precision_name(precision) + " batch " + std::to_string(batch) + ", " +
                 std::to_string(parts) + " product(s)");
}

// Cost of one OpenMP fork/join of a warm team: the per-GEMV hand-off of the decoder step.
void BM_ForkJoin(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  int sink = 0;
  for (auto _ : state) {
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    sink += 1;
    benchmark::DoNotOptimize(sink);
  }
}

// One barrier of a decoder-step team (kernels/team.h), amortised over 1000 in one region: what
// the step pays per dependency instead of a fork/join (BM_ForkJoin).
void BM_TeamBarrier(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  constexpr int kBarriers = 1000;
  for (auto _ : state) {
    run_team(threads, [&](const Team& team) {
      for (int i = 0; i < kBarriers; ++i) team.barrier();
    });
  }
  state.SetItemsProcessed(state.iterations() * kBarriers);
  state.counters["ns_per_barrier"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kBarriers,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void gemv_args(benchmark::internal::Benchmark* b) {
  for (int64_t threads : {1, 2})
    for (int64_t p : {0, 1, 2})
      for (int64_t shape : {0, 1, 2}) b->Args({p, shape, threads});
}

void gemm_args(benchmark::internal::Benchmark* b) {
  for (int64_t threads : {1, 2})
    for (int64_t m : {8, 16, 40, 100, 256})
      for (int64_t shape : {0, 1, 2}) {
        b->Args({0, shape, threads, m, 0});
        for (int64_t p : {0, 1, 2}) b->Args({p, shape, threads, m, 1});
      }
}

BENCHMARK(BM_Gemv)
    ->Apply(gemv_args)
    ->ArgNames({"prec", "shape", "thr"})
    ->MinTime(0.3)
    ->UseRealTime();
BENCHMARK(BM_DecoderChain)
    ->ArgsProduct({{0, 1, 2}, {1, 2}, {1, 8}})
    ->ArgNames({"prec", "thr", "batch"})
    ->MinTime(1.0)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WholeStepProduct)
    ->ArgsProduct({{1, 2}, {1, 8}, {1, 48}})
    ->ArgNames({"prec", "batch", "parts"})
    ->MinTime(1.0)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForkJoin)->Arg(2)->ArgName("thr")->UseRealTime();
BENCHMARK(BM_TeamBarrier)->Arg(2)->ArgName("thr")->UseRealTime();
BENCHMARK(BM_Gemm)
    ->Apply(gemm_args)
    ->ArgNames({"prec", "shape", "thr", "M", "packed"})
    ->MinTime(0.2)
    ->UseRealTime();

}  // namespace
}  // namespace speecht5::kernels

// The small per-step ops of a decoder step (per call; a step makes 6 GELUs over 3072 values,
// 72 self- and 72 cross-attention heads and 18 residual layer norms over 768).
#include "kernels/activations.h"
#include "kernels/attention.h"
#include "kernels/norm.h"
#include "kernels/packed_weights.h"

namespace speecht5::kernels {
namespace {

void BM_GeluErf(benchmark::State& state) {
  const Tensor x0 = random_tensor(1, state.range(0), 9);
  std::vector<float> x(x0.data(), x0.data() + x0.numel());
  for (auto _ : state) {
    std::copy(x0.data(), x0.data() + x0.numel(), x.begin());
    gelu_erf(x.data(), static_cast<int64_t>(x.size()));
    benchmark::DoNotOptimize(x.data());
  }
}

void BM_AttentionHeadOneQuery(benchmark::State& state) {
  const int64_t tk = state.range(0), d = 64, stride = 768;
  const Tensor q = random_tensor(1, stride, 10), k = random_tensor(tk, stride, 11),
               v = random_tensor(tk, stride, 12);
  std::vector<float> probs(tk), out(stride);
  for (auto _ : state) {
    attention_head(q.data(), stride, 1, k.data(), v.data(), stride, tk, d, nullptr, nullptr,
                   probs.data(), out.data(), stride);
    benchmark::DoNotOptimize(out.data());
  }
}

// The batch-8 self-attention of a decoder step as the cache lays it out: 8 items × 12 heads of
// one-query attention per layer, each head a run of `capacity` (100) positions of which 50 are
// filled, over 24 layers' worth of caches so they come from memory (or 1 layer's, ~1-5 MB, to
// see the arithmetic alone). Args: cache format (0 float32, 1 bf16, 2 int8), whether the next
// head is prefetched along the current one (0/1), layers; counters: ns per key.
void BM_AttentionBatchCold(benchmark::State& state) {
  const auto format = static_cast<KvFormat>(state.range(0));
  const bool prefetch = state.range(1) != 0;
  const int64_t layers = state.range(2), heads = 8 * 12, capacity = 100, filled = 50, d = 64;
  const int64_t per_head = capacity * d, total = layers * heads * per_head + per_head;
  const int64_t groups = d / kKvInt8Group;
  const Tensor values = random_tensor(1, 4096, 16), q = random_tensor(1, d, 17);
  std::vector<float> k32(total), v32(total);
  for (int64_t i = 0; i < total; ++i) {
    k32[i] = values.data()[i % 4096];
    v32[i] = values.data()[(i * 7) % 4096];
  }
  std::vector<uint16_t> k16(total), v16(total);
  std::vector<int8_t> k8(total), v8(total);
  std::vector<float> ks(total / kKvInt8Group), vs(total / kKvInt8Group);
  if (format == KvFormat::kBf16) {
    for (int64_t i = 0; i < total; ++i)
      k16[i] = float_to_bf16(k32[i]), v16[i] = float_to_bf16(v32[i]);
  } else if (format == KvFormat::kInt8) {
    quantize_rows_int8(k32.data(), total / kKvInt8Group, kKvInt8Group, kKvInt8Group, kKvInt8Group,
                       k8.data(), ks.data());
    quantize_rows_int8(v32.data(), total / kKvInt8Group, kKvInt8Group, kKvInt8Group, kKvInt8Group,
                       v8.data(), vs.data());
  }
  auto head = [&](int64_t index) {
    const int64_t at = index * per_head;
    switch (format) {
      case KvFormat::kBf16:
        return KvHead{k16.data() + at, v16.data() + at, format};
      case KvFormat::kInt8:
        return KvHead{k8.data() + at, v8.data() + at, format, ks.data() + at / d * groups,
                      vs.data() + at / d * groups};
      case KvFormat::kF32:
        break;
    }
    return KvHead{k32.data() + at, v32.data() + at, format};
  };
  std::vector<float> probs(capacity), out(d);
  for (auto _ : state)
    for (int64_t h = 0; h < layers * heads; ++h) {
      attention_one_query(q.data(), head(h), filled, d, nullptr, probs.data(), out.data(),
                          prefetch ? head(h + 1) : KvHead{});
      benchmark::DoNotOptimize(out.data());
    }
  state.counters["ns_per_key"] = benchmark::Counter(
      static_cast<double>(layers * heads * filled) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Rows of a residual + LayerNorm (768 wide): 1 as a single stream, 4 as one member's share of
// a batch of 8.
void BM_AddLayerNorm(benchmark::State& state) {
  const int64_t dim = 768, rows = state.range(0);
  const Tensor x0 = random_tensor(rows, dim, 13), res = random_tensor(rows, dim, 14),
               g = random_tensor(1, dim, 15);
  std::vector<float> x(rows * dim);
  for (auto _ : state) {
    std::copy(x0.data(), x0.data() + rows * dim, x.begin());
    add_layer_norm(x.data(), res.data(), rows, dim, g.data(), g.data(), 1e-5f);
    benchmark::DoNotOptimize(x.data());
  }
}

BENCHMARK(BM_AttentionHeadOneQuery)->Arg(40)->Arg(100);
BENCHMARK(BM_AttentionBatchCold)
    ->ArgsProduct({{0, 1, 2}, {0, 1}, {1, 24}})
    ->ArgNames({"format", "prefetch", "layers"})
    ->UseRealTime();
// The activations of a product converted for the bf16 / int8 kernels (Linear::prepare): every
// thread does it before every product, 8 rows at batch 8 (each ~48 times per step).
void BM_ActivationConversion(benchmark::State& state) {
  const auto precision = static_cast<Precision>(state.range(0));
  const int64_t rows = state.range(1), in = state.range(2);
  const Tensor x = random_tensor(rows, in, 40);
  std::vector<uint16_t> bf16(rows * in);
  std::vector<int8_t> q(rows * in);
  std::vector<float> scales(rows);
  for (auto _ : state) {
    if (precision == Precision::kBf16)
      convert_rows_bf16(x.data(), rows, in, in, in, bf16.data());
    else
      quantize_rows_int8(x.data(), rows, in, in, in, q.data(), scales.data());
    benchmark::DoNotOptimize(bf16.data());
    benchmark::DoNotOptimize(q.data());
  }
  state.SetLabel(precision_name(precision));
}

BENCHMARK(BM_AddLayerNorm)->Arg(1)->Arg(4)->ArgName("rows");
BENCHMARK(BM_ActivationConversion)
    ->ArgsProduct({{1, 2}, {1, 8}, {768, 3072}})
    ->ArgNames({"prec", "rows", "in"});

}  // namespace
}  // namespace speecht5::kernels
