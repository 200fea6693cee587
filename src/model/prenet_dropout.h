#pragma once
// Deterministic speech-decoder-prenet dropout (`prenet-dropout-v1`, shared/spec/prenet-dropout.md).
// HF applies the prenet dropout also at inference (keep with probability p, scale kept units by
// 1/(1-p)); the fixtures replace torch.bernoulli with this counter-based mask, one per
// (position, prenet layer, unit), shared by every batch item.
#include <cstdint>

namespace speecht5 {

// True when unit `unit` of prenet layer `layer` at decoder position `pos` is kept
// (`layers` = speech_decoder_prenet_layers, `units` = speech_decoder_prenet_units,
// `p` = speech_decoder_prenet_dropout). Position 0 is the all-zero start frame.
bool prenet_keep(uint64_t seed, int64_t pos, int layer, int unit, int layers, int units, double p);

// The whole mask row of one (pos, layer): keep[u] = prenet_keep(seed, pos, layer, u, ...).
void prenet_keep_row(uint64_t seed, int64_t pos, int layer, int layers, int units, double p,
                     uint8_t* keep);

// Kept units become x / prenet_keep_divisor(p) = x / (float)(1 - p), as the spec and HF's
// `where(mask == 1, x, 0) * 1 / (1 - p)` (float32) compute it; p = 0.5 gives exactly 2x.
float prenet_keep_divisor(double p);

}  // namespace speecht5
