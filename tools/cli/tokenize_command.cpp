// `speecht5 tokenize [--json] [--model DIR] [--no-normalize] TEXT...`: shows what the model
// will read: the normalised text and its token ids (`</s>` included).
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "command.h"
#include "core/error.h"
#include "text/front_end.h"

namespace speecht5::cli {
namespace {

struct TokenizeOptions {
  std::vector<std::string> words;
  std::string model_dir;
  bool json = false;
  bool no_normalize = false;
};

int run_tokenize(const TokenizeOptions& options) {
  std::string input;
  if (options.words.empty()) {  // no TEXT: read standard input
    input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    for (const auto& word : options.words) input += (input.empty() ? "" : " ") + word;
  }
  if (!options.model_dir.empty() && !std::filesystem::is_directory(options.model_dir)) {
    fail(ErrorCode::kIo, "model folder not found: " + options.model_dir);
  }
  const auto tokenizer = text::make_tokenizer(options.model_dir);
  const std::string prepared = text::prepare_text(input, *tokenizer, !options.no_normalize);
  const std::vector<int> ids = tokenizer->encode_ids(prepared);
  if (options.json) {
    const nlohmann::ordered_json out = {{"normalized", prepared}, {"ids", ids}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s\n", prepared.c_str());
    std::string line;
    for (int id : ids) line += (line.empty() ? "" : " ") + std::to_string(id);
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

RegisterCommand tokenize_command(
    "tokenize", "Show the normalised text and the token ids the model reads",
    [](CLI::App& sub) -> CommandRun {
      auto options = std::make_shared<TokenizeOptions>();
      sub.add_option("text", options->words, "Text to tokenize (standard input when absent)");
      sub.add_option("-m,--model", options->model_dir,
                     "Model folder; its spm_char.model is used when present");
      sub.add_flag("--json", options->json,
                   "Print one JSON object {\"normalized\": ..., \"ids\": [...]}");
      sub.add_flag("--no-normalize", options->no_normalize,
                   "Tokenize the text as given (the reference tokenizer's behaviour)");
      sub.footer(
          "Examples:\n"
          "  speecht5 tokenize \"Dr. Smith paid $42.50 on May 3rd.\"\n"
          "  speecht5 tokenize --json --no-normalize \"Hello world\"");
      return [options] { return run_tokenize(*options); };
    });

}  // namespace
}  // namespace speecht5::cli
