#pragma once
// `speecht5 bench`: times every stage of text → waveform on full-size SpeechT5 + HiFi-GAN
// weights generated in memory (random-weights-v1, no files), and measures in the same run the
// machine's read bandwidth, which gives the decoder step's memory floor at the chosen precision.
// Decoding runs a fixed number of steps (random weights have no meaningful stop point).
#include <array>
#include <cstdint>
#include <string>

#include "kernels/packed_weights.h"
#include "model/decoder_phases.h"

namespace speecht5 {

struct BenchmarkOptions {
  int64_t steps = 100;  // decoder steps (reduction_factor frames each)
  int64_t tokens = 40;  // input tokens, eos included
  int threads = 0;      // 0: every core (OpenMP default)
  kernels::Precision precision = kernels::Precision::kFp32;
  int64_t batch = 1;               // utterances decoded together
  int repeats = 2;                 // timed runs after one warm-up; the fastest is reported
  std::string preset = "full";     // model size: "full" or "tiny" (for tests)
  int64_t first_chunk_frames = 8;  // first streamed piece (SynthesisOptions::stream_chunk_frames)

  void validate() const;  // throws Error(kInvalidArgument) naming the option
};

struct BenchmarkReport {
  BenchmarkOptions options;
  int threads = 0;
  std::string isa;
  double load_ms = 0;  // building both models (random weights + packing)
  double encoder_ms = 0;
  double decoder_ms_per_step = 0;  // one step for the whole batch
  double decoder_ms = 0;           // all steps
  double postnet_ms = 0;
  double vocoder_ms = 0;
  double audio_seconds = 0;           // per utterance
  double vocoder_rtf = 0;             // vocoder_ms / (batch · audio)
  double total_ms = 0;                // encoder + decoder + postnet + vocoder, in sequence
  double rtf = 0;                     // total / (batch · audio)
  double time_to_first_audio_ms = 0;  // start → first samples out of the streaming pipeline
  double bandwidth_gb_s = 0;          // read bandwidth measured in this run, same threads
  double decoder_step_mb = 0;         // packed weights streamed per decoder step
  double decoder_floor_ms_per_step = 0;
  double single_stream_ms_per_step = 0;  // batch > 1: a batch-1 step measured in the same run
  double batch_speedup = 0;              // batch · single / batched step time
  double decoder_cpu_share = 0;          // process CPU time / (wall · threads) while decoding:
                                         // well below 1 means other work shared the cores
  double peak_rss_mb = 0;                // before the bandwidth probe's buffer
  // The fastest decoder run by phase (model/decoder_phases.h), ms per step; and, batch > 1, the
  // batch-1 run's.
  std::array<double, kDecoderPhases> decoder_phase_ms_per_step{};
  std::array<double, kDecoderPhases> single_stream_phase_ms_per_step{};

  std::string to_json() const;
  std::string to_text() const;
};

BenchmarkReport run_benchmark(const BenchmarkOptions& options);

// Peak resident set size of this process so far, in MiB.
double peak_rss_mb();
// CPU time of the whole process (all threads), in ms: wall time alone cannot tell a slow kernel
// from a machine whose cores are busy with other work.
double process_cpu_ms();

}  // namespace speecht5
