#pragma once
// Text -> token ids for the SpeechT5 text encoder. Two implementations behave identically on the
// stock vocabulary: a built-in copy of the microsoft/speecht5_tts `spm_char` character tokenizer
// (table compiled into the binary), and the SentencePiece library, used whenever a model folder
// ships its own `spm_char.model` (fine-tuned models may have a different vocabulary).
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace speecht5::text {

inline constexpr int kPadId = 1;
inline constexpr int kEosId = 2;  // `</s>`, appended to every encoding
inline constexpr int kUnkId = 3;  // `<unk>`: one id for a whole run of unknown characters

struct Encoding {
  std::vector<std::string> pieces;  // surface pieces, without the final `</s>`
  std::vector<int> ids;             // token ids, `</s>` (2) appended
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Encodes UTF-8 text exactly as the reference SpeechT5Tokenizer does (no normalisation beyond
  // SentencePiece's own whitespace handling). Invalid UTF-8 throws Error(kInvalidArgument) with
  // the byte offset.
  virtual Encoding encode(std::string_view text) const = 0;
  std::vector<int> encode_ids(std::string_view text) const { return encode(text).ids; }

  // Number of ids the embedding table must hold: the SentencePiece pieces plus the reference
  // tokenizer's added tokens `<mask>` and `<ctc_blank>` (81 for the stock model).
  virtual int vocab_size() const = 0;
  // True when `ch` (one code point, UTF-8) is a piece of its own, i.e. not `<unk>`.
  virtual bool has_character(std::string_view ch) const = 0;
  // "built-in spm_char" or "sentencepiece <path>", for logs.
  virtual std::string description() const = 0;
};

// The built-in character tokenizer with the stock speecht5_tts vocabulary.
std::unique_ptr<Tokenizer> make_builtin_tokenizer();
// SentencePiece with the given model file; Error(kIo/kFormat) when it cannot be loaded.
std::unique_ptr<Tokenizer> make_sentencepiece_tokenizer(const std::filesystem::path& model_file);

// `model_dir/spm_char.model` when it exists (SentencePiece), else the built-in tokenizer. An empty
// path gives the built-in one. When `model_dir/config.json` exists, its vocab_size is checked
// against the tokenizer (check_vocab_size).
std::unique_ptr<Tokenizer> make_tokenizer(const std::filesystem::path& model_dir);

// Throws Error(kModel) when a model with `config_vocab_size` token embeddings cannot take this
// tokenizer's ids; `where` names the config in the message.
void check_vocab_size(const Tokenizer& tokenizer, int config_vocab_size, const std::string& where);

}  // namespace speecht5::text
