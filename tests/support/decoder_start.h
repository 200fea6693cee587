#pragma once
// A decoder started for the tests that drive SpeechDecoder::step directly: `batch` copies of a
// fixed 7-token input and fixed, distinct speaker values.
#include <cstdint>

#include "model/tts_model.h"

namespace speecht5::test {

DecoderState start_decoder(const TtsModel& model, int64_t batch, int64_t expected_steps);

}  // namespace speecht5::test
