// Runs `speecht5 synth`: checks the options, loads the models, feeds the text (arguments, token
// ids or standard input line by line) to the Synthesizer and hands the audio to SynthOutput.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/log.h"
#include "kernels/threading.h"
#include "runtime/speaker_embedding.h"
#include "runtime/voices.h"
#include "synth_options.h"
#include "synth_output.h"

namespace speecht5::cli {
namespace {

namespace fs = std::filesystem;

void require_range(double value, const char* option, double lo, double hi) {
  if (!std::isfinite(value) || value < lo || value > hi)
    fail(ErrorCode::kInvalidArgument, std::string(option) + ": must be a number from " +
                                          std::to_string(lo) + " to " + std::to_string(hi) +
                                          ", got " + std::to_string(value));
}

void check_numbers(const SynthArgs& a) {
  const GenerationOptions& g = a.synthesis.generation;
  require_range(g.threshold, "--threshold", 0, 1e6);
  require_range(g.minlenratio, "--minlenratio", 0, 1e6);
  require_range(g.maxlenratio, "--maxlenratio", 0, 1e6);
  require_range(a.synthesis.sentence_silence, "--sentence-silence", 0, 60);
}

// True for a local folder (or, for --model, a checkpoint file); false for a Hub repo id;
// Error naming the option for anything else. Never touches the network.
bool is_local_model(const std::string& value, const std::string& option) {
  if (value.empty()) fail(ErrorCode::kInvalidArgument, option + ": empty model path");
  if (fs::is_directory(value)) return true;
  if (option == "--model" && fs::is_regular_file(value)) return true;  // checkpoint file
  const bool looks_like_path = value.front() == '.' || value.front() == '/' || value.front() == '~';
  if (looks_like_path || !io::is_valid_repo_id(value))
    fail(ErrorCode::kIo, option + ": model folder not found: " + value +
                             " (give a folder with config.json and the weights, or a Hub repo "
                             "id such as " +
                             (option == "--model" ? io::kDefaultTtsRepo : io::kDefaultVocoderRepo) +
                             ")");
  return false;
}

// A folder as it is; otherwise a Hub repo id, fetched (or found in the cache).
fs::path resolve_folder(const std::string& value, const std::string& option) {
  if (is_local_model(value, option)) return value;
  try {
    return io::resolve_model(value, io::HubOptions::from_environment());
  } catch (const Error& e) {
    fail(e.code(), option + " " + value + ": " + e.what());
  }
}

void check_speaker(const std::string& speaker) {
  if (find_builtin_voice(speaker) || fs::is_regular_file(speaker)) return;
  std::string names;
  for (const BuiltinVoice& v : builtin_voices()) {
    if (!names.empty()) names += ", ";
    names += v.name;
  }
  fail(ErrorCode::kInvalidArgument, "--speaker: unknown voice '" + speaker +
                                        "' and no such file (built-in voices: " + names +
                                        "; or give a .npy / raw float32 .bin x-vector file)");
}

// A one-line progress report on a terminal; nothing when stderr is a pipe or a file.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO)) {}
  ~Progress() { clear(); }
  void update(size_t utterance, size_t chunk, size_t chunks, bool many_utterances) {
    if (!enabled_ || (chunks < 2 && !many_utterances)) return;
    std::fprintf(stderr, "\r\033[Kspeecht5: utterance %zu, chunk %zu/%zu", utterance, chunk,
                 chunks);
    std::fflush(stderr);
    shown_ = true;
  }
  void clear() {
    if (shown_) std::fputs("\r\033[K", stderr);
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
};

struct Run {
  const SynthArgs& args;
  const Synthesizer& synth;
  const Tensor& speaker;
  SynthesisOptions options;
  SynthOutput& output;
  Progress progress;
  size_t utterances = 0;
  bool many_utterances = false;

  double seconds_of(const ChunkSynthesis& c) const {
    const int64_t spf = synth.vocoder() ? synth.vocoder()->samples_per_frame() : 256;
    return static_cast<double>(c.speech.spectrogram.dim(0) * spf) / synth.sample_rate();
  }

  void report(const ChunkSynthesis& c, size_t index, size_t count) {
    output.chunk(c);
    progress.update(utterances, index + 1, count, many_utterances);
    if (!args.verbose) return;
    const double audio = seconds_of(c), work = c.generate_seconds + c.vocode_seconds;
    progress.clear();
    std::fprintf(stderr,
                 "speecht5: utterance %zu chunk %zu/%zu: %zu tokens, %lld steps, %.2f s audio; "
                 "decoder %.3f s, vocoder %.3f s, first audio %.3f s, RTF %.3f\n",
                 utterances, index + 1, count, c.ids.size(), static_cast<long long>(c.speech.steps),
                 audio, c.generate_seconds, c.vocode_seconds, c.first_audio_seconds,
                 audio > 0 ? work / audio : 0.0);
  }

  // One utterance (one line of input): silence before it unless it is the first.
  void utterance(const std::vector<text::TextChunk>& chunks, const std::vector<int64_t>* ids) {
    if (utterances++ > 0 && synth.has_vocoder()) {
      const std::vector<float> silence(synth.silence_samples(options), 0.0f);
      output.audio(silence.data(), static_cast<int64_t>(silence.size()));
    }
    const Synthesizer::AudioSink sink =
        output.streaming()
            ? Synthesizer::AudioSink([this](const float* s, int64_t n) { output.audio(s, n); })
            : nullptr;
    if (ids) {
      const ChunkSynthesis c = synth.synthesize_ids(*ids, speaker, options, sink);
      if (!sink) output.audio(c.audio.data(), static_cast<int64_t>(c.audio.size()));
      report(c, 0, 1);
      return;
    }
    const Synthesis s = synth.synthesize_chunks(
        chunks, speaker, options, sink,
        [this](const ChunkSynthesis& c, size_t i, size_t n) { report(c, i, n); });
    if (!sink) output.audio(s.audio.data(), static_cast<int64_t>(s.audio.size()));
  }
};

}  // namespace

int run_synth(const SynthArgs& a) {
  if (a.quiet) log::set_level(log::Level::kError);
  if (a.verbose) log::set_level(log::Level::kInfo);
  check_numbers(a);
  if (!a.input_ids.empty() && !a.words.empty())
    fail(ErrorCode::kInvalidArgument, "give either TEXT or --input-ids, not both");
  std::optional<std::vector<int64_t>> ids;
  if (!a.input_ids.empty()) ids = parse_token_ids(a.input_ids);
  check_speaker(a.speaker);
  SynthOutput output(a);
  if (a.threads > 0) kernels::set_num_threads(a.threads);
  const kernels::Precision precision = kernels::parse_precision(a.precision);

  const fs::path model_dir = resolve_folder(a.model, "--model");
  // The vocoder is loaded only when audio is asked for (--save-mel alone needs none).
  const bool wants_audio = !a.output.empty() || a.output_raw || !a.save_audio.empty();
  if (a.vocoder != "none" && !wants_audio) is_local_model(a.vocoder, "--vocoder");  // typos
  const fs::path vocoder_dir =
      a.vocoder == "none" || !wants_audio ? fs::path() : resolve_folder(a.vocoder, "--vocoder");
  const Synthesizer synth = Synthesizer::load(model_dir, vocoder_dir, precision);
  output.set_sample_rate(synth.sample_rate());
  const Tensor speaker = resolve_speaker(a.speaker, synth.speaker_embedding_dim());
  SynthesisOptions options = a.synthesis;
  options.normalize = !a.no_normalize;
  Run run{a, synth, speaker, options, output, Progress(!a.quiet && !a.verbose)};

  if (ids) {
    run.utterance({}, &*ids);
  } else if (!a.words.empty()) {
    std::string text;
    for (const auto& w : a.words) {
      if (!text.empty()) text += ' ';
      text += w;
    }
    run.utterance(synth.prepare(text, options), nullptr);
  } else {
    if (::isatty(STDIN_FILENO) && !a.quiet)
      std::fputs(
          "speecht5: reading text from standard input, one utterance per line "
          "(Ctrl-D to end)\n",
          stderr);
    run.many_utterances = true;
    std::string line;
    for (size_t number = 1; std::getline(std::cin, line); ++number) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t\f\v") == std::string::npos) continue;  // blank line
      std::vector<text::TextChunk> chunks;
      try {
        chunks = synth.prepare(line, options);
      } catch (const Error& e) {
        fail(e.code(), "standard input line " + std::to_string(number) + ": " + e.what());
      }
      run.utterance(chunks, nullptr);
    }
    if (run.utterances == 0)
      fail(ErrorCode::kInvalidArgument,
           "no text to speak: give TEXT arguments or lines of text on standard input");
  }
  run.progress.clear();
  output.finish();
  return 0;
}

}  // namespace speecht5::cli
