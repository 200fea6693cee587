#pragma once
// Where `speecht5 synth` puts its results: an audio file, WAV or raw PCM on stdout, and the
// .npy dumps. Paths are checked before any work is done, so a typo does not cost a synthesis.
#include <cstdint>
#include <vector>

#include "runtime/synthesizer.h"
#include "synth_options.h"

namespace speecht5::cli {

class SynthOutput {
 public:
  // Throws Error naming the option when the outputs asked for cannot be produced or written.
  explicit SynthOutput(const SynthArgs& args);
  void set_sample_rate(int sample_rate) { sample_rate_ = sample_rate; }

  // Raw PCM goes out while the decoder runs: audio() is then the synthesizer's sink.
  bool streaming() const { return raw_; }
  // Consecutive samples of the whole output (silences included).
  void audio(const float* samples, int64_t n);
  // A synthesized chunk's mel and stop probabilities (for --save-mel / --save-stop-probs).
  void chunk(const ChunkSynthesis& chunk);
  // Writes the files (and the WAV on stdout).
  void finish();

  int64_t samples_written() const { return total_samples_; }

 private:
  const SynthArgs& args_;
  int sample_rate_ = 16000;
  bool raw_ = false;
  bool keep_audio_ = false;
  int64_t total_samples_ = 0;
  std::vector<float> audio_;
  std::vector<float> mel_, stop_probs_;
  int64_t mel_width_ = 0, stop_width_ = 0;
};

}  // namespace speecht5::cli
