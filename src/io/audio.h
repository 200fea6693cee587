#pragma once
// Writing (and, for checks, reading) mono audio through libsndfile. Samples are float in
// [-1, 1]; files are 16-bit PCM unless the container has its own codec (Ogg Vorbis). The
// container follows the file name's extension: .wav (default), .flac, .ogg, .aiff/.aif, .au.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace speecht5::io {

inline constexpr int kDefaultSampleRate = 16000;

// clamp(v, -1, 1) · 32767, rounded to nearest (halves away from zero); NaN → 0.
int16_t float_to_pcm16(float v);
std::vector<int16_t> to_pcm16(const float* samples, int64_t n);

// Writes `samples` to `path` in the format its extension names. Throws Error(kIo) naming the
// file when it cannot be written, Error(kInvalidArgument) for an unknown extension.
void write_audio(const std::filesystem::path& path, const float* samples, int64_t n,
                 int sample_rate = kDefaultSampleRate);
void write_audio(const std::filesystem::path& path, const std::vector<float>& samples,
                 int sample_rate = kDefaultSampleRate);

// Throws Error(kInvalidArgument) naming the file when its extension is not a format above
// (checked before any work is done).
void check_audio_extension(const std::filesystem::path& path);

// A complete 16-bit PCM WAV file in memory (for `-o -`: a pipe cannot be seeked back to patch
// the header, so the file is built first).
std::vector<uint8_t> encode_wav(const float* samples, int64_t n,
                                int sample_rate = kDefaultSampleRate);
// encode_wav written to `out`; throws Error(kIo) if the write fails (e.g. a closed pipe).
void write_wav(std::FILE* out, const float* samples, int64_t n,
               int sample_rate = kDefaultSampleRate);
// Headerless little-endian 16-bit PCM, for streaming utterance by utterance to a pipe.
void write_pcm16(std::FILE* out, const float* samples, int64_t n);

struct AudioFile {
  int sample_rate = 0;
  int channels = 0;
  int format = 0;              // libsndfile SF_FORMAT_* bits (container | encoding)
  std::vector<float> samples;  // interleaved; 16-bit PCM read back as int16 / 32768
};
// Reads any file libsndfile understands. Throws Error(kIo) naming the file.
AudioFile read_audio(const std::filesystem::path& path);

}  // namespace speecht5::io
