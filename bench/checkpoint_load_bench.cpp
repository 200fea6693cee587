// Checkpoint opening time (parse + index, weights mapped not read) for every checkpoint file in
// $SPEECHT5_LOAD_BENCH_DIR, e.g. a folder made by `speecht5 random-model --preset full`:
//   SPEECHT5_LOAD_BENCH_DIR=/tmp/full ./build/bench/speecht5_bench
//   --benchmark_filter=CheckpointOpen
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "io/tensor_store.h"

namespace speecht5 {
namespace {

void open_checkpoint(benchmark::State& state, const std::filesystem::path& path) {
  for (auto _ : state) {
    const auto store = io::TensorStore::open(path);
    benchmark::DoNotOptimize(store.tensors().data());
    state.counters["tensors"] = static_cast<double>(store.tensors().size());
  }
  state.counters["MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
}

const bool registered = [] {
  const char* dir = std::getenv("SPEECHT5_LOAD_BENCH_DIR");
  if (dir == nullptr) return false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".safetensors" || ext == ".bin"))
      benchmark::RegisterBenchmark(("CheckpointOpen/" + entry.path().filename().string()).c_str(),
                                   open_checkpoint, entry.path())
          ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
}  // namespace speecht5
