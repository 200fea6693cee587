// The options of `speecht5 synth` (a contract: scripts and tests outside the project use these
// names) and their help text.
#include "synth_options.h"

#include <cctype>
#include <sstream>

#include "core/error.h"

namespace speecht5::cli {
namespace {

// CLI11 reads "-3" into an unsigned seed as a huge number; refuse it instead.
const CLI::Validator kNonNegative(
    [](std::string& v) {
      return v.find('-') == std::string::npos ? std::string() : "must be a non-negative integer";
    },
    "", "non-negative");

const char* kFooter =
    R"(Text comes from the arguments, or else from standard input, one utterance per
line. Long text is split at sentences (then clauses); the pieces are joined with
--sentence-silence seconds of silence, also between utterances.

Output: give at least one of -o FILE, -o -, --output-raw, --save-mel, --save-audio.
  -o FILE.wav   16-bit PCM WAV (.flac, .ogg, .aiff, .au by extension)
  -o -          WAV on standard output (written when synthesis is complete)
  --output-raw  headerless 16-bit little-endian mono PCM on standard output at
                16 kHz, streamed while the decoder runs (e.g. | aplay -r 16000 -f S16_LE)

Models: folders (config.json + model.safetensors or pytorch_model.bin) or Hugging Face
Hub repo ids, downloaded on first use into the Hugging Face cache (HF_HOME, HF_HUB_CACHE,
HF_HUB_OFFLINE and HF_TOKEN are honoured).

Examples:
  speecht5 "Hello world." -o hello.wav
  speecht5 -s bdl "It costs $42.50, Dr. Smith." -o price.flac
  echo "One line, one utterance." | speecht5 --output-raw | aplay -r 16000 -f S16_LE -c 1
  speecht5 -m ./speecht5_tts --vocoder ./speecht5_hifigan -o - "Piped WAV." > out.wav
  speecht5 --model ./tts --vocoder none --input-ids 4,5,6,2 --seed 1 --save-mel mel.npy
  speecht5 voices     (the built-in voices for -s))";

}  // namespace

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

void add_synth_options(CLI::App& app, SynthArgs& a) {
  GenerationOptions& gen = a.synthesis.generation;
  app.add_option("text", a.words, "Text to speak (standard input, line by line, when absent)");
  app.add_option("-m,--model", a.model, "TTS model: folder or Hub repo id")->capture_default_str();
  app.add_option("--vocoder", a.vocoder,
                 "HiFi-GAN vocoder: folder, Hub repo id, or 'none' (mel spectrograms only)")
      ->capture_default_str();
  app.add_option("-s,--speaker", a.speaker,
                 "Voice: a built-in name (awb bdl clb ksp rms slt; see `speecht5 voices`) or an "
                 "x-vector file (.npy, or raw float32 .bin, 512 values)")
      ->capture_default_str();
  app.add_option("-o,--output", a.output, "Audio file to write ('-': WAV on standard output)");
  app.add_flag("--output-raw", a.output_raw,
               "Stream raw 16-bit PCM (16 kHz mono) to standard output as it is made");
  app.add_option("--sentence-silence", a.synthesis.sentence_silence,
                 "Seconds of silence between sentences and utterances (0 .. 60)")
      ->capture_default_str();
  app.add_option("--seed", gen.seed, "Prenet dropout seed: the same seed gives the same audio")
      ->check(kNonNegative)
      ->capture_default_str();
  app.add_option("--threshold", gen.threshold,
                 "Stop when a step's summed stop probabilities reach this")
      ->capture_default_str();
  app.add_option("--minlenratio", gen.minlenratio,
                 "Minimum decoder steps = int(tokens · ratio / r)")
      ->capture_default_str();
  app.add_option("--maxlenratio", gen.maxlenratio,
                 "Maximum decoder steps = int(tokens · ratio / r)")
      ->capture_default_str();
  app.add_option("--save-mel", a.save_mel,
                 "Write the post-net mel spectrogram [frames, 80] as float32 .npy "
                 "(all chunks, concatenated)");
  app.add_option("--save-stop-probs", a.save_stop_probs,
                 "Write the stop probabilities [steps, r] as float32 .npy");
  app.add_option("--save-audio", a.save_audio,
                 "Write the float32 waveform (before 16-bit quantisation) as .npy");
  app.add_option("--input-ids", a.input_ids,
                 "Comma-separated token ids (`</s>` = 2 included) instead of text");
  app.add_flag("--no-normalize", a.no_normalize,
               "Do not read numbers, symbols and abbreviations as English words");
  app.add_option("--threads", a.threads, "Threads for the kernels (0: all cores)")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  app.add_option("--precision", a.precision,
                 "fp32 (reference numerics); bf16 or int8 linear-layer weights, both with bf16 "
                 "vocoder convolutions")
      ->check(CLI::IsMember({"fp32", "bf16", "int8"}))
      ->capture_default_str();
  CLI::Option* quiet = app.add_flag("-q,--quiet", a.quiet, "Print nothing but errors");
  app.add_flag("-v,--verbose", a.verbose,
               "Per-utterance timing and real-time factor on standard error")
      ->excludes(quiet);
  app.footer(kFooter);
}

}  // namespace speecht5::cli
