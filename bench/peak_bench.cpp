// The arithmetic ceilings of one core: how many multiply-adds per second the three dot
// instructions of the packed kernels can retire (16 independent accumulators, no memory).
// They bound batched decoding: a batch-8 step does 8 × 49.5 M multiply-adds, so with two cores
// its products cannot finish faster than 792 M ops / (2 × the figure here), whatever the
// memory does (docs/PERFORMANCE.md → Batched decoding). Counter: G ops/s (a multiply-add = 2).
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include "kernels/cpu_features.h"

namespace speecht5::kernels {
namespace {

constexpr int kAccumulators = 16;

__attribute__((target("avx512f"))) float fma_loop(int64_t n) {
  __m512 acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
  for (int64_t k = 0; k < n; ++k) {
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    __asm__ volatile("" : "+v"(a), "+v"(b));  // keeps the loop from being folded
  }
  __m512 sum = acc[0];
  for (int i = 1; i < kAccumulators; ++i) sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx512f,avx512bf16"))) float dpbf16_loop(int64_t n) {
  __m512 acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_setzero_ps();
  __m512i a = _mm512_set1_epi32(0x3f803f80);  // bf16 pairs (1, 1)
  for (int64_t k = 0; k < n; ++k) {
    for (int i = 0; i < kAccumulators; ++i)
      acc[i] =
          _mm512_dpbf16_ps(acc[i], reinterpret_cast<__m512bh>(a), reinterpret_cast<__m512bh>(a));
    __asm__ volatile("" : "+v"(a));
  }
  __m512 sum = acc[0];
  for (int i = 1; i < kAccumulators; ++i) sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx512f,avx512vnni"))) int vnni_loop(int64_t n) {
  __m512i acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_set1_epi32(i);
  __m512i a = _mm512_set1_epi32(0x01010101), b = _mm512_set1_epi32(0x02020202);
  for (int64_t k = 0; k < n; ++k) {
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    __asm__ volatile("" : "+v"(a), "+v"(b));
  }
  __m512i sum = acc[0];
  for (int i = 1; i < kAccumulators; ++i) sum = _mm512_add_epi32(sum, acc[i]);
  return _mm512_reduce_add_epi32(sum);
}

// Arg: 0 = vfmadd231ps (fp32, 16 multiply-adds), 1 = vdpbf16ps (bf16, 32),
// 2 = vpdpbusd (int8, 64).
void BM_PeakDotThroughput(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const CpuFeatures& cpu = cpu_features();
  const bool supported =
      cpu.avx512 && (kind == 0 || (kind == 1 && cpu.avx512_bf16) || (kind == 2 && cpu.avx512_vnni));
  if (!supported) {
    state.SkipWithError("this CPU lacks the instruction");
    return;
  }
  constexpr int64_t kIterations = 1 << 16;
  const double macs_per_instruction = kind == 0 ? 16 : kind == 1 ? 32 : 64;
  for (auto _ : state) {
    if (kind == 0) benchmark::DoNotOptimize(fma_loop(kIterations));
    if (kind == 1) benchmark::DoNotOptimize(dpbf16_loop(kIterations));
    if (kind == 2) benchmark::DoNotOptimize(vnni_loop(kIterations));
  }
  state.counters["Gops"] = benchmark::Counter(
      2.0 * macs_per_instruction * kAccumulators * kIterations * state.iterations() / 1e9,
      benchmark::Counter::kIsRate);
  state.SetLabel(kind == 0 ? "fp32 fma" : kind == 1 ? "bf16 dpbf16ps" : "int8 vpdpbusd");
}

BENCHMARK(BM_PeakDotThroughput)->DenseRange(0, 2)->UseRealTime();

}  // namespace
}  // namespace speecht5::kernels
