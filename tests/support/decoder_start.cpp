#include "support/decoder_start.h"

#include <vector>

namespace speecht5::test {

DecoderState start_decoder(const TtsModel& model, int64_t batch, int64_t expected_steps) {
  const TtsConfig& c = model.config();
  const std::vector<int64_t> ids = {4, 5, 6, 7, 8, 9, 2};
  const TokenBatch tokens =
      TokenBatch::from_sequences(std::vector<std::vector<int64_t>>(batch, ids), c.pad_token_id);
  const Tensor encoder_out = model.encoder().forward(tokens);
  Tensor speakers({batch, c.speaker_embedding_dim});
  for (int64_t i = 0; i < speakers.numel(); ++i) speakers.mutable_data()[i] = 0.01f * (i % 17);
  return model.decoder().start(encoder_out, tokens.key_mask(), speakers, expected_steps);
}

}  // namespace speecht5::test
