#include "synth_output.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "io/audio.h"
#include "io/npy.h"

namespace speecht5::cli {
namespace {

namespace fs = std::filesystem;

// Refuses a path that cannot be created or overwritten, naming the option.
void check_writable(const std::string& path, const std::string& option) {
  if (path.empty()) fail(ErrorCode::kInvalidArgument, option + ": empty file name");
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec))
    fail(ErrorCode::kIo, option + ": " + path + " is a folder, not a file");
  const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec))
    fail(ErrorCode::kIo,
         option + ": cannot write " + path + ": folder " + parent.string() + " does not exist");
  if (fs::exists(p, ec) ? ::access(path.c_str(), W_OK) != 0
                        : ::access(parent.c_str(), W_OK | X_OK) != 0)
    fail(ErrorCode::kIo, option + ": cannot write " + path + ": permission denied");
}

Tensor rows_tensor(const std::vector<float>& data, int64_t width) {
  const int64_t rows = width > 0 ? static_cast<int64_t>(data.size()) / width : 0;
  return Tensor::from_values({rows, width}, data);
}

}  // namespace

SynthOutput::SynthOutput(const SynthArgs& args) : args_(args), raw_(args.output_raw) {
  const bool no_vocoder = args.vocoder == "none";
  if (args.output.empty() && !args.output_raw && args.save_mel.empty() && args.save_audio.empty() &&
      args.save_stop_probs.empty())
    fail(ErrorCode::kInvalidArgument,
         no_vocoder ? "nothing to write: give --save-mel FILE.npy (--vocoder none makes no audio)"
                    : "nothing to write: give -o FILE.wav, -o - (WAV on standard output), "
                      "--output-raw (PCM on standard output), --save-mel or --save-audio");
  if (no_vocoder && (!args.output.empty() || args.output_raw || !args.save_audio.empty()))
    fail(ErrorCode::kInvalidArgument,
         "--vocoder none makes mel spectrograms only: -o, --output-raw and --save-audio need a "
         "vocoder");
  if (args.output == "-" && args.output_raw)
    fail(ErrorCode::kInvalidArgument,
         "-o - and --output-raw both write to standard output: choose one");
  if (!args.output.empty() && args.output != "-") {
    check_writable(args.output, "-o/--output");
    io::check_audio_extension(args.output);
  }
  if (!args.save_mel.empty()) check_writable(args.save_mel, "--save-mel");
  if (!args.save_stop_probs.empty()) check_writable(args.save_stop_probs, "--save-stop-probs");
  if (!args.save_audio.empty()) check_writable(args.save_audio, "--save-audio");
  keep_audio_ = !args.output.empty() || !args.save_audio.empty();
}

void SynthOutput::audio(const float* samples, int64_t n) {
  if (n <= 0) return;
  total_samples_ += n;
  if (keep_audio_) audio_.insert(audio_.end(), samples, samples + n);
  if (raw_) {
    io::write_pcm16(stdout, samples, n);
    std::fflush(stdout);
  }
}

void SynthOutput::chunk(const ChunkSynthesis& chunk) {
  const Tensor& mel = chunk.speech.spectrogram;
  if (!args_.save_mel.empty() && mel.numel() > 0) {
    mel_width_ = mel.dim(1);
    mel_.insert(mel_.end(), mel.data(), mel.data() + mel.numel());
  }
  const Tensor& probs = chunk.speech.stop_probs;
  if (!args_.save_stop_probs.empty() && probs.numel() > 0) {
    stop_width_ = probs.dim(1);
    stop_probs_.insert(stop_probs_.end(), probs.data(), probs.data() + probs.numel());
  }
}

void SynthOutput::finish() {
  if (!args_.save_mel.empty()) io::write_npy_f32(args_.save_mel, rows_tensor(mel_, mel_width_));
  if (!args_.save_stop_probs.empty())
    io::write_npy_f32(args_.save_stop_probs, rows_tensor(stop_probs_, stop_width_));
  if (!args_.save_audio.empty())
    io::write_npy_f32(args_.save_audio,
                      Tensor::from_values({static_cast<int64_t>(audio_.size())}, audio_));
  if (args_.output == "-") {
    io::write_wav(stdout, audio_.data(), static_cast<int64_t>(audio_.size()), sample_rate_);
    std::fflush(stdout);
  } else if (!args_.output.empty()) {
    io::write_audio(args_.output, audio_.data(), static_cast<int64_t>(audio_.size()), sample_rate_);
  }
}

}  // namespace speecht5::cli
