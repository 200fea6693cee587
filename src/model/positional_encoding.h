#pragma once
// SpeechT5's sinusoid position table (SpeechT5ScaledPositionalEncoding.pe), computed row by row
// on demand instead of storing the [max_len, dim] buffer.
#include <cstdint>

namespace speecht5 {

// out[2i] = sin(pos·div_i), out[2i+1] = cos(pos·div_i), div_i = exp(2i·(−ln 10000 / dim)), with
// every operation in float32 exactly as the reference builds its table. `dim` must be even.
void sinusoid_row(int64_t pos, int64_t dim, float* out);
// Only out[begin..end) of that row (same values), for a team member's share of the columns.
void sinusoid_columns(int64_t pos, int64_t dim, int64_t begin, int64_t end, float* out);

// out[d] += alpha · pe[pos, d]  (the "+ alpha * pe[:T]" of the encoder and decoder prenets).
void add_scaled_sinusoid(int64_t pos, int64_t dim, float alpha, float* out);

}  // namespace speecht5
