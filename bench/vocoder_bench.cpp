// HiFi-GAN and post-net timing on full-size (HF default config) random weights.
//   ./build/bench/speecht5_bench --benchmark_filter=Vocoder --benchmark_counters_tabular=true
// Reports ms of compute per second of audio (`ms_per_audio_s`); set OMP_NUM_THREADS or use the
// thread-count argument (the second range value).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <ctime>

#include "io/tensor_store.h"
#include "kernels/threading.h"
#include "model/hifigan.h"

namespace speecht5 {
namespace {

// Uniform(±1/√fan_in) weights (keeps activations O(1), no denormals), mean 0 / scale 1.
std::shared_ptr<io::TensorStore> random_hifigan_store(const HifiGanConfig& c) {
  auto store = std::make_shared<io::TensorStore>("memory", "bench");
  std::mt19937 rng(42);
  auto add = [&](const std::string& name, Shape shape, int64_t fan_in, float fill = NAN) {
    io::TensorRecord rec;
    rec.name = name;
    rec.shape = shape;
    rec.nbytes = sizeof(float) * shape_numel(shape);
    auto* data = reinterpret_cast<float*>(store->allocate(rec.nbytes));
    std::uniform_real_distribution<float> dist(-1.0f / std::sqrt(float(fan_in)),
                                               1.0f / std::sqrt(float(fan_in)));
    for (int64_t i = 0; i < shape_numel(shape); ++i) data[i] = std::isnan(fill) ? dist(rng) : fill;
    rec.data = reinterpret_cast<std::byte*>(data);
    store->add(rec);
  };
  add("mean", {c.model_in_dim}, 1, 0.0f);
  add("scale", {c.model_in_dim}, 1, 1.0f);
  int64_t ch = c.upsample_initial_channel;
  add("conv_pre.weight", {ch, c.model_in_dim, 7}, c.model_in_dim * 7);
  add("conv_pre.bias", {ch}, 1, 0.0f);
  const size_t nk = c.resblock_kernel_sizes.size();
  for (size_t i = 0; i < c.upsample_rates.size(); ++i) {
    const int64_t k = c.upsample_kernel_sizes[i], out = ch / 2;
    add("upsampler." + std::to_string(i) + ".weight", {ch, out, k}, ch * k / c.upsample_rates[i]);
    add("upsampler." + std::to_string(i) + ".bias", {out}, 1, 0.0f);
    for (size_t j = 0; j < nk; ++j) {
      const int64_t rk = c.resblock_kernel_sizes[j];
      for (size_t d = 0; d < c.resblock_dilation_sizes[j].size(); ++d)
        for (const char* conv : {".convs1.", ".convs2."}) {
          const std::string n =
              "resblocks." + std::to_string(i * nk + j) + conv + std::to_string(d);
          add(n + ".weight", {out, out, rk}, out * rk);
          add(n + ".bias", {out}, 1, 0.0f);
        }
    }
    ch = out;
  }
  add("conv_post.weight", {1, ch, 7}, ch * 7);
  add("conv_post.bias", {1}, 1, 0.0f);
  return store;
}

double process_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

const HifiGan& full_vocoder() {
  static const HifiGan vocoder(*random_hifigan_store(HifiGanConfig{}), HifiGanConfig{});
  return vocoder;
}

Tensor random_mel(int64_t frames) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(-5.0f, 2.0f);
  Tensor mel({frames, 80});
  for (int64_t i = 0; i < mel.numel(); ++i) mel.mutable_data()[i] = dist(rng);
  return mel;
}

// args: frames, threads.
void BM_VocoderFull(benchmark::State& state) {
  kernels::set_num_threads(static_cast<int>(state.range(1)));
  const HifiGan& vocoder = full_vocoder();
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
BENCHMARK(BM_VocoderFull)->Args({200, 1})->Args({200, 2})->Unit(benchmark::kMillisecond)
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
BENCHMARK(BM_VocoderFullNewLength)->Args({300, 2})->Unit(benchmark::kMillisecond)->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace speecht5
