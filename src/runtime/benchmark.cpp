#include "runtime/benchmark.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "kernels/bandwidth.h"
#include "kernels/cpu_features.h"
#include "kernels/threading.h"
#include "model/hifigan.h"
#include "model/random_weights.h"
#include "model/text_encoder.h"
#include "model/tts_model.h"
#include "runtime/speech_stream.h"

namespace speecht5 {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Bytes one GEMV streams for a Linear of this shape at this precision (packed_weights.h: the
// output dimension padded to 16 rows, the input to 2 / 4 elements).
double packed_bytes(int64_t out, int64_t in, kernels::Precision p) {
  const int64_t rows = (out + kernels::kBlock - 1) / kernels::kBlock * kernels::kBlock;
  switch (p) {
    case kernels::Precision::kFp32:
      return 4.0 * rows * in;
    case kernels::Precision::kBf16:
      return 2.0 * rows * ((in + 1) / 2 * 2);
    case kernels::Precision::kInt8:
      return 1.0 * rows * ((in + 3) / 4 * 4);
  }
  return 0;
}

// Every Linear a decoder step runs: prenet, 6 × (self q/k/v/o, cross q/o, FFN), feat/prob out.
// (The cross-attention K/V projections run once per utterance, not per step.)
double decoder_step_bytes(const TtsConfig& c, kernels::Precision p) {
  const int64_t H = c.hidden_size, F = c.decoder_ffn_dim, M = c.num_mel_bins;
  const int64_t U = c.speech_decoder_prenet_units, S = c.speaker_embedding_dim;
  const int64_t r = c.reduction_factor;
  double bytes = packed_bytes(U, M, p) + packed_bytes(H, U, p) + packed_bytes(H, H + S, p);
  for (int i = 1; i < c.speech_decoder_prenet_layers; ++i) bytes += packed_bytes(U, U, p);
  bytes += c.decoder_layers *
           (6 * packed_bytes(H, H, p) + packed_bytes(F, H, p) + packed_bytes(H, F, p));
  bytes += packed_bytes(r * M, H, p) + packed_bytes(r, H, p);
  return bytes;
}

struct Models {
  TtsConfig tts_config;
  HifiGanConfig voc_config;
  io::TensorStore tts_store, voc_store;
  TtsModel tts;
  HifiGan vocoder;
  Models(const std::string& preset, kernels::Precision precision)
      : tts_config(tts_preset(preset)),
        voc_config(hifigan_preset(preset)),
        tts_store(make_random_store(tts_config)),
        voc_store(make_random_store(voc_config)),
        tts(tts_config, tts_store, precision),
        vocoder(voc_store, voc_config, kernels::conv_precision_for(precision)) {}
};

struct Inputs {
  TokenBatch tokens;
  Tensor speakers;  // [B, S]
};

Inputs make_inputs(const TtsConfig& c, int64_t tokens, int64_t batch) {
  const std::vector<int64_t> ids = make_test_tokens("test.tokens.full", tokens, c.vocab_size,
                                                    kDefaultRandomSeed, c.eos_token_id);
  const Tensor speaker = make_test_tensor("test.speaker_embedding", {1, c.speaker_embedding_dim});
  Inputs in;
  in.tokens =
      TokenBatch::from_sequences(std::vector<std::vector<int64_t>>(batch, ids), c.pad_token_id);
  std::vector<float> rows;
  for (int64_t b = 0; b < batch; ++b)
    rows.insert(rows.end(), speaker.data(), speaker.data() + speaker.numel());
  in.speakers = Tensor::from_values({batch, c.speaker_embedding_dim}, rows);
  return in;
}

// Runs `steps` decoder steps for the whole batch, feeding back each item's last frame as HF
// does; writes the mel [B, steps·r, M] and returns the wall time of the steps alone. `phases`
// (may be null) receives where the steps' time went.
double decode(const Models& m, const Inputs& in, const Tensor& encoder_out, int64_t steps,
              std::vector<float>& mel, double* cpu_ms = nullptr,
              DecoderPhaseTimes* phases = nullptr) {
  const TtsConfig& c = m.tts_config;
  const int64_t B = in.tokens.batch, M = c.num_mel_bins, r = c.reduction_factor;
  const SpeechDecoder& decoder = m.tts.decoder();
  DecoderState state = decoder.start(encoder_out, in.tokens.key_mask(), in.speakers, steps);
  state.record_phases(phases);
  std::vector<int> active(B);
  std::iota(active.begin(), active.end(), 0);
  std::vector<float> frames(B * M, 0.0f), feat(B * r * M), logits(B * r);
  mel.assign(B * steps * r * M, 0.0f);
  const double cpu_start = process_cpu_ms();
  const auto start = Clock::now();
  for (int64_t s = 0; s < steps; ++s) {
    decoder.step(state, active, frames.data(), /*seed=*/0, feat.data(), logits.data(), nullptr);
    for (int64_t b = 0; b < B; ++b) {
      std::copy_n(feat.data() + b * r * M, r * M, mel.data() + (b * steps + s * r) * M);
      std::copy_n(feat.data() + (b * r + r - 1) * M, M, frames.data() + b * M);
    }
  }
  const double wall = ms_since(start);
  if (cpu_ms != nullptr) *cpu_ms = process_cpu_ms() - cpu_start;
  return wall;
}

struct StageTimes {
  double encoder = 0, decoder = 0, postnet = 0, vocoder = 0;
  double decoder_cpu = 0;    // process CPU time during the decoder steps
  DecoderPhaseTimes phases;  // of the decoder steps
};

StageTimes run_pipeline(const Models& m, const Inputs& in, int64_t steps) {
  StageTimes t;
  const int64_t B = in.tokens.batch, M = m.tts_config.num_mel_bins;
  const int64_t frames = steps * m.tts_config.reduction_factor;
  auto start = Clock::now();
  const Tensor encoder_out = m.tts.encoder().forward(in.tokens);
  t.encoder = ms_since(start);
  std::vector<float> mel;
  t.decoder = decode(m, in, encoder_out, steps, mel, &t.decoder_cpu, &t.phases);
  std::vector<float> post(mel.size());
  start = Clock::now();
  m.tts.postnet().forward(mel.data(), B, frames, post.data());
  t.postnet = ms_since(start);
  std::vector<float> wave(B * frames * m.vocoder.samples_per_frame());
  start = Clock::now();
  m.vocoder.vocode(post.data(), B, frames, wave.data());
  t.vocoder = ms_since(start);
  (void)M;
  return t;
}

// One utterance streamed as Synthesizer::synthesize_ids streams it: encoder, then decoder steps
// whose frames go to a SpeechStream (post-net and HiFi-GAN on windows whose outputs are final),
// until the first samples come out. Returns that wall time, or the whole run's if no sample
// comes out within `max_steps`.
double time_to_first_audio(const Models& m, const Inputs& single, int64_t chunk_frames,
                           int64_t max_steps) {
  const TtsConfig& c = m.tts_config;
  const int64_t M = c.num_mel_bins, r = c.reduction_factor;
  const int64_t radius =
      static_cast<int64_t>(c.speech_decoder_postnet_layers) * (c.speech_decoder_postnet_kernel / 2);
  const SpeechDecoder& decoder = m.tts.decoder();
  const auto start = Clock::now();
  const Tensor encoder_out = m.tts.encoder().forward(single.tokens);
  DecoderState state =
      decoder.start(encoder_out, single.tokens.key_mask(), single.speakers, max_steps);
  SpeechStream stream(m.tts.postnet(), radius, m.vocoder, chunk_frames);
  const std::vector<int> active{0};
  std::vector<float> frames(M, 0.0f), feat(r * M), logits(r);
  for (int64_t s = 0; s < max_steps; ++s) {
    decoder.step(state, active, frames.data(), /*seed=*/0, feat.data(), logits.data(), nullptr);
    if (!stream.push(feat.data(), r).empty()) break;
    std::copy_n(feat.data() + (r - 1) * M, M, frames.data());
  }
  return ms_since(start);
}

}  // namespace

void BenchmarkOptions::validate() const {
  auto positive = [](int64_t v, const char* name) {
    if (v < 1)
      fail(ErrorCode::kInvalidArgument,
           std::string("bench: --") + name + " must be at least 1, got " + std::to_string(v));
  };
  positive(steps, "steps");
  positive(tokens, "tokens");
  positive(batch, "batch");
  positive(repeats, "repeats");
  positive(first_chunk_frames, "first-chunk");
  if (threads < 0)
    fail(ErrorCode::kInvalidArgument,
         "bench: --threads must be at least 1, got " + std::to_string(threads));
  if (tokens < 2)
    fail(ErrorCode::kInvalidArgument, "bench: --tokens must be at least 2 (text and eos)");
}

double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

BenchmarkReport run_benchmark(const BenchmarkOptions& options) {
  options.validate();
  if (options.threads > 0) kernels::set_num_threads(options.threads);
  BenchmarkReport report;
  report.options = options;
  report.threads = kernels::num_threads();
  report.isa = kernels::isa_name(kernels::active_isa());

  auto start = Clock::now();
  const Models models(options.preset, options.precision);
  report.load_ms = ms_since(start);
  const TtsConfig& c = models.tts_config;
  if (options.tokens > c.max_text_positions)
    fail(ErrorCode::kInvalidArgument, "bench: --tokens exceeds max_text_positions (" +
                                          std::to_string(c.max_text_positions) + ")");
  if (options.steps > c.max_speech_positions)
    fail(ErrorCode::kInvalidArgument, "bench: --steps exceeds max_speech_positions (" +
                                          std::to_string(c.max_speech_positions) + ")");

  const Inputs inputs = make_inputs(c, options.tokens, options.batch);
  const Inputs single = make_inputs(c, options.tokens, 1);
  run_pipeline(models, inputs, std::min<int64_t>(options.steps, 8));  // warm-up: caches, primitives
  StageTimes best;
  best.encoder = best.decoder = best.postnet = best.vocoder = std::numeric_limits<double>::max();
  double best_single = std::numeric_limits<double>::max();
  DecoderPhaseTimes single_phases;  // of the fastest batch-1 run
  double best_ttfa = std::numeric_limits<double>::max();
  for (int i = 0; i < options.repeats; ++i) {
    const StageTimes t = run_pipeline(models, inputs, options.steps);
    best.encoder = std::min(best.encoder, t.encoder);
    if (t.decoder < best.decoder) {
      best.decoder_cpu = t.decoder_cpu;
      best.phases = t.phases;
    }
    best.decoder = std::min(best.decoder, t.decoder);
    best.postnet = std::min(best.postnet, t.postnet);
    best.vocoder = std::min(best.vocoder, t.vocoder);
    if (options.batch > 1) {
      const Tensor enc = models.tts.encoder().forward(single.tokens);
      std::vector<float> mel;
      DecoderPhaseTimes phases;
      const double ms = decode(models, single, enc, options.steps, mel, nullptr, &phases);
      if (ms < best_single) {
        best_single = ms;
        single_phases = phases;
      }
    }
    best_ttfa = std::min(
        best_ttfa, time_to_first_audio(models, single, options.first_chunk_frames, options.steps));
  }
  report.peak_rss_mb = peak_rss_mb();  // before the probe's own 256 MB buffer
  const kernels::BandwidthResult bw = kernels::measure_read_bandwidth();

  const int64_t frames = options.steps * c.reduction_factor;
  report.audio_seconds = static_cast<double>(frames * models.vocoder.samples_per_frame()) /
                         models.voc_config.sampling_rate;
  const double batch_audio = report.audio_seconds * options.batch;
  report.encoder_ms = best.encoder;
  report.decoder_ms = best.decoder;
  report.decoder_ms_per_step = best.decoder / options.steps;
  report.postnet_ms = best.postnet;
  report.vocoder_ms = best.vocoder;
  report.vocoder_rtf = best.vocoder / 1e3 / batch_audio;
  report.total_ms = best.encoder + best.decoder + best.postnet + best.vocoder;
  report.rtf = report.total_ms / 1e3 / batch_audio;
  report.time_to_first_audio_ms = best_ttfa;
  report.bandwidth_gb_s = bw.gb_per_s;
  const double step_bytes = decoder_step_bytes(c, options.precision);
  report.decoder_step_mb = step_bytes / 1e6;
  report.decoder_floor_ms_per_step = step_bytes / (bw.gb_per_s * 1e9) * 1e3;
  if (options.batch > 1) {
    report.single_stream_ms_per_step = best_single / options.steps;
    report.batch_speedup =
        options.batch * report.single_stream_ms_per_step / report.decoder_ms_per_step;
  }
  report.decoder_cpu_share = best.decoder_cpu / (best.decoder * report.threads);
  for (int p = 0; p < kDecoderPhases; ++p) {
    report.decoder_phase_ms_per_step[p] = best.phases.ms[p] / options.steps;
    if (options.batch > 1)
      report.single_stream_phase_ms_per_step[p] = single_phases.ms[p] / options.steps;
  }
  return report;
}

std::string BenchmarkReport::to_json() const {
  nlohmann::ordered_json j;
  j["precision"] = kernels::precision_name(options.precision);
  j["threads"] = threads;
  j["batch"] = options.batch;
  j["steps"] = options.steps;
  j["tokens"] = options.tokens;
  j["isa"] = isa;
  j["preset"] = options.preset;
  j["encoder_ms"] = encoder_ms;
  j["decoder_ms_per_step"] = decoder_ms_per_step;
  j["decoder_floor_ms_per_step"] = decoder_floor_ms_per_step;
  j["decoder_ms"] = decoder_ms;
  j["postnet_ms"] = postnet_ms;
  j["vocoder_ms"] = vocoder_ms;
  j["vocoder_rtf"] = vocoder_rtf;
  j["audio_seconds"] = audio_seconds;
  j["total_ms"] = total_ms;
  j["rtf"] = rtf;
  j["time_to_first_audio_ms"] = time_to_first_audio_ms;
  j["bandwidth_gb_s"] = bandwidth_gb_s;
  j["decoder_step_mb"] = decoder_step_mb;
  if (options.batch > 1) {
    j["single_stream_ms_per_step"] = single_stream_ms_per_step;
    j["batch_speedup"] = batch_speedup;
  }
  auto phases = [](const std::array<double, kDecoderPhases>& ms) {
    nlohmann::ordered_json o;
    for (int p = 0; p < kDecoderPhases; ++p)
      o[std::string(decoder_phase_name(static_cast<DecoderPhase>(p)))] = ms[p];
    return o;
  };
  j["decoder_phase_ms_per_step"] = phases(decoder_phase_ms_per_step);
  if (options.batch > 1)
    j["single_stream_phase_ms_per_step"] = phases(single_stream_phase_ms_per_step);
  j["decoder_cpu_share"] = decoder_cpu_share;
  j["decoder_cpu_ms_per_step"] = decoder_cpu_share * decoder_ms_per_step * threads;
  j["load_ms"] = load_ms;
  j["peak_rss_mb"] = peak_rss_mb;
  return j.dump(2);
}

std::string BenchmarkReport::to_text() const {
  char buf[2048];
  std::snprintf(buf, sizeof(buf),
                "speecht5 bench: %s, %d thread(s), isa %s, batch %lld, %lld tokens, %lld steps "
                "(%.2f s of audio per utterance)\n"
                "  load (random weights + packing)  %9.1f ms\n"
                "  encoder                          %9.1f ms\n"
                "  decoder                          %9.3f ms/step  (floor %.3f ms/step = %.1f MB "
                "at %.1f GB/s; %.2fx;"
                " CPU busy %.0f%% of %d thread(s))\n"
                "  post-net                         %9.1f ms\n"
                "  vocoder                          %9.1f ms  (RTF %.3f)\n"
                "  total                            %9.1f ms  (RTF %.3f)\n"
                "  time to first audio              %9.1f ms\n"
                "  peak RSS                         %9.0f MB\n",
                kernels::precision_name(options.precision).c_str(), threads, isa.c_str(),
                static_cast<long long>(options.batch), static_cast<long long>(options.tokens),
                static_cast<long long>(options.steps), audio_seconds, load_ms, encoder_ms,
                decoder_ms_per_step, decoder_floor_ms_per_step, decoder_step_mb, bandwidth_gb_s,
                decoder_ms_per_step / decoder_floor_ms_per_step, 100 * decoder_cpu_share, threads,
                postnet_ms, vocoder_ms, vocoder_rtf, total_ms, rtf, time_to_first_audio_ms,
                peak_rss_mb);
  std::string text = buf;
  if (options.batch > 1) {
    std::snprintf(buf, sizeof(buf),
                  "  batch-1 step in the same run     %9.3f ms/step  (batch throughput %.2fx)\n",
                  single_stream_ms_per_step, batch_speedup);
    text += buf;
  }
  text += options.batch > 1 ? "  decoder step by phase, ms (batch, batch 1, ratio):\n"
                            : "  decoder step by phase, ms:\n";
  for (int p = 0; p < kDecoderPhases; ++p) {
    const std::string name(decoder_phase_name(static_cast<DecoderPhase>(p)));
    if (options.batch > 1)
      std::snprintf(buf, sizeof(buf), "    %-18s %8.4f  %8.4f  %5.2fx\n", name.c_str(),
                    decoder_phase_ms_per_step[p], single_stream_phase_ms_per_step[p],
                    decoder_phase_ms_per_step[p] / single_stream_phase_ms_per_step[p]);
    else
      std::snprintf(buf, sizeof(buf), "    %-18s %8.4f\n", name.c_str(),
                    decoder_phase_ms_per_step[p]);
    text += buf;
  }
  return text;
}

}  // namespace speecht5
