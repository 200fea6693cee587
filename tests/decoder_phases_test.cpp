// Recording where a decoder step's time goes (model/decoder_phases.h): every phase of every
// layer is timed, the phases are disjoint parts of the steps (their sum never exceeds the steps'
// own wall time), recording changes no output bit, and stops when told to.
#include "model/decoder_phases.h"

#include <gtest/gtest.h>

#include <chrono>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "kernels/threading.h"
#include "model/tts_model.h"
#include "support/decoder_start.h"
#include "support/fixtures.h"
#include "support/scoped_team.h"

namespace speecht5 {
namespace {

struct DecodeRun {
  std::vector<float> feat;  // every step's
  double wall_ms = 0;       // of the step calls alone
};

DecodeRun decode(const TtsModel& model, int64_t batch, int64_t steps, DecoderPhaseTimes* times) {
  const TtsConfig& c = model.config();
  DecoderState state = test::start_decoder(model, batch, steps);
  state.record_phases(times);
  std::vector<int> active(batch);
  std::iota(active.begin(), active.end(), 0);
  const int64_t M = c.num_mel_bins, r = c.reduction_factor;
  std::vector<float> frames(batch * M, 0.0f), feat(batch * r * M), logits(batch * r);
  DecodeRun run;
  for (int64_t s = 0; s < steps; ++s) {
    const auto start = std::chrono::steady_clock::now();
    model.decoder().step(state, active, frames.data(), 7, feat.data(), logits.data(), nullptr);
    run.wall_ms +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    run.feat.insert(run.feat.end(), feat.begin(), feat.end());
    for (int64_t b = 0; b < batch; ++b)
      std::copy_n(feat.data() + (b * r + r - 1) * M, M, frames.data() + b * M);
    if (s == 2) state.record_phases(nullptr);  // steps 3.. are not recorded
  }
  return run;
}

TEST(DecoderPhasesTest, EveryPhaseIsTimedAndTheyAddUpWithinTheSteps) {
  const TtsModel model = TtsModel::load(test::data_dir() / "models/tiny/tts");
  for (int threads : {1, 2}) {
    DecoderPhaseTimes times;
    DecodeRun recorded, plain;
    {
      const test::ScopedTeam team(threads);  // so that two threads make a team of two
      recorded = decode(model, 3, 5, &times);
      EXPECT_EQ(kernels::last_team_size(), threads);
      plain = decode(model, 3, 5, nullptr);
    }
    EXPECT_EQ(recorded.feat, plain.feat) << threads << " thread(s)";
    EXPECT_EQ(times.steps, 3);  // recording stopped after the third step
    for (int p = 0; p < kDecoderPhases; ++p)
      EXPECT_GT(times.ms[p], 0.0) << decoder_phase_name(static_cast<DecoderPhase>(p));
    // Disjoint intervals inside the step calls; the recorded steps are 3 of the 5 timed.
    EXPECT_LE(times.total_ms(), recorded.wall_ms);
    EXPECT_DOUBLE_EQ(times.total_ms(), std::accumulate(times.ms.begin(), times.ms.end(), 0.0));
  }
}

TEST(DecoderPhasesTest, NamesAreDistinct) {
  std::set<std::string> names;
  for (int p = 0; p < kDecoderPhases; ++p) {
    const std::string name(decoder_phase_name(static_cast<DecoderPhase>(p)));
    EXPECT_NE(name, "?");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kDecoderPhases));
  EXPECT_EQ(decoder_phase_name(DecoderPhase::kSelfAttention), "self_attention");
}

}  // namespace
}  // namespace speecht5
