// Text encoder and generation timing on the full-size model (HF default config, random weights
// seed 42), the workloads of the reference timing table in fixtures/README.md:
//   ./build/bench/speecht5_bench --benchmark_filter=Tts
// Tts/Encoder40: encoder on 40 tokens. Tts/Generate100: generate_speech forced to 100 decoder
// steps (200 frames; encoder + decoder + post-net), `ms_per_step` counter. The range argument
// is the thread count. `cpu_s` is process CPU time: on a shared machine compare it with wall time.
#include <benchmark/benchmark.h>

#include <chrono>
#include <ctime>
#include <vector>

#include "kernels/threading.h"
#include "model/random_weights.h"
#include "runtime/benchmark.h"
#include "model/tts_model.h"
#include "runtime/generator.h"

namespace speecht5 {
namespace {

double process_cpu_seconds() { return process_cpu_ms() * 1e-3; }

const TtsModel& full_model() {
  static const io::TensorStore store = make_random_store(tts_preset("full"), 42);
  static const TtsModel model(tts_preset("full"), store);
  return model;
}

std::vector<int64_t> tokens(int64_t n) { return make_test_tokens("test.tokens.full", n, 81); }

void BM_TtsEncoder40(benchmark::State& state) {
  kernels::set_num_threads(static_cast<int>(state.range(0)));
  const TtsModel& model = full_model();
  const TokenBatch batch = TokenBatch::from_sequences({tokens(40)}, 1);
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) benchmark::DoNotOptimize(model.encoder().forward(batch));
  state.counters["cpu_s"] =
      benchmark::Counter(process_cpu_seconds() - cpu0, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_TtsEncoder40)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_TtsGenerate100(benchmark::State& state) {
  kernels::set_num_threads(static_cast<int>(state.range(0)));
  const TtsModel& model = full_model();
  const std::vector<int64_t> ids = tokens(40);
  const Tensor speaker = make_test_tensor("test.speaker_embedding", {1, 512});
  GenerationOptions options;
  options.threshold = 3.0;    // never met: runs to maxlen
  options.maxlenratio = 5.0;  // int(40 · 5 / 2) = 100 steps
  options.seed = 42;
  const double cpu0 = process_cpu_seconds();
  int64_t steps = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    GeneratedSpeech g = generate_speech(model, ids, speaker, options);
    steps += g.steps;
    benchmark::DoNotOptimize(g.spectrogram.data());
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  state.counters["cpu_s"] =
      benchmark::Counter(process_cpu_seconds() - cpu0, benchmark::Counter::kAvgIterations);
  state.counters["ms_per_step"] = 1000.0 * wall_s / static_cast<double>(steps);
}
BENCHMARK(BM_TtsGenerate100)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace speecht5
