// `speecht5 [synth]` end to end on the tiny fixture models: text / token ids → WAV file, WAV on
// stdout, raw PCM stream and .npy dumps, checked against the reference's waveform; and every bad
// input refused with a clear message and a non-zero exit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "io/audio.h"
#include "io/npy.h"
#include "support/cli_runner.h"
#include "support/fixture_compare.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

struct Wav {
  int sample_rate = 0, channels = 0, bits = 0;
  std::vector<int16_t> samples;
};

uint32_t u32(const std::string& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
uint16_t u16(const std::string& b, size_t at) {
  uint16_t v;
  std::memcpy(&v, b.data() + at, 2);
  return v;
}

// A RIFF/WAVE file: the fmt chunk's fields and the data chunk's 16-bit samples.
Wav parse_wav(const std::string& bytes) {
  Wav w;
  EXPECT_GE(bytes.size(), 44u);
  if (bytes.size() < 44) return w;
  EXPECT_EQ(bytes.substr(0, 4), "RIFF");
  EXPECT_EQ(bytes.substr(8, 4), "WAVE");
  for (size_t at = 12; at + 8 <= bytes.size();) {
    const std::string id = bytes.substr(at, 4);
    const uint32_t size = u32(bytes, at + 4);
    if (id == "fmt ") {
      EXPECT_EQ(u16(bytes, at + 8), 1) << "PCM";
      w.channels = u16(bytes, at + 10);
      w.sample_rate = static_cast<int>(u32(bytes, at + 12));
      w.bits = u16(bytes, at + 22);
    } else if (id == "data") {
      EXPECT_LE(at + 8 + size, bytes.size());
      w.samples.resize(size / 2);
      std::memcpy(w.samples.data(), bytes.data() + at + 8, w.samples.size() * 2);
    }
    at += 8 + size + (size & 1);
  }
  return w;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

void expect_within_one_lsb(const std::vector<int16_t>& got, const Tensor& reference) {
  ASSERT_EQ(static_cast<int64_t>(got.size()), reference.numel());
  int worst = 0;
  for (int64_t i = 0; i < reference.numel(); ++i)
    worst = std::max(worst, std::abs(got[i] - io::float_to_pcm16(reference.data()[i])));
  EXPECT_LE(worst, 1) << "largest difference from the quantised reference, in LSB";
}

struct SynthTextCli : ::testing::Test {
  std::filesystem::path dir = test::temp_dir("synth_text_cli");
  std::string model = (test::data_dir() / "models/tiny/tts").string();
  std::string vocoder = (test::data_dir() / "models/tiny/hifigan").string();
  std::string speaker = (dir / "speaker.npy").string();
  test::Fixture forced{"tiny_gen_forced.safetensors"};

  void SetUp() override { io::write_npy_f32(speaker, forced.tensor("speaker_embeddings")); }

  std::vector<std::string> base(std::vector<std::string> extra) const {
    return with_speaker(speaker, std::move(extra));
  }
  std::vector<std::string> with_speaker(const std::string& who,
                                        std::vector<std::string> extra) const {
    std::vector<std::string> args = {"-m", model, "--vocoder", vocoder, "-s", who};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  // The fixture's ids and options: threshold 3 is never met, so 19 steps (38 frames) always.
  std::vector<std::string> forced_args(std::vector<std::string> extra) const {
    std::string ids;
    for (int64_t id : forced.ints("input_ids")) {
      if (!ids.empty()) ids += ',';
      ids += std::to_string(id);
    }
    std::vector<std::string> args =
        base({"--input-ids", ids, "--threshold", "3", "--maxlenratio", "2", "--seed", "42"});
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

TEST_F(SynthTextCli, InputIdsGiveTheFixtureWaveformInEveryOutput) {
  const auto wav = dir / "forced.wav", audio = dir / "forced_audio.npy", mel = dir / "mel.npy";
  auto r = test::run_cli(forced_args(
      {"-o", wav.string(), "--save-audio", audio.string(), "--save-mel", mel.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Tensor want = forced.tensor("waveform");  // [9728] = 38 frames × 256
  test::expect_rel_l2("synth CLI --save-audio vs tiny_gen_forced waveform", io::read_npy_f32(audio),
                      want);
  test::expect_rel_l2("synth CLI --save-mel vs tiny_gen_forced spectrogram", io::read_npy_f32(mel),
                      forced.tensor("spectrogram"));
  const Wav w = parse_wav(read_bytes(wav));
  EXPECT_EQ(w.sample_rate, 16000);
  EXPECT_EQ(w.channels, 1);
  EXPECT_EQ(w.bits, 16);
  expect_within_one_lsb(w.samples, want);

  // `-o -`: the same WAV on stdout.
  r = test::run_cli(forced_args({"-o", "-"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Wav piped = parse_wav(r.out);
  EXPECT_EQ(piped.sample_rate, 16000);
  EXPECT_EQ(piped.samples, w.samples);

  // --output-raw: headerless little-endian int16, streamed (the same samples ±1 LSB: the
  // streamed post-net / vocoder windows round differently).
  r = test::run_cli(forced_args({"--output-raw"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.size(), 2u * want.numel());
  std::vector<int16_t> raw(want.numel());
  std::memcpy(raw.data(), r.out.data(), r.out.size());
  expect_within_one_lsb(raw, want);
}

TEST_F(SynthTextCli, TextGivesChunksJoinedWithSilence) {
  const auto wav = dir / "text.wav", mel = dir / "text_mel.npy", stop = dir / "text_stop.npy";
  // Two sentences → two chunks; 0.5 s of silence between them.
  auto r = test::run_cli(
      base({"Hello world. It costs $3.50 today!", "--sentence-silence", "0.5", "-o", wav.string(),
            "--save-mel", mel.string(), "--save-stop-probs", stop.string(), "-v"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("chunk 2/2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("RTF"), std::string::npos) << r.err;
  const Tensor m = io::read_npy_f32(mel);
  ASSERT_EQ(m.rank(), 2);
  EXPECT_EQ(m.dim(1), 80);
  const Tensor s = io::read_npy_f32(stop);
  EXPECT_EQ(s.dim(0) * 2, m.dim(0));  // r = 2 frames per step
  const Wav w = parse_wav(read_bytes(wav));
  EXPECT_EQ(w.sample_rate, 16000);
  EXPECT_EQ(static_cast<int64_t>(w.samples.size()), m.dim(0) * 256 + 8000);
  // The same text as the default command without `synth`, and through `synth`: same audio.
  r = test::run_cli([&] {
    auto args =
        base({"Hello world. It costs $3.50 today!", "--sentence-silence", "0.5", "-o", "-"});
    args.insert(args.begin(), "synth");
    return args;
  }());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_wav(r.out).samples, w.samples);
}

TEST_F(SynthTextCli, EachStdinLineIsAnUtterance) {
  const auto mel = dir / "lines_mel.npy", stop = dir / "lines_stop.npy";
  // Three utterances (the blank line is skipped), silence 0.1 s = 1600 samples between them.
  auto r = test::run_cli(
      base({"--output-raw", "--sentence-silence", "0.1", "--save-mel", mel.string(), "-v"}),
      "First line.\n\n  \nSecond line\r\nThird.\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("utterance 3 chunk 1/1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("utterance 4"), std::string::npos) << r.err;
  const Tensor m = io::read_npy_f32(mel);
  EXPECT_EQ(static_cast<int64_t>(r.out.size()), 2 * (m.dim(0) * 256 + 2 * 1600));
  // The silences are digital zeros where they should be: after the first utterance.
  auto first = test::run_cli(base({"--output-raw"}), "First line.\n");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const size_t n1 = first.out.size();
  ASSERT_LT(n1 + 3200, r.out.size());
  EXPECT_EQ(r.out.substr(0, n1), first.out);
  EXPECT_EQ(r.out.substr(n1, 3200), std::string(3200, '\0'));
}

struct BadCase {
  std::vector<std::string> args;
  std::string expect;  // in stderr
  std::string stdin_text = "";
};

TEST_F(SynthTextCli, BadInputsFailWithClearMessages) {
  const std::string out = (dir / "bad.wav").string();
  const auto wrong_bin = dir / "wrong.bin";
  std::ofstream(wrong_bin, std::ios::binary) << std::string(400, '\0');
  const auto wrong_npy = dir / "wrong.npy";
  io::write_npy_f32(wrong_npy, Tensor::from_values({10}, std::vector<float>(10, 0.5f)));
  const auto a_file = dir / "plain_file";
  std::ofstream(a_file) << "x";
  const std::vector<BadCase> cases = {
      {with_speaker("nobody", {"Hi.", "-o", out}), "unknown voice 'nobody'"},
      {{"-m", (dir / "no_such_model").string(), "--vocoder", vocoder, "Hi.", "-o", out},
       "model folder not found"},
      {{"-m", model, "--vocoder", (dir / "no_vocoder").string(), "Hi.", "-o", out},
       "--vocoder: model folder not found"},
      {with_speaker(wrong_bin.string(), {"Hi.", "-o", out}), "400 bytes, expected 2048"},
      {with_speaker(wrong_npy.string(), {"Hi.", "-o", out}), "wrong.npy"},
      {base({"", "-o", out}), "empty"},
      {base({"   \t ", "-o", out}), "empty"},
      {base({"caf\xc3 ok", "-o", out}), "UTF-8"},
      {base({"-o", out}), "standard input line 2", "Fine.\nbad \xff byte\n"},
      {base({"-o", out}), "no text", "\n   \n"},
      {base({"Hi.", "-o", (dir / "missing_dir/x.wav").string()}), "does not exist"},
      {base({"Hi.", "-o", (a_file / "x.wav").string()}), "-o/--output"},
      {base({"Hi.", "-o", dir.string()}), "is a folder"},
      {base({"Hi.", "-o", (dir / "x.mp3").string()}), "unsupported audio format"},
      {base({"Hi.", "--save-mel", (dir / "nope/m.npy").string()}), "--save-mel"},
      {base({"Hi."}), "nothing to write"},
      {base({"Hi.", "-o", "-", "--output-raw"}), "choose one"},
      {{"-m", model, "--vocoder", "none", "Hi.", "-o", out}, "--vocoder none"},
      {base({"Hi.", "--input-ids", "4,2", "-o", out}), "either TEXT or --input-ids"},
      {base({"--input-ids", "4,,2", "-o", out}), "--input-ids"},
      {base({"--input-ids", "4,500,2", "-o", out}), "token id 500"},
      {base({"Hi.", "-o", out, "--threshold", "abc"}), "--threshold"},
      {base({"Hi.", "-o", out, "--threshold", "inf"}), "--threshold"},
      {base({"Hi.", "-o", out, "--maxlenratio", "-1"}), "--maxlenratio"},
      {base({"Hi.", "-o", out, "--minlenratio", "nan"}), "--minlenratio"},
      {base({"Hi.", "-o", out, "--sentence-silence", "-0.5"}), "--sentence-silence"},
      {base({"Hi.", "-o", out, "--sentence-silence", "x"}), "--sentence-silence"},
      {base({"Hi.", "-o", out, "--seed", "-1"}), "--seed"},
      {base({"Hi.", "-o", out, "--threads", "-2"}), "--threads"},
      {base({"Hi.", "-o", out, "--threads", "two"}), "--threads"},
      {base({"Hi.", "-o", out, "--precision", "fp8"}), "--precision"},
      {base({"Hi.", "-o", out, "-q", "-v"}), "excludes"},
  };
  for (const BadCase& c : cases) {
    const auto r = test::run_cli(c.args, c.stdin_text);
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    EXPECT_NE(r.exit_code, 0) << joined;
    EXPECT_NE(r.err.find(c.expect), std::string::npos)
        << joined << "\nexpected '" << c.expect << "' in stderr: " << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(out)) << "no output file after a failure";
}

TEST_F(SynthTextCli, HelpShowsExamples) {
  const auto r = test::run_cli({"synth", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* needle : {"--output-raw", "--sentence-silence", "--save-audio",
                             "Examples:", "speecht5 \"Hello world.\" -o hello.wav", "-s,--speaker"})
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle;
}

}  // namespace
}  // namespace speecht5
