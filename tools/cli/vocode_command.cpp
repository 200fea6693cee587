// `speecht5 vocode`: the HiFi-GAN vocoder alone, on a [frames, 80] float32 mel (.npy).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "command.h"
#include "core/error.h"
#include "core/log.h"
#include "io/audio.h"
#include "io/hub.h"
#include "io/npy.h"
#include "kernels/threading.h"
#include "model/hifigan.h"

namespace speecht5::cli {
namespace {

struct VocodeOptions {
  std::string vocoder;
  std::string mel;
  std::string output;
  std::string save_audio;
  int threads = 0;
  std::string precision = "fp32";
};

// Fails before the (slow) vocoder runs when an output file could not be created anyway.
void check_output_folder(const std::string& path, const char* option) {
  if (path.empty() || path == "-") return;
  const auto parent = std::filesystem::absolute(path).parent_path();
  if (!std::filesystem::is_directory(parent))
    fail(ErrorCode::kIo,
         std::string(option) + " " + path + ": folder " + parent.string() + " does not exist");
}

Tensor read_mel(const std::string& path, int64_t mels) {
  if (!std::filesystem::is_regular_file(path))
    fail(ErrorCode::kIo, "--mel " + path + ": no such file");
  Tensor mel = io::read_npy_f32(path);
  if (mel.rank() == 3 && mel.dim(0) == 1) mel = mel.reshaped({mel.dim(1), mel.dim(2)});
  if (mel.rank() != 2 || mel.dim(1) != mels || mel.dim(0) == 0) {
    std::string hint;
    if (mel.rank() == 2 && mel.dim(0) == mels) hint = " (transposed? save it as [frames, mels])";
    fail(ErrorCode::kInvalidArgument, "--mel " + path + ": expected a [frames, " +
                                          std::to_string(mels) + "] array, got " +
                                          shape_to_string(mel.shape()) + hint);
  }
  return mel;
}

int run_vocode(const VocodeOptions& opt) {
  if (opt.output.empty() && opt.save_audio.empty())
    fail(ErrorCode::kInvalidArgument,
         "nothing to write: give -o FILE.wav (or -o - for stdout) and/or --save-audio FILE.npy");
  if (opt.threads > 0) kernels::set_num_threads(opt.threads);
  check_output_folder(opt.output, "-o");
  if (!opt.output.empty() && opt.output != "-") io::check_audio_extension(opt.output);
  check_output_folder(opt.save_audio, "--save-audio");

  const auto t0 = std::chrono::steady_clock::now();
  // A repo id is fetched into (or found in) the Hugging Face cache; a folder is used as is.
  const HifiGan vocoder =
      HifiGan::load(io::resolve_model(opt.vocoder, io::HubOptions::from_environment()),
                    kernels::conv_precision_for(kernels::parse_precision(opt.precision)));
  const Tensor mel = read_mel(opt.mel, vocoder.num_mel_bins());
  const auto t1 = std::chrono::steady_clock::now();
  const Tensor wave = vocoder.vocode(mel);
  const auto t2 = std::chrono::steady_clock::now();

  const int rate = vocoder.config().sampling_rate;
  if (!opt.save_audio.empty()) io::write_npy_f32(opt.save_audio, wave);
  if (opt.output == "-")
    io::write_wav(stdout, wave.data(), wave.numel(), rate);
  else if (!opt.output.empty())
    io::write_audio(opt.output, wave.data(), wave.numel(), rate);

  const double load_s = std::chrono::duration<double>(t1 - t0).count();
  const double run_s = std::chrono::duration<double>(t2 - t1).count();
  const double audio_s = static_cast<double>(wave.numel()) / rate;
  log::info("vocoded ", mel.dim(0), " frames -> ", wave.numel(), " samples (", audio_s, " s) in ",
            run_s, " s (real-time factor ", run_s / audio_s, "; load ", load_s, " s)");
  return 0;
}

const RegisterCommand kVocode(
    "vocode", "Run the HiFi-GAN vocoder on a mel spectrogram (.npy, [frames, 80])",
    [](CLI::App& sub) -> CommandRun {
      auto opt = std::make_shared<VocodeOptions>();
      sub.add_option("--vocoder", opt->vocoder,
                     "Vocoder folder (config.json + model.safetensors or pytorch_model.bin) "
                     "or Hugging Face repo id (org/name)")
          ->required();
      sub.add_option("--mel", opt->mel, "Mel spectrogram, float32 .npy of shape [frames, 80]")
          ->required();
      sub.add_option("-o,--output", opt->output,
                     "Audio file (.wav 16-bit PCM; .flac/.ogg/.aiff/.au by extension; - = WAV on "
                     "stdout)");
      sub.add_option("--save-audio", opt->save_audio,
                     "Also save the float32 waveform (before quantisation) as .npy");
      sub.add_option("--threads", opt->threads, "Threads (default: all cores)");
      sub.add_option("--precision", opt->precision,
                     "Convolutions in fp32 (reference numerics) or bf16 (int8: same as bf16, as "
                     "in synth)")
          ->check(CLI::IsMember({"fp32", "bf16", "int8"}))
          ->capture_default_str();
      sub.footer(
          "Example:\n  speecht5 vocode --vocoder speecht5_hifigan --mel mel.npy -o speech.wav");
      return [opt] { return run_vocode(*opt); };
    });

}  // namespace
}  // namespace speecht5::cli
