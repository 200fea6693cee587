// `speecht5 bench` as a user runs it (tiny preset so it takes well under a second): the JSON
// object carries every documented key with values that agree with each other, and bad options
// fail with a message naming the option.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/decoder_phases.h"
#include "model/random_weights.h"
#include "support/cli_runner.h"

namespace speecht5 {
namespace {

TEST(BenchCliTest, JsonReportIsCompleteAndConsistent) {
  const auto r =
      test::run_cli({"bench", "--preset", "tiny", "--steps", "6", "--tokens", "8", "--threads", "1",
                     "--precision", "int8", "--batch", "2", "--repeats", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"decoder_ms_per_step", "decoder_floor_ms_per_step", "encoder_ms", "postnet_ms",
        "vocoder_rtf", "rtf", "time_to_first_audio_ms", "peak_rss_mb", "precision", "threads",
        "batch", "bandwidth_gb_s", "single_stream_ms_per_step", "batch_speedup"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["precision"], "int8");
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["batch"], 2);
  // 6 steps × r frames × samples per frame at the tiny vocoder's rate.
  const TtsConfig tts = tts_preset("tiny");
  const HifiGanConfig voc = hifigan_preset("tiny");
  const double audio = 6.0 * tts.reduction_factor * voc.samples_per_frame() / voc.sampling_rate;
  EXPECT_DOUBLE_EQ(j["audio_seconds"].get<double>(), audio);
  EXPECT_NEAR(j["decoder_ms"].get<double>(), 6 * j["decoder_ms_per_step"].get<double>(), 1e-9);
  const double total = j["encoder_ms"].get<double>() + j["decoder_ms"].get<double>() +
                       j["postnet_ms"].get<double>() + j["vocoder_ms"].get<double>();
  EXPECT_NEAR(j["total_ms"].get<double>(), total, 1e-6 * total);
  EXPECT_NEAR(j["rtf"].get<double>(), total / 1e3 / (2 * audio), 1e-9);
  // The floor is the step's packed int8 bytes at the measured bandwidth.
  EXPECT_NEAR(j["decoder_floor_ms_per_step"].get<double>(),
              j["decoder_step_mb"].get<double>() / 1e3 / j["bandwidth_gb_s"].get<double>() * 1e3,
              1e-9);
  EXPECT_GT(j["peak_rss_mb"].get<double>(), 1.0);
  EXPECT_GT(j["time_to_first_audio_ms"].get<double>(), 0.0);
  // The decoder step by phase, batched and batch 1: every phase named, and parts of the step
  // (the decoder's own loop between steps is the rest).
  for (const char* key : {"decoder_phase_ms_per_step", "single_stream_phase_ms_per_step"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    const auto& phases = j[key];
    EXPECT_EQ(phases.size(), static_cast<size_t>(kDecoderPhases)) << key;
    double sum = 0;
    for (int p = 0; p < kDecoderPhases; ++p) {
      const std::string name(decoder_phase_name(static_cast<DecoderPhase>(p)));
      ASSERT_TRUE(phases.contains(name)) << key << " " << name;
      EXPECT_GT(phases[name].get<double>(), 0.0) << key << " " << name;
      sum += phases[name].get<double>();
    }
    const double step =
        j[key == std::string("decoder_phase_ms_per_step") ? "decoder_ms_per_step"
                                                          : "single_stream_ms_per_step"]
            .get<double>();
    EXPECT_LE(sum, step * (1 + 1e-9)) << key;
  }
}

TEST(BenchCliTest, RejectsBadOptions) {
  auto r = test::run_cli({"bench", "--preset", "tiny", "--steps", "0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--steps"), std::string::npos) << r.err;
  r = test::run_cli({"bench", "--precision", "fp16"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--precision"), std::string::npos) << r.err;
  r = test::run_cli({"bench", "--preset", "tiny", "--threads", "-2"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace speecht5
