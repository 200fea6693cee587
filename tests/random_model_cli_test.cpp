// `speecht5 random-model` and the safetensors / config.json writers: the tiny presets written by
// the CLI are byte-identical to the fixture checkpoints written by the reference harness
// (same header JSON, padding, tensor order, config.json formatting); bad arguments and
// unwritable folders fail cleanly.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "io/safetensors_writer.h"
#include "model/config.h"
#include "model/config_writer.h"
#include "model/random_weights.h"
#include "support/cli_runner.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(RandomModelCliTest, TinyTtsIsByteIdenticalToFixture) {
  const auto dir = test::temp_dir("random_model_tiny_tts");
  const auto r = test::run_cli({"random-model", "--out", (dir / "m").string(), "--preset", "tiny"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto fixture = test::data_dir() / "models/tiny/tts";
  EXPECT_TRUE(read_bytes(dir / "m/model.safetensors") == read_bytes(fixture / "model.safetensors"));
  EXPECT_EQ(read_bytes(dir / "m/config.json"), read_bytes(fixture / "config.json"));
}

TEST(RandomModelCliTest, TinyHifiGanIsByteIdenticalToFixture) {
  const auto dir = test::temp_dir("random_model_tiny_hifigan");
  const auto r = test::run_cli(
      {"random-model", "--out", dir.string(), "--model", "hifigan", "--preset", "tiny"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto fixture = test::data_dir() / "models/tiny/hifigan";
  EXPECT_TRUE(read_bytes(dir / "model.safetensors") == read_bytes(fixture / "model.safetensors"));
  EXPECT_EQ(read_bytes(dir / "config.json"), read_bytes(fixture / "config.json"));
}

TEST(RandomModelCliTest, FullHifiGanRoundTripsThroughTheReader) {
  const auto dir = test::temp_dir("random_model_full_hifigan");
  const auto r =
      test::run_cli({"random-model", "--out", dir.string(), "--model", "hifigan", "--seed", "7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const HifiGanConfig config = load_hifigan_config(dir);
  EXPECT_EQ(config.upsample_initial_channel, 512);
  const io::TensorStore file = io::TensorStore::open(dir / "model.safetensors");
  EXPECT_EQ(file.metadata().at("global_seed"), "7");
  const io::TensorStore generated = make_random_store(config, 7);
  ASSERT_EQ(file.tensors().size(), 158u);
  check_state_layout(file, hifigan_state_layout(config), "vocoder");
  for (const io::TensorRecord& rec : generated.tensors()) {
    const io::TensorRecord* other = file.find(rec.name);
    ASSERT_NE(other, nullptr) << rec.name;
    ASSERT_EQ(other->nbytes, rec.nbytes) << rec.name;
    EXPECT_EQ(std::memcmp(other->data, rec.data, rec.nbytes), 0) << rec.name;
  }
}

TEST(RandomModelCliTest, ConfigJsonRoundTripsNonDefaultFields) {
  TtsConfig c = tts_preset("tiny");
  c.vocab_size = 93;
  c.layer_norm_eps = 1e-12f;
  c.speech_decoder_prenet_dropout = 0.3f;
  const auto dir = test::temp_dir("config_writer");
  write_text_file(dir / "config.json", tts_config_json(c));
  const std::string text = read_bytes(dir / "config.json");
  EXPECT_NE(text.find("\"layer_norm_eps\": 1e-12,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"speech_decoder_prenet_dropout\": 0.3,"), std::string::npos) << text;
  const TtsConfig back = load_tts_config(dir);
  EXPECT_EQ(back.vocab_size, 93);
  EXPECT_EQ(back.hidden_size, 64);
  EXPECT_EQ(back.layer_norm_eps, 1e-12f);
  EXPECT_EQ(back.speech_decoder_prenet_dropout, 0.3f);
  EXPECT_EQ(back.speech_decoder_postnet_units, 32);
}

TEST(RandomModelCliTest, HeaderIsPaddedCompactJson) {
  const float values[3] = {1.0f, 2.0f, 3.0f};
  const int64_t zero = 0;
  std::vector<io::TensorRecord> records(2);
  records[0] = {"b.weight", io::DType::kF32, {3}, reinterpret_cast<const std::byte*>(values), 12};
  records[1] = {"a.count", io::DType::kI64, {}, reinterpret_cast<const std::byte*>(&zero), 8};
  EXPECT_EQ(io::safetensors_header(records, {{"format", "pt"}}),
            R"({"a.count":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
            R"("b.weight":{"dtype":"F32","shape":[3],"data_offsets":[8,20]},)"
            R"("__metadata__":{"format":"pt"}})");
  const auto dir = test::temp_dir("safetensors_writer");
  io::write_safetensors(dir / "x.safetensors", records, {{"format", "pt"}});
  const std::string bytes = read_bytes(dir / "x.safetensors");
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + n + 20);
  const io::TensorStore back = io::TensorStore::open(dir / "x.safetensors");
  EXPECT_EQ(back.get_f32("b.weight").data()[2], 3.0f);
  EXPECT_EQ(back.get_i64("a.count"), std::vector<int64_t>{0});
}

TEST(RandomModelCliTest, BadArgumentsFailCleanly) {
  const auto dir = test::temp_dir("random_model_bad");
  auto r = test::run_cli({"random-model", "--out", dir.string(), "--preset", "huge"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("huge"), std::string::npos) << r.err;
  r = test::run_cli({"random-model", "--out", dir.string(), "--model", "whisper"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("whisper"), std::string::npos) << r.err;
  r = test::run_cli({"random-model", "--preset", "tiny"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "model.safetensors"));
}

TEST(RandomModelCliTest, UnwritableFolderFailsCleanly) {
  const auto dir = test::temp_dir("random_model_unwritable");
  // A regular file where the output folder should go.
  std::ofstream(dir / "taken") << "x";
  auto r = test::run_cli({"random-model", "--out", (dir / "taken").string(), "--preset", "tiny"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("taken"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;
  r = test::run_cli({"random-model", "--out", "/proc/speecht5-no-such/dir", "--preset", "tiny"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/proc/speecht5-no-such/dir"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace speecht5
