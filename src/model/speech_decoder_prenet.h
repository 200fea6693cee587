#pragma once
// SpeechT5 speech-decoder prenet for the newest decoder position only (the reference re-runs it
// over the whole sequence every step but uses only the last row): relu(Linear M→U) → seeded
// dropout → relu(Linear U→U) → seeded dropout → Linear U→H → + alpha·pe[pos] → concat with the
// L2-normalised speaker embedding → relu(Linear (H+S)→H).
#include <cstdint>
#include <vector>

#include "kernels/linear.h"
#include "kernels/team.h"
#include "model/config.h"
#include "model/weight_reader.h"

namespace speecht5 {

class SpeechDecoderPrenet {
 public:
  SpeechDecoderPrenet(const TtsConfig& config, const WeightReader& weights);

  // frames [n, M]: decoder input at position `pos` for n items (all-zero at pos 0); speakers
  // [n, S], already L2-normalised; out [n, H]. The dropout mask of (seed, pos) is shared by all
  // items. `scratch` must hold scratch_floats(n) floats.
  // Inside run_team (kernels/team.h), every member calling it; ends with a barrier. `then`: the
  // product the team runs next (Linear::forward_team).
  void forward(const float* frames, int64_t n, int64_t pos, uint64_t seed, const float* speakers,
               float* out, float* scratch, const kernels::Team& team,
               const kernels::Linear* then = nullptr) const;
  int64_t scratch_floats(int64_t n) const;
  int64_t weight_bytes() const;  // streamed per forward

 private:
  TtsConfig config_;
  std::vector<kernels::Linear> layers_;
  kernels::Linear final_layer_;
  float alpha_ = 1.0f;
  kernels::Linear speaker_layer_;
};

}  // namespace speecht5
