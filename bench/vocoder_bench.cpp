// HiFi-GAN and post-net timing on full-size (HF default config) random weights.
//   ./build/bench/speecht5_bench --benchmark_filter=Vocoder --benchmark_counters_tabular=true
// Reports ms of compute per second of audio (`ms_per_audio_s`); set OMP_NUM_THREADS or use the
// thread-count argument (the second range value); the third is the convolutions' precision
// (0 fp32, 1 bf16).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <vector>

#include "io/tensor_store.h"
#include "kernels/conv1d.h"
#include "kernels/threading.h"
#include "model/hifigan.h"
#include "model/random_weights.h"
#include "runtime/benchmark.h"

namespace speecht5 {
namespace {

double process_cpu_seconds() { return process_cpu_ms() * 1e-3; }

const HifiGan& full_vocoder(kernels::ConvPrecision precision = kernels::ConvPrecision::kFp32) {
  // The spec's random weights (seed 42), as the full-size fixtures use.
  static const io::TensorStore store = make_random_store(HifiGanConfig{}, 42);
  static const HifiGan fp32(store, HifiGanConfig{});
  static const HifiGan bf16(store, HifiGanConfig{}, kernels::ConvPrecision::kBf16);
  return precision == kernels::ConvPrecision::kBf16 ? bf16 : fp32;
}

Tensor random_mel(int64_t frames) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(-5.0f, 2.0f);
  Tensor mel({frames, 80});
  for (int64_t i = 0; i < mel.numel(); ++i) mel.mutable_data()[i] = dist(rng);
  return mel;
}

// args: frames, threads, precision.
void BM_VocoderFull(benchmark::State& state) {
  kernels::set_num_threads(static_cast<int>(state.range(1)));
  const HifiGan& vocoder = full_vocoder(static_cast<kernels::ConvPrecision>(state.range(2)));
  state.SetLabel(vocoder.precision() == kernels::ConvPrecision::kBf16 ? "bf16" : "fp32");
  const Tensor mel = random_mel(state.range(0));
  vocoder.vocode(mel);  // primitives are created outside the timed loop
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) benchmark::DoNotOptimize(vocoder.vocode(mel).data());
  const double audio_s = double(state.range(0)) * vocoder.samples_per_frame() / 16000.0;
  // Wall time per second of audio, and CPU time of all threads (robust on a busy machine).
  state.counters["ms_per_audio_s"] = benchmark::Counter(
      audio_s * 1e-3, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["cpu_ms_per_audio_s"] =
      (process_cpu_seconds() - cpu0) * 1e3 / (audio_s * state.iterations());
}
BENCHMARK(BM_VocoderFull)
    ->Args({200, 1, 0})
    ->Args({200, 1, 1})
    ->Args({200, 2, 0})
    ->Args({200, 2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One resblock-shaped convolution (channels → channels, k7, dilation 3) over 16384 time-first
// samples, in fp32 and bf16: where bf16 starts to pay (oneDNN pads small channel counts).
// args: channels, precision (0 fp32, 1 bf16).
void BM_VocoderConvChannels(benchmark::State& state) {
  kernels::set_num_threads(1);
  const int64_t channels = state.range(0), time = 16384, k = 7;
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 0.1f);
  Tensor w({channels, channels, k}), b({channels});
  for (int64_t i = 0; i < w.numel(); ++i) w.mutable_data()[i] = dist(rng);
  const auto conv =
      kernels::Conv1d::conv(w, b, 9, 3, kernels::SignalLayout::kTimeFirst,
                            static_cast<kernels::ConvPrecision>(state.range(1)));
  std::vector<float> x(time * channels, 0.5f), y(time * channels);
  conv.forward(x.data(), 1, time, y.data());
  for (auto _ : state) {
    conv.forward(x.data(), 1, time, y.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(conv.precision() == kernels::ConvPrecision::kBf16 ? "bf16" : "fp32");
  state.counters["GMAC/s"] = benchmark::Counter(double(time) * channels * channels * k * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_VocoderConvChannels)
    ->ArgsProduct({{2, 4, 8, 16, 32, 64, 128, 256}, {0, 1}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// A length never seen before: includes creating the convolution primitives for it.
void BM_VocoderFullNewLength(benchmark::State& state) {
  kernels::set_num_threads(static_cast<int>(state.range(1)));
  const HifiGan& vocoder = full_vocoder();
  int64_t frames = state.range(0);
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    const Tensor mel = random_mel(frames++);
    benchmark::DoNotOptimize(vocoder.vocode(mel).data());
  }
  state.counters["cpu_ms"] = (process_cpu_seconds() - cpu0) * 1e3 / state.iterations();
}
BENCHMARK(BM_VocoderFullNewLength)
    ->Args({300, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace speecht5
