// `speecht5 bench`: per-stage timings, decoder ms/step against the memory floor measured in the
// same run, RTF, time to first audio and peak RSS, on full-size weights generated in memory.
#include <cstdio>
#include <string>

#include "command.h"
#include "core/log.h"
#include "kernels/packed_weights.h"
#include "runtime/benchmark.h"

namespace speecht5::cli {
namespace {

RegisterCommand bench_command(
    "bench", "Benchmark every stage on full-size random weights (no download)",
    [](CLI::App& sub) -> CommandRun {
      auto options = std::make_shared<BenchmarkOptions>();
      auto precision = std::make_shared<std::string>("fp32");
      auto json = std::make_shared<bool>(false);
      sub.add_option("--steps", options->steps, "decoder steps (2 mel frames each)")->capture_default_str();
      sub.add_option("--tokens", options->tokens, "input tokens, eos included")->capture_default_str();
      sub.add_option("--threads", options->threads, "threads (default: every core)");
      sub.add_option("--precision", *precision,
                     "fp32; bf16 or int8 linear-layer weights (both with bf16 vocoder convolutions)")
          ->check(CLI::IsMember({"fp32", "bf16", "int8"}))
          ->capture_default_str();
      sub.add_option("--batch", options->batch, "utterances decoded together")->capture_default_str();
      sub.add_option("--repeats", options->repeats, "timed runs after a warm-up (best is kept)")->capture_default_str();
      sub.add_option("--preset", options->preset, "model size: full or tiny")
          ->check(CLI::IsMember({"full", "tiny"}))
          ->capture_default_str();
      sub.add_flag("--json", *json, "print one JSON object");
      return [options, precision, json] {
        options->precision = kernels::parse_precision(*precision);
        const BenchmarkReport report = run_benchmark(*options);
        const std::string out = *json ? report.to_json() + "\n" : report.to_text();
        std::fputs(out.c_str(), stdout);
        return 0;
      };
    });

}  // namespace
}  // namespace speecht5::cli
