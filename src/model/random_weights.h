#pragma once
// Deterministic random checkpoints (`random-weights-v1`, shared/spec/random-weights.md):
// the same (config, global seed) gives bit-for-bit the tensors of
// shared/tools/random_checkpoint.py, so full-size tests and benchmarks need no download.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "io/tensor_store.h"
#include "model/config.h"
#include "model/state_layout.h"

namespace speecht5 {

inline constexpr uint64_t kDefaultRandomSeed = 42;

// Presets of spec §9: "full" (HF defaults) and "tiny". Throws Error(kInvalidArgument) otherwise.
TtsConfig tts_preset(std::string_view name);
HifiGanConfig hifigan_preset(std::string_view name);

// Spec §2: fnv1a64(utf8 name) XOR global seed.
uint64_t random_tensor_seed(std::string_view name, uint64_t global_seed);

// Spec §3: value = (float)(a + v * b), or integer zero for num_batches_tracked.
struct RandomValueRule {
  bool integer_zero = false;
  double a = 0.0;
  float b = 0.0f;
};
RandomValueRule random_value_rule(std::string_view name, const Shape& shape);

// Fills out[0..n) with (float)(a + v_i * b) for stream `seed` (the inner loop of everything).
void fill_random_values(uint64_t seed, int64_t n, double a, float b, float* out);

// One tensor of the checkpoint, as the spec defines it (F32 only; num_batches_tracked is I64).
Tensor make_random_tensor(std::string_view name, const Shape& shape, uint64_t global_seed);

// The whole checkpoint in memory, tensors in layout (HF) order, with the metadata of the
// fixture checkpoints ({"format": "pt", "generator": "random-weights-v1"}, plus "global_seed"
// when it is not 42).
io::TensorStore make_random_store(const StateLayout& layout, uint64_t global_seed);
io::TensorStore make_random_store(const TtsConfig& config,
                                  uint64_t global_seed = kDefaultRandomSeed);
io::TensorStore make_random_store(const HifiGanConfig& config,
                                  uint64_t global_seed = kDefaultRandomSeed);

// Spec §5 test inputs: the v values themselves times `scale`, e.g. make_test_tensor(
// "test.speaker_embedding", {1, 512}), make_test_tensor("test.mel", {40, 80}).
Tensor make_test_tensor(std::string_view name, const Shape& shape,
                        uint64_t global_seed = kDefaultRandomSeed, float scale = 1.0f);
// Token ids in [first, vocab) followed by eos, n ids in all (e.g. "test.tokens.full", 40, 81).
std::vector<int64_t> make_test_tokens(std::string_view name, int64_t n, int64_t vocab,
                                      uint64_t global_seed = kDefaultRandomSeed, int64_t eos = 2,
                                      int64_t first = 4);

// Spec §7 checksum of a tensor's bits (float32 bits or int64 bits zero-extended to u64).
uint64_t mixsum64(const float* data, int64_t n);
uint64_t mixsum64(const int64_t* data, int64_t n);

}  // namespace speecht5
