// `speecht5 vocode` end to end: the tiny vocoder on the fixture mel, and bad inputs.
#include <gtest/gtest.h>

#include <cmath>

#include "io/audio.h"
#include "io/npy.h"
#include "kernels/conv1d.h"
#include "support/cli_runner.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

std::string tiny_vocoder() { return (test::data_dir() / "models/tiny/hifigan").string(); }

struct MelFixture {
  std::filesystem::path dir, mel;
  Tensor waveform;
};

MelFixture write_fixture_mel(const std::string& name) {
  const auto fx = io::TensorStore::open(test::fixture("tiny_hifigan.safetensors"));
  MelFixture m;
  m.dir = test::temp_dir(name);
  m.mel = m.dir / "mel.npy";
  io::write_npy_f32(m.mel, fx.get_f32("mel").clone());
  m.waveform = fx.get_f32("waveform");
  return m;
}

TEST(VocodeCliTest, WritesWavAndFloatWaveform) {
  const auto m = write_fixture_mel("vocode_cli_ok");
  const auto r = test::run_cli({"vocode", "--vocoder", tiny_vocoder(), "--mel", m.mel.string(),
                                "-o", (m.dir / "out.wav").string(), "--save-audio",
                                (m.dir / "out.npy").string(), "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The float waveform matches the reference (rel-L2 1e-5) ...
  const Tensor wave = io::read_npy_f32(m.dir / "out.npy");
  ASSERT_EQ(wave.shape(), m.waveform.shape());
  EXPECT_LT(test::rel_l2(wave, m.waveform), 1e-5);
  // ... and the WAV holds it quantised: 16 kHz mono PCM16, 40 × 256 samples, ±1 LSB of the
  // reference quantised the same way.
  const io::AudioFile audio = io::read_audio(m.dir / "out.wav");
  EXPECT_EQ(audio.sample_rate, 16000);
  EXPECT_EQ(audio.channels, 1);
  ASSERT_EQ(audio.samples.size(), 10240u);
  for (size_t i = 0; i < audio.samples.size(); ++i)
    ASSERT_LE(std::abs(std::lround(audio.samples[i] * 32768.0f) -
                       io::float_to_pcm16(m.waveform.data()[i])),
              1)
        << i;
}

// --precision bf16 runs the resblock convolutions in bf16 where the CPU has native bf16
// convolutions: rel-L2 2.5e-4 vs the float32 fixture (PrecisionTest.Bf16Vocoder); float32
// otherwise.
TEST(VocodeCliTest, Bf16Precision) {
  const auto m = write_fixture_mel("vocode_cli_bf16");
  const auto r =
      test::run_cli({"vocode", "--vocoder", tiny_vocoder(), "--mel", m.mel.string(), "--precision",
                     "bf16", "--save-audio", (m.dir / "out.npy").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double err = test::rel_l2(io::read_npy_f32(m.dir / "out.npy"), m.waveform);
  if (kernels::bf16_convolution_supported()) {
    EXPECT_GT(err, 1e-5);  // it did run in bf16
    EXPECT_LT(err, 5e-4);
  } else {
    EXPECT_LT(err, 1e-5);
  }
  const auto bad = test::run_cli({"vocode", "--vocoder", tiny_vocoder(), "--mel", m.mel.string(),
                                  "--precision", "fp16", "-o", (m.dir / "x.wav").string()});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--precision"), std::string::npos) << bad.err;
}

TEST(VocodeCliTest, WavToStdout) {
  const auto m = write_fixture_mel("vocode_cli_stdout");
  const auto r =
      test::run_cli({"vocode", "--vocoder", tiny_vocoder(), "--mel", m.mel.string(), "-o", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.size(), 44u + 2 * 10240u);
  EXPECT_EQ(r.out.substr(0, 4), "RIFF");
  EXPECT_EQ(r.out.substr(8, 4), "WAVE");
}

void expect_failure(const std::vector<std::string>& args, const std::string& mentions) {
  const auto r = test::run_cli(args);
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(mentions), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

TEST(VocodeCliTest, BadInputsFailWithClearMessages) {
  const auto m = write_fixture_mel("vocode_cli_bad");
  const std::string out = (m.dir / "x.wav").string();
  // Missing mel file.
  expect_failure(
      {"vocode", "--vocoder", tiny_vocoder(), "--mel", (m.dir / "nope.npy").string(), "-o", out},
      "nope.npy");
  // A mel of the wrong width.
  const auto wide = m.dir / "wide.npy";
  io::write_npy_f32(wide, Tensor({12, 81}));
  expect_failure({"vocode", "--vocoder", tiny_vocoder(), "--mel", wide.string(), "-o", out},
                 "[frames, 80]");
  // A transposed mel gets a hint.
  const auto transposed = m.dir / "transposed.npy";
  io::write_npy_f32(transposed, Tensor({80, 12}));
  expect_failure({"vocode", "--vocoder", tiny_vocoder(), "--mel", transposed.string(), "-o", out},
                 "transposed");
  // Not a .npy file at all.
  expect_failure({"vocode", "--vocoder", tiny_vocoder(), "--mel",
                  (test::data_dir() / "models/tiny/hifigan/config.json").string(), "-o", out},
                 "config.json");
  // An output that cannot be written.
  expect_failure({"vocode", "--vocoder", tiny_vocoder(), "--mel", m.mel.string(), "-o",
                  "/nonexistent-dir/out.wav"},
                 "/nonexistent-dir");
  expect_failure({"vocode", "--vocoder", tiny_vocoder(), "--mel", m.mel.string(), "-o",
                  (m.dir / "out.xyz").string()},
                 ".xyz");
  // A missing vocoder folder, and nothing to write.
  expect_failure(
      {"vocode", "--vocoder", (m.dir / "no-vocoder").string(), "--mel", m.mel.string(), "-o", out},
      "no-vocoder");
  expect_failure({"vocode", "--vocoder", tiny_vocoder(), "--mel", m.mel.string()},
                 "nothing to write");
}

}  // namespace
}  // namespace speecht5
