#include "io/audio.h"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "support/fixtures.h"

namespace speecht5::io {
namespace {

TEST(AudioTest, FloatToPcm16ClampsScalesAndRounds) {
  EXPECT_EQ(float_to_pcm16(0.0f), 0);
  EXPECT_EQ(float_to_pcm16(1.0f), 32767);
  EXPECT_EQ(float_to_pcm16(-1.0f), -32767);
  EXPECT_EQ(float_to_pcm16(2.5f), 32767);
  EXPECT_EQ(float_to_pcm16(-3.0f), -32767);
  EXPECT_EQ(float_to_pcm16(0.5f), 16384);  // 16383.5 rounds away from zero
  EXPECT_EQ(float_to_pcm16(-0.5f), -16384);
  EXPECT_EQ(float_to_pcm16(1.0f / 32767 * 0.49f), 0);
  EXPECT_EQ(float_to_pcm16(1.0f / 32767 * 0.51f), 1);
  EXPECT_EQ(float_to_pcm16(std::nanf("")), 0);
}

std::vector<float> test_signal(int n) {
  std::vector<float> s(n);
  for (int i = 0; i < n; ++i) s[i] = 0.8f * std::sin(i * 0.05f) + (i == 7 ? 1.5f : 0.0f);
  return s;
}

uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
  return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | uint32_t(b[at + 3]) << 24;
}
uint16_t le16(const std::vector<uint8_t>& b, size_t at) { return b[at] | b[at + 1] << 8; }

std::vector<uint8_t> file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The header fields a WAV reader relies on, parsed by hand, and the samples read back.
TEST(AudioTest, WavRoundTrip) {
  const auto dir = test::temp_dir("audio_wav");
  const auto signal = test_signal(1000);
  write_audio(dir / "a.wav", signal);
  const auto bytes = file_bytes(dir / "a.wav");
  ASSERT_GE(bytes.size(), 44u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "RIFF");
  EXPECT_EQ(le32(bytes, 4), bytes.size() - 8);
  EXPECT_EQ(std::string(bytes.begin() + 8, bytes.begin() + 12), "WAVE");
  // Walk the chunks: fmt then data.
  size_t at = 12;
  bool saw_fmt = false, saw_data = false;
  while (at + 8 <= bytes.size()) {
    const std::string id(bytes.begin() + at, bytes.begin() + at + 4);
    const uint32_t size = le32(bytes, at + 4);
    if (id == "fmt ") {
      saw_fmt = true;
      EXPECT_EQ(le16(bytes, at + 8), 1);        // PCM
      EXPECT_EQ(le16(bytes, at + 10), 1);       // mono
      EXPECT_EQ(le32(bytes, at + 12), 16000u);  // sample rate
      EXPECT_EQ(le32(bytes, at + 16), 32000u);  // byte rate
      EXPECT_EQ(le16(bytes, at + 20), 2);       // block align
      EXPECT_EQ(le16(bytes, at + 22), 16);      // bits per sample
    } else if (id == "data") {
      saw_data = true;
      EXPECT_EQ(size, 2000u);
      for (int i = 0; i < 1000; ++i)
        ASSERT_EQ(int16_t(le16(bytes, at + 8 + 2 * i)), float_to_pcm16(signal[i])) << i;
    }
    at += 8 + size + (size & 1);
  }
  EXPECT_TRUE(saw_fmt && saw_data);

  const AudioFile back = read_audio(dir / "a.wav");
  EXPECT_EQ(back.sample_rate, 16000);
  EXPECT_EQ(back.channels, 1);
  EXPECT_EQ(back.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  ASSERT_EQ(back.samples.size(), 1000u);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(std::lround(back.samples[i] * 32768.0f), float_to_pcm16(signal[i])) << i;
  // The in-memory encoder (used for `-o -`) gives the same file.
  EXPECT_EQ(encode_wav(signal.data(), 1000), bytes);
}

TEST(AudioTest, FormatFollowsExtension) {
  const auto dir = test::temp_dir("audio_flac");
  const auto signal = test_signal(4000);
  write_audio(dir / "a.flac", signal.data(), 4000, 22050);
  const AudioFile back = read_audio(dir / "a.flac");
  EXPECT_EQ(back.format, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  EXPECT_EQ(back.sample_rate, 22050);
  ASSERT_EQ(back.samples.size(), 4000u);
  for (int i = 0; i < 4000; ++i)  // lossless
    ASSERT_EQ(std::lround(back.samples[i] * 32768.0f), float_to_pcm16(signal[i])) << i;
  try {
    write_audio(dir / "a.mp9", signal);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(".mp9"), std::string::npos);
  }
}

TEST(AudioTest, RawPcm16IsLittleEndianSamples) {
  const auto dir = test::temp_dir("audio_raw");
  const std::vector<float> signal{0.0f, 1.0f, -1.0f, 0.5f};
  std::FILE* f = std::fopen((dir / "a.raw").c_str(), "wb");
  ASSERT_NE(f, nullptr);
  write_pcm16(f, signal.data(), 4);
  std::fclose(f);
  const auto bytes = file_bytes(dir / "a.raw");
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0x00, 0x00, 0xff, 0x7f, 0x01, 0x80, 0x00, 0x40}));
}

TEST(AudioTest, UnwritablePathIsNamed) {
  const std::vector<float> signal{0.0f};
  try {
    write_audio("/nonexistent-dir/out.wav", signal);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/out.wav"), std::string::npos);
  }
  EXPECT_THROW(read_audio("/nonexistent-dir/in.wav"), Error);
}

}  // namespace
}  // namespace speecht5::io
