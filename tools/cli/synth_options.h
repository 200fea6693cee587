#pragma once
// `speecht5 synth`: the options as parsed from the command line, and the steps that run them
// (synth_options.cpp declares the options, synth_run.cpp runs the synthesis, synth_output.cpp
// writes what was asked for).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "io/hub.h"
#include "runtime/synthesizer.h"

namespace speecht5::cli {

struct SynthArgs {
  std::vector<std::string> words;  // TEXT...; none: one utterance per line of standard input
  std::string model = io::kDefaultTtsRepo;
  std::string vocoder = io::kDefaultVocoderRepo;  // "none": mel spectrograms only
  std::string speaker = "slt";
  std::string output;       // -o: audio file by extension, "-" for WAV on stdout
  bool output_raw = false;  // raw 16-bit PCM on stdout, streamed
  std::string save_mel, save_stop_probs, save_audio;
  std::string input_ids;  // comma-separated token ids instead of text
  bool no_normalize = false;
  int threads = 0;  // 0: all cores
  std::string precision = "fp32";
  bool quiet = false;
  bool verbose = false;
  SynthesisOptions synthesis;
};

void add_synth_options(CLI::App& app, SynthArgs& args);
int run_synth(const SynthArgs& args);

// "4,5,6,2" → ids; Error(kInvalidArgument) naming --input-ids and the bad item.
std::vector<int64_t> parse_token_ids(const std::string& text);

}  // namespace speecht5::cli
