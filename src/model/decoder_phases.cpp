#include "model/decoder_phases.h"

#include <numeric>

namespace speecht5 {

std::string_view decoder_phase_name(DecoderPhase phase) {
  switch (phase) {
    case DecoderPhase::kPrenet:
      return "prenet";
    case DecoderPhase::kSelfProjections:
      return "self_projections";
    case DecoderPhase::kSelfAttention:
      return "self_attention";
    case DecoderPhase::kSelfOut:
      return "self_out";
    case DecoderPhase::kSelfNorm:
      return "self_norm";
    case DecoderPhase::kCrossQuery:
      return "cross_query";
    case DecoderPhase::kCrossAttention:
      return "cross_attention";
    case DecoderPhase::kCrossOut:
      return "cross_out";
    case DecoderPhase::kCrossNorm:
      return "cross_norm";
    case DecoderPhase::kFfnIn:
      return "ffn_in";
    case DecoderPhase::kFfnOut:
      return "ffn_out";
    case DecoderPhase::kFfnNorm:
      return "ffn_norm";
    case DecoderPhase::kOutput:
      return "output";
  }
  return "?";
}

double DecoderPhaseTimes::total_ms() const { return std::accumulate(ms.begin(), ms.end(), 0.0); }

}  // namespace speecht5
