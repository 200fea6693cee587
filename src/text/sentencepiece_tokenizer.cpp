// The SentencePiece path: real checkpoints ship `spm_char.model`, and tokenizing through the
// library guarantees the same ids as the reference for any vocabulary a fine-tune brings.
#include <sentencepiece_processor.h>

#include "core/error.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

namespace speecht5::text {
namespace {

// The reference SpeechT5Tokenizer adds `<mask>` and `<ctc_blank>` after the SentencePiece pieces.
constexpr int kAddedTokens = 2;

class SentencePieceTokenizer final : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::filesystem::path& path) : path_(path) {
    if (!std::filesystem::exists(path)) {
      fail(ErrorCode::kIo, "SentencePiece model not found: " + path.string());
    }
    const auto status = processor_.Load(path.string());
    if (!status.ok()) {
      fail(ErrorCode::kFormat,
           "cannot load SentencePiece model " + path.string() + ": " + status.ToString());
    }
    if (processor_.eos_id() != kEosId || processor_.unk_id() != kUnkId) {
      fail(ErrorCode::kFormat, "SentencePiece model " + path.string() + " has eos id " +
                                   std::to_string(processor_.eos_id()) + " and unk id " +
                                   std::to_string(processor_.unk_id()) +
                                   "; SpeechT5 expects </s> = 2 and <unk> = 3");
    }
  }

  Encoding encode(std::string_view text) const override {
    decode_utf8(text);  // same validation and message as the built-in path
    Encoding enc;
    check(processor_.Encode(text, &enc.pieces));
    check(processor_.Encode(text, &enc.ids));
    enc.ids.push_back(kEosId);
    return enc;
  }

  int vocab_size() const override { return processor_.GetPieceSize() + kAddedTokens; }

  bool has_character(std::string_view ch) const override {
    const int id = processor_.PieceToId(ch);
    return id != processor_.unk_id() && !processor_.IsControl(id);
  }

  std::string description() const override { return "sentencepiece " + path_.string(); }

 private:
  void check(const sentencepiece::util::Status& status) const {
    if (!status.ok()) {
      fail(ErrorCode::kInvalidArgument,
           "SentencePiece (" + path_.string() + ") failed to encode: " + status.ToString());
    }
  }

  std::filesystem::path path_;
  sentencepiece::SentencePieceProcessor processor_;
};

}  // namespace

std::unique_ptr<Tokenizer> make_sentencepiece_tokenizer(const std::filesystem::path& model_file) {
  return std::make_unique<SentencePieceTokenizer>(model_file);
}

}  // namespace speecht5::text
