// `speecht5 synth --input-ids ...` on the tiny model: the saved mel must be the reference's
// post-net spectrogram; bad options must fail with a clear message and a non-zero exit.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

#include "io/npy.h"
#include "support/cli_runner.h"
#include "support/fixture_compare.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

struct SynthCli : ::testing::Test {
  std::filesystem::path dir = test::temp_dir("synth_cli");
  std::string model = (test::data_dir() / "models/tiny/tts").string();
  std::string speaker = (dir / "speaker.npy").string();
  void SetUp() override {
    const test::Fixture f("tiny_gen_forced.safetensors");
    io::write_npy_f32(speaker, f.tensor("speaker_embeddings"));
  }
  static std::string ids_of(const test::Fixture& f) {
    std::string s;
    for (int64_t id : f.ints("input_ids")) {
      if (!s.empty()) s += ',';
      s += std::to_string(id);
    }
    return s;
  }
};

TEST_F(SynthCli, SavedMelMatchesFixture) {
  for (const char* name : {"tiny_gen_forced", "tiny_gen_mid"}) {
    const test::Fixture f(std::string(name) + ".safetensors");
    const std::string mel = (dir / (std::string(name) + "_mel.npy")).string();
    const std::string stop = (dir / (std::string(name) + "_stop.npy")).string();
    auto r = test::run_cli({"synth",
                            "--model",
                            model,
                            "--input-ids",
                            ids_of(f),
                            "--speaker",
                            speaker,
                            "--seed",
                            "42",
                            "--threshold",
                            std::to_string(f.meta_number("threshold")),
                            "--minlenratio",
                            std::to_string(f.meta_number("minlenratio")),
                            "--maxlenratio",
                            std::to_string(f.meta_number("maxlenratio")),
                            "--vocoder",
                            "none",
                            "--save-mel",
                            mel,
                            "--save-stop-probs",
                            stop});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Tensor got = io::read_npy_f32(mel);
    const Tensor want = f.tensor("spectrogram");
    EXPECT_EQ(got.shape(), want.shape());
    test::expect_rel_l2(std::string("synth CLI ") + name + " mel", got, want);
    const Tensor probs = io::read_npy_f32(stop);
    EXPECT_EQ(probs.shape(), (Shape{want.dim(0) / 2, 2}));
    test::expect_rel_l2(std::string("synth CLI ") + name + " stop_probs", probs,
                        f.tensor("stop_probs"));
  }
}

TEST_F(SynthCli, BadOptionsFailWithClearMessage) {
  const std::string mel = (dir / "bad.npy").string();
  struct Case {
    std::vector<std::string> extra;
    std::string expect;  // in stderr
  };
  const std::vector<Case> cases = {
      {{"--threshold", "-1"}, "threshold"},
      {{"--threshold", "nan"}, "threshold"},
      {{"--maxlenratio", "-2"}, "maxlenratio"},
      {{"--minlenratio", "abc"}, "minlenratio"},
      {{"--seed", "-3"}, "seed"},
      {{"--input-ids", "4,x,2"}, "'x' is not an integer"},
      {{"--input-ids", "4,81,2"}, "token id 81"},
      {{"--speaker", (dir / "missing.npy").string()}, "missing.npy"},
      {{"--vocoder", "hifigan-nope"}, "--vocoder"},
  };
  for (const Case& c : cases) {
    std::map<std::string, std::string> options = {{"--model", model},
                                                  {"--input-ids", "4,5,6,2"},
                                                  {"--speaker", speaker},
                                                  {"--save-mel", mel}};
    options[c.extra[0]] = c.extra[1];
    std::vector<std::string> args = {"synth"};
    for (const auto& [key, value] : options) args.insert(args.end(), {key, value});
    auto r = test::run_cli(args);
    EXPECT_NE(r.exit_code, 0) << c.extra[1];
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << "stderr: " << r.err;
  }
  auto r = test::run_cli({"synth", "--model", (dir / "no_model").string(), "--input-ids", "4,2",
                          "--speaker", speaker, "--save-mel", mel});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no_model"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace speecht5
