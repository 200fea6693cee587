#pragma once
// Shared by the generation tests: records the decoder's named intermediates and compares a
// whole generation run with a golden tiny_gen_* / full_gen_* fixture.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/observer.h"
#include "model/tts_model.h"
#include "runtime/generator.h"
#include "support/fixture_compare.h"

namespace speecht5::test {

// Appends every observed value per (name, item), in step order.
class IntermediateRecorder {
 public:
  Observer observer();
  // The rows of (name, item) as [steps, width]; empty tensor if never seen.
  Tensor rows(const std::string& name, int item = 0) const;
  // [steps, L, H] from "layer<l>.out".
  Tensor decoder_layer_outs(int layers, int item = 0) const;

 private:
  std::map<std::pair<std::string, int>, std::vector<float>> values_;
  std::map<std::pair<std::string, int>, int64_t> widths_;
};

GenerationOptions options_from(const Fixture& f);

// Runs generate_speech with the fixture's inputs and options (seed = prenet_dropout_seed) and
// EXPECTs: step count = metadata "steps", spectrogram(_before_postnet), stop logits/probs/sums,
// cross_attentions and, if `intermediates`, prenet_out, layer0.* and decoder_layer_outs.
void check_generation_fixture(const TtsModel& model, const Fixture& f, bool intermediates);

// generate_speech_batch on tiny_gen_batch's two padded utterances: per item its stop step,
// spectrograms, stop values, cross-attentions and intermediates.
void check_batch_generation_fixture(const TtsModel& model);

}  // namespace speecht5::test
