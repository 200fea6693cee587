// `speecht5 synth`: token ids (or, later, text) → mel spectrogram (→ waveform). The command
// only parses options and writes files; the model runs in runtime/generator.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "core/error.h"
#include "core/log.h"
#include "io/hub.h"
#include "io/npy.h"
#include "model/tts_model.h"
#include "runtime/generator.h"
#include "runtime/speaker_embedding.h"
#include "runtime/voices.h"

namespace speecht5::cli {
namespace {

struct SynthArgs {
  std::string model;
  std::string input_ids;
  std::string speaker = std::string(kDefaultVoice);
  std::string vocoder = "none";
  std::string save_mel;
  std::string save_stop_probs;
  GenerationOptions generation;
};

std::vector<int64_t> parse_token_ids(const std::string& text) {
  std::vector<int64_t> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    while (used < item.size() && std::isspace(static_cast<unsigned char>(item[used]))) ++used;
    if (item.empty() || used != item.size())
      fail(ErrorCode::kInvalidArgument, "--input-ids: '" + item + "' is not an integer token id");
    ids.push_back(value);
  }
  if (ids.empty()) fail(ErrorCode::kInvalidArgument, "--input-ids: no token ids given");
  return ids;
}

int run_synth(const SynthArgs& a) {
  a.generation.Validate();
  if (a.vocoder != "none")
    fail(ErrorCode::kInvalidArgument, "--vocoder: only 'none' is supported by this build");
  if (a.save_mel.empty())
    fail(ErrorCode::kInvalidArgument, "nothing to write: give --save-mel FILE.npy");
  if (a.input_ids.empty()) fail(ErrorCode::kInvalidArgument, "give --input-ids 4,5,...,2");
  const std::vector<int64_t> ids = parse_token_ids(a.input_ids);
  // A repo id is fetched into (or found in) the Hugging Face cache; a folder is used as is.
  const TtsModel model =
      TtsModel::load(io::resolve_model(a.model, io::HubOptions::from_environment()));
  const Tensor speaker = resolve_speaker(a.speaker, model.config().speaker_embedding_dim);
  const GeneratedSpeech speech = generate_speech(model, ids, speaker, a.generation);
  log::info("generated ", speech.steps, " decoder steps, ", speech.spectrogram.dim(0), " frames");
  io::write_npy_f32(a.save_mel, speech.spectrogram);
  if (!a.save_stop_probs.empty()) io::write_npy_f32(a.save_stop_probs, speech.stop_probs);
  return 0;
}

RegisterCommand synth_command(
    "synth", "Synthesize speech (token ids → mel spectrogram)", [](CLI::App& sub) -> CommandRun {
      auto a = std::make_shared<SynthArgs>();
      sub.add_option(
             "--model", a->model,
             "TTS model folder (config.json + checkpoint) or Hugging Face repo id (org/name)")
          ->required();
      sub.add_option("--input-ids", a->input_ids, "comma-separated token ids, eos (2) included");
      sub.add_option("--speaker", a->speaker,
                     "built-in voice name or x-vector file (.npy / raw float32 .bin)")
          ->capture_default_str();
      sub.add_option("--seed", a->generation.seed, "prenet dropout seed (0 .. 2^64-1)")
          ->check(CLI::Validator(
              [](std::string& v) {
                return v.find('-') == std::string::npos ? std::string()
                                                        : "must be a non-negative integer";
              },
              "", "non-negative"))
          ->capture_default_str();
      sub.add_option("--threshold", a->generation.threshold,
                     "stop when the summed stop probabilities of a step reach this")
          ->capture_default_str();
      sub.add_option("--minlenratio", a->generation.minlenratio,
                     "minimum decoder steps = int(tokens · ratio / r)")
          ->capture_default_str();
      sub.add_option("--maxlenratio", a->generation.maxlenratio,
                     "maximum decoder steps = int(tokens · ratio / r)")
          ->capture_default_str();
      sub.add_option("--vocoder", a->vocoder, "vocoder ('none': mel spectrogram only)")
          ->capture_default_str();
      sub.add_option("--save-mel", a->save_mel, "write the post-net mel [frames, 80] as .npy");
      sub.add_option("--save-stop-probs", a->save_stop_probs,
                     "write the stop probabilities [steps, r] as .npy");
      return [a] { return run_synth(*a); };
    });

}  // namespace
}  // namespace speecht5::cli
