// The C++ generator of random-weights-v1 against the reference checksums
// (random-weights-checksums.json, produced by shared/tools/random_checkpoint.py) and the spec's
// hand-checked test vectors. Checksums are exact: mixsum64 and first4 must match bit for bit.
#include "model/random_weights.h"

#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/spec_rng.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

const nlohmann::json& checksums() {
  static const nlohmann::json json = [] {
    std::ifstream in(test::fixture("random-weights-checksums.json"));
    return nlohmann::json::parse(in);
  }();
  return json;
}

uint32_t bits_of(float f) { return std::bit_cast<uint32_t>(f); }

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Every tensor of `store` against the reference entry: name set, shape, dtype, first4 (exact),
// mixsum64 (exact) and the float64 sum (within 1e-12 of the sum of magnitudes: numpy sums
// pairwise, we use Kahan summation).
void expect_matches_checksums(const io::TensorStore& store, const std::string& model) {
  const nlohmann::json& ref = checksums()["models"][model];
  ASSERT_EQ(store.tensors().size(), ref.size()) << model;
  for (const io::TensorRecord& rec : store.tensors()) {
    SCOPED_TRACE(model + ": " + rec.name);
    ASSERT_TRUE(ref.contains(rec.name));
    const nlohmann::json& r = ref[rec.name];
    EXPECT_EQ(rec.shape, r["shape"].get<Shape>());
    EXPECT_EQ(io::dtype_name(rec.dtype), r["dtype"].get<std::string>());
    const int64_t n = shape_numel(rec.shape);
    if (rec.dtype == io::DType::kI64) {
      const auto* v = reinterpret_cast<const int64_t*>(rec.data);
      EXPECT_EQ(hex64(mixsum64(v, n)), r["mixsum64"].get<std::string>());
      for (int64_t i = 0; i < n; ++i) EXPECT_EQ(v[i], 0);
      continue;
    }
    const auto* v = reinterpret_cast<const float*>(rec.data);
    EXPECT_EQ(hex64(mixsum64(v, n)), r["mixsum64"].get<std::string>());
    const auto first4 = r["first4"].get<std::vector<double>>();
    for (size_t i = 0; i < first4.size(); ++i)
      EXPECT_EQ(bits_of(v[i]), bits_of(static_cast<float>(first4[i]))) << "element " << i;
    double sum = 0, carry = 0, mag = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double y = v[i] - carry;
      const double t = sum + y;
      carry = (t - sum) - y;
      sum = t;
      mag += std::fabs(v[i]);
    }
    EXPECT_NEAR(sum, r["sum"].get<double>(), 1e-12 * mag + 1e-300);
  }
}

TEST(RandomWeightsTest, GeneratorCheckValues) {
  // Spec §1.
  EXPECT_EQ(spec_rng::mix64(0x9E3779B97F4A7C15ull), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(spec_rng::value(0, 0), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(spec_rng::fnv1a64("foobar"), 0x85944171F73967E8ull);
}

TEST(RandomWeightsTest, SpecTestVectorEmbedTokens) {
  // Spec §8.
  const std::string name = "speecht5.encoder.prenet.embed_tokens.weight";
  EXPECT_EQ(spec_rng::fnv1a64(name), 0x005C0C3A3B8C98C4ull);
  const uint64_t s = random_tensor_seed(name, 42);
  EXPECT_EQ(s, 0x005C0C3A3B8C98EEull);
  EXPECT_EQ(spec_rng::value(s, 0), 0xC10C98989C304CCCull);
  EXPECT_EQ(spec_rng::value(s, 1), 0xF3E69B06D872DABEull);
  EXPECT_EQ(spec_rng::value(s, 2), 0x89AD2D1B51AA84ADull);
  EXPECT_EQ(spec_rng::value(s, 3), 0x3D59CC5E4213A342ull);
  const RandomValueRule rule = random_value_rule(name, {81, 768});
  EXPECT_EQ(bits_of(rule.b), 0x3D13CD3Au);
  EXPECT_EQ(rule.a, 0.0);
  const Tensor t = make_random_tensor(name, {81, 768}, 42);
  EXPECT_EQ(bits_of(t.data()[0]), 0x3C963984u);
  EXPECT_EQ(bits_of(t.data()[1]), 0x3D05D4AAu);
  EXPECT_EQ(bits_of(t.data()[2]), 0x3B32C657u);
  EXPECT_EQ(bits_of(t.data()[3]), 0xBC99EB78u);
}

TEST(RandomWeightsTest, SpecTestVectorsScalarsAndInputs) {
  const Tensor alpha = make_random_tensor("speecht5.encoder.prenet.encode_positions.alpha", {}, 42);
  EXPECT_EQ(alpha.numel(), 1);
  EXPECT_FLOAT_EQ(alpha.data()[0], 0.91892576f);
  const Tensor scale = make_random_tensor("scale", {80}, 42);
  EXPECT_FLOAT_EQ(scale.data()[0], 1.3184564f);
  EXPECT_FLOAT_EQ(scale.data()[1], 1.3697512f);
  const Tensor spk = make_test_tensor("test.speaker_embedding", {1, 512});
  const float expected[] = {0.61022508f, 0.64327216f, 0.24211752f, -0.34410930f};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(spk.data()[i], expected[i]);
  const std::vector<int64_t> tokens = make_test_tokens("test.tokens.full", 40, 81);
  const std::vector<int64_t> want = {31, 14, 58, 73, 50, 29, 80, 18, 13, 24, 7,  10, 71, 5,
                                     12, 21, 36, 68, 9,  36, 30, 48, 14, 60, 67, 45, 36, 13,
                                     7,  48, 29, 46, 43, 4,  57, 8,  43, 79, 39, 2};
  EXPECT_EQ(tokens, want);
}

TEST(RandomWeightsTest, TestInputsMatchChecksums) {
  const nlohmann::json& ref = checksums()["test_inputs"];
  for (const char* name : {"test.speaker_embedding", "test.mel"}) {
    SCOPED_TRACE(name);
    const Shape shape = ref[name]["shape"].get<Shape>();
    const Tensor t = make_test_tensor(name, shape);
    EXPECT_EQ(hex64(mixsum64(t.data(), t.numel())), ref[name]["mixsum64"].get<std::string>());
  }
  EXPECT_EQ(make_test_tokens("test.tokens.full", 40, 81),
            ref["test.tokens.full(40)"]["ids"].get<std::vector<int64_t>>());
}

TEST(RandomWeightsTest, TinyTtsMatchesChecksums) {
  expect_matches_checksums(make_random_store(tts_preset("tiny"), 42), "tiny_tts");
}

TEST(RandomWeightsTest, TinyHifiGanMatchesChecksums) {
  expect_matches_checksums(make_random_store(hifigan_preset("tiny"), 42), "tiny_hifigan");
}

TEST(RandomWeightsTest, FullHifiGanMatchesChecksums) {
  expect_matches_checksums(make_random_store(hifigan_preset("full"), 42), "full_hifigan");
}

TEST(RandomWeightsTest, FullTtsMatchesChecksumsInSeconds) {
  const auto start = std::chrono::steady_clock::now();
  const io::TensorStore store = make_random_store(tts_preset("full"), 42);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int64_t elements = 0;
  for (const auto& rec : store.tensors()) elements += shape_numel(rec.shape);
  EXPECT_EQ(elements, 144433897);
  RecordProperty("generate_seconds", std::to_string(seconds));
  std::printf("full TTS: %lld elements generated in %.2f s\n", static_cast<long long>(elements),
              seconds);
  EXPECT_LT(seconds, 20.0);  // loose: CI machines are shared; typically ~1 s
  expect_matches_checksums(store, "full_tts");
}

// The generated tiny stores equal the fixture checkpoints tensor for tensor, byte for byte.
void expect_store_equals_file(const io::TensorStore& generated, const std::string& file) {
  const io::TensorStore stored = io::TensorStore::open(test::data_dir() / file);
  ASSERT_EQ(generated.tensors().size(), stored.tensors().size());
  for (const io::TensorRecord& rec : generated.tensors()) {
    SCOPED_TRACE(rec.name);
    const io::TensorRecord* other = stored.find(rec.name);
    ASSERT_NE(other, nullptr);
    EXPECT_EQ(rec.dtype, other->dtype);
    EXPECT_EQ(rec.shape, other->shape);
    ASSERT_EQ(rec.nbytes, other->nbytes);
    EXPECT_EQ(std::memcmp(rec.data, other->data, rec.nbytes), 0);
  }
}

TEST(RandomWeightsTest, TinyStoresEqualFixtureCheckpoints) {
  expect_store_equals_file(make_random_store(tts_preset("tiny"), 42),
                           "models/tiny/tts/model.safetensors");
  expect_store_equals_file(make_random_store(hifigan_preset("tiny"), 42),
                           "models/tiny/hifigan/model.safetensors");
}

TEST(RandomWeightsTest, SeedChangesValuesAndMetadata) {
  const io::TensorStore a = make_random_store(hifigan_preset("tiny"), 7);
  EXPECT_EQ(a.metadata().at("global_seed"), "7");
  EXPECT_EQ(a.metadata().at("generator"), "random-weights-v1");
  EXPECT_EQ(make_random_store(hifigan_preset("tiny"), 42).metadata().count("global_seed"), 0u);
  const Tensor w7 = a.get_f32("conv_pre.weight");
  const Tensor w42 = make_random_tensor("conv_pre.weight", w7.shape(), 42);
  EXPECT_NE(std::memcmp(w7.data(), w42.data(), sizeof(float) * w7.numel()), 0);
  // Same element rule, other seed: element 0 is value(fnv("conv_pre.weight") ^ 7, 0).
  const uint64_t bits = spec_rng::value(random_tensor_seed("conv_pre.weight", 7), 0);
  const double v = static_cast<double>(bits >> 40) * 0x1p-23 - 1.0;
  EXPECT_EQ(
      w7.data()[0],
      static_cast<float>(v * static_cast<double>(static_cast<float>(1.0 / std::sqrt(80.0 * 7)))));
}

TEST(RandomWeightsTest, UnknownPresetIsAnError) {
  EXPECT_THROW(tts_preset("huge"), Error);
  EXPECT_THROW(hifigan_preset(""), Error);
}

}  // namespace
}  // namespace speecht5
