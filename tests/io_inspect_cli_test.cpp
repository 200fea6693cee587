// `speecht5 inspect`: what it reports for the tiny fixture models, and how it fails.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "support/checkpoint_builder.h"
#include "support/cli_runner.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(IoInspectCli, TinyTtsFolder) {
  const auto dir = test::data_dir() / "models/tiny/tts";
  const auto r = test::run_cli({"inspect", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "path:       " + (dir / "model.safetensors").string() + "\n");
  EXPECT_CONTAINS(r.out, "format:     safetensors\n");
  EXPECT_CONTAINS(r.out, "tensors:    132\n");
  EXPECT_CONTAINS(r.out, "dtypes:     F32 127, I64 5\n");
  EXPECT_CONTAINS(r.out, "parameters: 370,089\n");
  EXPECT_CONTAINS(
      r.out,
      "config:     SpeechT5 text-to-speech: hidden 64, encoder 2 layers x 4 heads (FFN 128), "
      "decoder 2 layers x 4 heads (FFN 128), vocab 81, 80 mel bins, reduction factor 2, "
      "speaker embedding 512\n");
}

TEST(IoInspectCli, LegacyHifiGanFileAsJson) {
  const auto file = test::data_dir() / "models/tiny/hifigan/pytorch_model_legacy.bin";
  const auto r = test::run_cli({"inspect", "--json", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["format"], "torch-legacy");
  EXPECT_EQ(json["tensors"], 158);
  EXPECT_EQ(json["parameters"], 66977);
  EXPECT_EQ(json["tensor_bytes"], 66977 * 4);
  EXPECT_EQ(json["dtypes"], nlohmann::json({{"F32", 158}}));
  EXPECT_EQ(json["config"]["model_type"], "hifigan");
  EXPECT_EQ(json["config"]["upsample_initial_channel"], 32);
  EXPECT_EQ(json["config"]["samples_per_frame"], 256);
}

TEST(IoInspectCli, ZipFileWithTensorList) {
  const auto file = test::data_dir() / "models/tiny/tts/pytorch_model.bin";
  const auto r = test::run_cli({"inspect", "--tensors", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "format:     torch-zip\n");
  EXPECT_CONTAINS(r.out, "parameters: 370,089\n");
  EXPECT_CONTAINS(r.out, "speecht5.encoder.prenet.embed_tokens.weight");
  EXPECT_CONTAINS(r.out, "[81, 64]");
}

TEST(IoInspectCli, CheckReadsEveryValue) {
  const auto ok =
      test::run_cli({"inspect", "--check", (test::data_dir() / "models/tiny/hifigan").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_CONTAINS(ok.out, "check:      all 66,977 values finite\n");

  const auto dir = test::temp_dir("io_inspect_nan");
  const std::string header = R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}})";
  test::write_bytes(dir / "model.safetensors",
                    test::safetensors_bytes(header, test::floats_bytes({1.0f, NAN, -INFINITY})));
  const auto bad = test::run_cli({"inspect", "--check", dir.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_CONTAINS(bad.out, "check:      2 non-finite values in w (2)\n");
}

TEST(IoInspectCli, MissingPathFails) {
  const auto r = test::run_cli({"inspect", "/no/such/model"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "/no/such/model: no such file or folder");
  EXPECT_TRUE(r.out.empty());
}

TEST(IoInspectCli, HostileCheckpointFailsCleanly) {
  const auto dir = test::temp_dir("io_inspect_hostile");
  test::write_zip(dir / "pytorch_model.bin",
                  {{"archive/data.pkl", test::pickle_calling("os", "system")}});
  const auto r = test::run_cli({"inspect", dir.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "refusing global 'os.system'");
}

TEST(IoInspectCli, EmptyFolderAndMissingArgument) {
  const auto dir = test::temp_dir("io_inspect_empty");
  const auto r = test::run_cli({"inspect", dir.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "neither model.safetensors nor pytorch_model.bin");
  EXPECT_NE(test::run_cli({"inspect"}).exit_code, 0);
}

}  // namespace
}  // namespace speecht5
