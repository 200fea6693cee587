#include "model/random_weights.h"

#include <sys/mman.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>

#include "core/error.h"
#include "model/spec_rng.h"

namespace speecht5 {

TtsConfig tts_preset(std::string_view name) {
  TtsConfig c;
  if (name == "full") return c;
  if (name == "tiny") {
    c.hidden_size = 64;
    c.encoder_layers = 2;
    c.encoder_attention_heads = 4;
    c.encoder_ffn_dim = 128;
    c.decoder_layers = 2;
    c.decoder_attention_heads = 4;
    c.decoder_ffn_dim = 128;
    c.speech_decoder_postnet_layers = 5;
    c.speech_decoder_postnet_units = 32;
    return c;
  }
  fail(ErrorCode::kInvalidArgument,
       "unknown TTS preset '" + std::string(name) + "' (expected full or tiny)");
}

HifiGanConfig hifigan_preset(std::string_view name) {
  HifiGanConfig c;
  if (name == "full") return c;
  if (name == "tiny") {
    c.upsample_initial_channel = 32;
    return c;
  }
  fail(ErrorCode::kInvalidArgument,
       "unknown HiFi-GAN preset '" + std::string(name) + "' (expected full or tiny)");
}

uint64_t random_tensor_seed(std::string_view name, uint64_t global_seed) {
  return spec_rng::fnv1a64(name) ^ global_seed;
}

RandomValueRule random_value_rule(std::string_view name, const Shape& shape) {
  const size_t dot = name.rfind('.');
  const std::string_view leaf = dot == std::string_view::npos ? name : name.substr(dot + 1);
  if (leaf == "num_batches_tracked") return {true, 0.0, 0.0f};
  if (shape.size() >= 2) {
    const int64_t fan_in = shape_numel(shape) / shape[0];
    return {false, 0.0, static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in)))};
  }
  if (leaf == "running_var" || name == "scale") return {false, 1.0, 0.5f};
  if (leaf == "alpha" || leaf == "weight") return {false, 1.0, 0.1f};
  return {false, 0.0, 0.1f};
}

void fill_random_values(uint64_t seed, int64_t n, double a, float b, float* out) {
  const double bd = b;
  // v*b is exact in double (24-bit x 24-bit), so FMA contraction cannot change the result.
  // Single-threaded on purpose: ~1.5 ns/element; page faults on first touch dominate anyway.
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t bits = spec_rng::value(seed, static_cast<uint64_t>(i));
    const double v = static_cast<double>(static_cast<int64_t>(bits >> 40)) * 0x1p-23 - 1.0;
    out[i] = static_cast<float>(a + v * bd);
  }
}

Tensor make_random_tensor(std::string_view name, const Shape& shape, uint64_t global_seed) {
  const RandomValueRule rule = random_value_rule(name, shape);
  Tensor t(shape);
  if (!rule.integer_zero)
    fill_random_values(random_tensor_seed(name, global_seed), t.numel(), rule.a, rule.b,
                       t.mutable_data());
  return t;
}

namespace {

size_t round_up_64(size_t n) { return (n + 63) / 64 * 64; }

// One anonymous mapping for a whole checkpoint, advised to use huge pages: generating the full
// model touches ~580 MB, and 4 KiB page faults would cost more than the generator itself.
// (Fresh anonymous pages are zero, so nothing is written twice.)
std::shared_ptr<std::byte> map_buffer(size_t nbytes) {
  if (nbytes == 0) nbytes = 64;
  void* p = mmap(nullptr, nbytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    fail(ErrorCode::kIo, "random weights: cannot map " + std::to_string(nbytes) + " bytes");
#ifdef MADV_HUGEPAGE
  madvise(p, nbytes, MADV_HUGEPAGE);
#endif
  return std::shared_ptr<std::byte>(static_cast<std::byte*>(p),
                                    [nbytes](std::byte* q) { munmap(q, nbytes); });
}

}  // namespace

io::TensorStore make_random_store(const StateLayout& layout, uint64_t global_seed) {
  io::TensorStore store("random-weights-v1",
                        "<random-weights-v1 seed " + std::to_string(global_seed) + ">");
  size_t total = 0;
  for (const TensorSpec& spec : layout)
    total += round_up_64(static_cast<size_t>(shape_numel(spec.shape)) * io::dtype_size(spec.dtype));
  std::shared_ptr<std::byte> buffer = map_buffer(total);
  store.keep_alive(buffer);
  size_t offset = 0;
  for (const TensorSpec& spec : layout) {
    const int64_t n = shape_numel(spec.shape);
    io::TensorRecord rec;
    rec.name = spec.name;
    rec.dtype = spec.dtype;
    rec.shape = spec.shape;
    rec.nbytes = static_cast<size_t>(n) * io::dtype_size(spec.dtype);
    std::byte* data = buffer.get() + offset;
    offset += round_up_64(rec.nbytes);
    const RandomValueRule rule = random_value_rule(spec.name, spec.shape);
    if (spec.dtype == io::DType::kF32 && !rule.integer_zero) {
      fill_random_values(random_tensor_seed(spec.name, global_seed), n, rule.a, rule.b,
                         reinterpret_cast<float*>(data));
    } else if (rule.integer_zero) {
      std::memset(data, 0, rec.nbytes);
    } else {
      fail(ErrorCode::kInternal, "random weights: unsupported dtype " +
                                     std::string(io::dtype_name(spec.dtype)) + " for '" +
                                     spec.name + "'");
    }
    rec.data = data;
    store.add(std::move(rec));
  }
  // The fixture checkpoints (seed 42) carry only format + generator; random_checkpoint.py adds
  // global_seed. Recording it only for other seeds keeps the default files byte-identical to
  // the fixtures while a non-default file still says how it was made.
  std::map<std::string, std::string> metadata = {{"format", "pt"},
                                                 {"generator", "random-weights-v1"}};
  if (global_seed != kDefaultRandomSeed) metadata["global_seed"] = std::to_string(global_seed);
  store.set_metadata(std::move(metadata));
  return store;
}

io::TensorStore make_random_store(const TtsConfig& config, uint64_t global_seed) {
  return make_random_store(tts_state_layout(config), global_seed);
}

io::TensorStore make_random_store(const HifiGanConfig& config, uint64_t global_seed) {
  return make_random_store(hifigan_state_layout(config), global_seed);
}

Tensor make_test_tensor(std::string_view name, const Shape& shape, uint64_t global_seed,
                        float scale) {
  Tensor t(shape);
  fill_random_values(random_tensor_seed(name, global_seed), t.numel(), 0.0, scale,
                     t.mutable_data());
  return t;
}

std::vector<int64_t> make_test_tokens(std::string_view name, int64_t n, int64_t vocab,
                                      uint64_t global_seed, int64_t eos, int64_t first) {
  if (n < 1 || vocab <= first)
    fail(ErrorCode::kInvalidArgument, "make_test_tokens: need n >= 1 and vocab > first");
  const uint64_t seed = random_tensor_seed(name, global_seed);
  std::vector<int64_t> ids(static_cast<size_t>(n));
  for (int64_t i = 0; i + 1 < n; ++i) {
    const int64_t u = static_cast<int64_t>(spec_rng::value(seed, static_cast<uint64_t>(i)) >> 40);
    ids[static_cast<size_t>(i)] = first + ((u * (vocab - first)) >> 24);
  }
  ids.back() = eos;
  return ids;
}

namespace {
template <typename Bits, typename T>
uint64_t mixsum_bits(const T* data, int64_t n) {
  uint64_t sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    Bits bits;
    std::memcpy(&bits, &data[i], sizeof(Bits));
    sum += spec_rng::value(static_cast<uint64_t>(bits), static_cast<uint64_t>(i));
  }
  return sum;
}
}  // namespace

uint64_t mixsum64(const float* data, int64_t n) { return mixsum_bits<uint32_t>(data, n); }
uint64_t mixsum64(const int64_t* data, int64_t n) { return mixsum_bits<uint64_t>(data, n); }

}  // namespace speecht5
