#include "io/audio.h"

#include <sndfile.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace speecht5::io {
namespace {

int format_for(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".wav" || ext.empty()) return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  if (ext == ".flac") return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
  if (ext == ".ogg" || ext == ".oga") return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
  if (ext == ".aiff" || ext == ".aif") return SF_FORMAT_AIFF | SF_FORMAT_PCM_16;
  if (ext == ".au" || ext == ".snd") return SF_FORMAT_AU | SF_FORMAT_PCM_16;
  fail(ErrorCode::kInvalidArgument, path.string() + ": unsupported audio format '" + ext +
                                        "' (use .wav, .flac, .ogg, .aiff or .au)");
}

void write_all(SNDFILE* file, const float* samples, int64_t n, const std::string& where) {
  // Quantise ourselves so every container gets the same int16 values; Vorbis takes floats.
  const auto pcm = to_pcm16(samples, n);
  if (sf_write_short(file, pcm.data(), static_cast<sf_count_t>(n)) != n) {
    const std::string why = sf_strerror(file);
    sf_close(file);
    fail(ErrorCode::kIo, where + ": write failed: " + why);
  }
}

// libsndfile virtual I/O over a growable byte buffer.
struct MemoryFile {
  std::vector<uint8_t> bytes;
  sf_count_t pos = 0;
};

sf_count_t mem_length(void* user) { return static_cast<MemoryFile*>(user)->bytes.size(); }
sf_count_t mem_seek(sf_count_t offset, int whence, void* user) {
  auto* f = static_cast<MemoryFile*>(user);
  const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->pos : f->bytes.size();
  f->pos = std::max<sf_count_t>(0, base + offset);
  return f->pos;
}
sf_count_t mem_read(void* ptr, sf_count_t count, void* user) {
  auto* f = static_cast<MemoryFile*>(user);
  const sf_count_t n =
      std::max<sf_count_t>(0, std::min<sf_count_t>(count, f->bytes.size() - f->pos));
  std::memcpy(ptr, f->bytes.data() + f->pos, n);
  f->pos += n;
  return n;
}
sf_count_t mem_write(const void* ptr, sf_count_t count, void* user) {
  auto* f = static_cast<MemoryFile*>(user);
  if (f->pos + count > static_cast<sf_count_t>(f->bytes.size())) f->bytes.resize(f->pos + count);
  std::memcpy(f->bytes.data() + f->pos, ptr, count);
  f->pos += count;
  return count;
}
sf_count_t mem_tell(void* user) { return static_cast<MemoryFile*>(user)->pos; }

void check_sample_rate(int sample_rate) {
  if (sample_rate <= 0)
    fail(ErrorCode::kInvalidArgument,
         "sample rate must be positive, got " + std::to_string(sample_rate));
}

}  // namespace

int16_t float_to_pcm16(float v) {
  if (std::isnan(v)) return 0;
  v = std::clamp(v, -1.0f, 1.0f);
  return static_cast<int16_t>(std::lround(v * 32767.0f));
}

std::vector<int16_t> to_pcm16(const float* samples, int64_t n) {
  std::vector<int16_t> out(std::max<int64_t>(n, 0));
  for (int64_t i = 0; i < n; ++i) out[i] = float_to_pcm16(samples[i]);
  return out;
}

void check_audio_extension(const std::filesystem::path& path) { format_for(path); }

void write_audio(const std::filesystem::path& path, const float* samples, int64_t n,
                 int sample_rate) {
  check_sample_rate(sample_rate);
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = format_for(path);
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (file == nullptr)
    fail(ErrorCode::kIo, path.string() + ": cannot open for writing: " + sf_strerror(nullptr));
  write_all(file, samples, n, path.string());
  if (sf_close(file) != 0) fail(ErrorCode::kIo, path.string() + ": error closing the file");
}

void write_audio(const std::filesystem::path& path, const std::vector<float>& samples,
                 int sample_rate) {
  write_audio(path, samples.data(), static_cast<int64_t>(samples.size()), sample_rate);
}

std::vector<uint8_t> encode_wav(const float* samples, int64_t n, int sample_rate) {
  check_sample_rate(sample_rate);
  MemoryFile memory;
  SF_VIRTUAL_IO io{mem_length, mem_seek, mem_read, mem_write, mem_tell};
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* file = sf_open_virtual(&io, SFM_WRITE, &info, &memory);
  if (file == nullptr)
    fail(ErrorCode::kInternal, std::string("cannot encode WAV: ") + sf_strerror(nullptr));
  write_all(file, samples, n, "<memory>");
  sf_close(file);
  return std::move(memory.bytes);
}

void write_wav(std::FILE* out, const float* samples, int64_t n, int sample_rate) {
  const auto bytes = encode_wav(samples, n, sample_rate);
  if (std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size() || std::fflush(out) != 0)
    fail(ErrorCode::kIo, "cannot write the WAV stream (output closed?)");
}

void write_pcm16(std::FILE* out, const float* samples, int64_t n) {
  auto pcm = to_pcm16(samples, n);
  // The stream is little-endian by definition; swap on a big-endian host.
  if constexpr (std::endian::native == std::endian::big)
    for (auto& s : pcm)
      s = static_cast<int16_t>((static_cast<uint16_t>(s) >> 8) | (static_cast<uint16_t>(s) << 8));
  if (std::fwrite(pcm.data(), sizeof(int16_t), pcm.size(), out) != pcm.size() ||
      std::fflush(out) != 0)
    fail(ErrorCode::kIo, "cannot write the raw PCM stream (output closed?)");
}

AudioFile read_audio(const std::filesystem::path& path) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (file == nullptr)
    fail(ErrorCode::kIo, path.string() + ": cannot read audio: " + sf_strerror(nullptr));
  AudioFile audio;
  audio.sample_rate = info.samplerate;
  audio.channels = info.channels;
  audio.format = info.format;
  audio.samples.resize(static_cast<size_t>(info.frames) * info.channels);
  const sf_count_t got = sf_readf_float(file, audio.samples.data(), info.frames);
  sf_close(file);
  if (got != info.frames) fail(ErrorCode::kIo, path.string() + ": truncated audio data");
  return audio;
}

}  // namespace speecht5::io
