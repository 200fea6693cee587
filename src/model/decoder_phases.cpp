#include "model/decoder_phases.h"

#include <numeric>

namespace speecht5 {

std::string_view decoder_phase_name(DecoderPhase phase) {
  // In the order of DecoderPhase.
  static constexpr std::array<std::string_view, kDecoderPhases> kNames = {
      "prenet",      "self_projections", "self_attention", "self_out",   "self_norm",
      "cross_query", "cross_attention",  "cross_out",      "cross_norm", "ffn_in",
      "ffn_out",     "ffn_norm",         "output"};
  const int index = static_cast<int>(phase);
  return index >= 0 && index < kDecoderPhases ? kNames[index] : "?";
}

double DecoderPhaseTimes::total_ms() const { return std::accumulate(ms.begin(), ms.end(), 0.0); }

}  // namespace speecht5
