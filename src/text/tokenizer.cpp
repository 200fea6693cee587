#include "text/tokenizer.h"

#include <unordered_map>

#include "core/error.h"
#include "core/log.h"
#include "model/config.h"
#include "text/utf8.h"

namespace speecht5::text {
namespace {

constexpr const char* kStockPieces[] = {
#include "text/vocabulary_table.inc"
};
constexpr int kStockPieceCount = static_cast<int>(std::size(kStockPieces));
constexpr char32_t kMetaSpace = U'\u2581';  // SentencePiece's visible space, piece id 4

// Mirrors SentencePiece 0.1.97 with the spm_char model: identity normaliser, only ASCII spaces
// are whitespace (collapsed, trimmed, then written as U+2581 with a dummy prefix), one piece per
// code point, and consecutive unknown code points merged into a single `<unk>` piece. Literal
// U+2581 in the input behaves as SentencePiece treats it (kept, but stripped at the end).
class BuiltinCharTokenizer final : public Tokenizer {
 public:
  BuiltinCharTokenizer() {
    for (int id = 0; id < kStockPieceCount; ++id) {
      const std::u32string cps = decode_utf8(kStockPieces[id], "built-in vocabulary");
      // Multi-character pieces are control/added tokens (`<s>`, `<mask>`): never matched in text.
      if (cps.size() == 1) ids_[cps[0]] = id;
    }
  }

  Encoding encode(std::string_view text) const override {
    const std::u32string cps = decode_utf8(text);
    // SentencePiece's normalised form: dummy prefix, spaces collapsed to one U+2581 (leading ones
    // dropped), then every trailing U+2581 stripped, including literal ones from the input.
    std::u32string normalized(1, kMetaSpace);
    bool pending_space = false;
    for (char32_t cp : cps) {
      if (cp == U' ') {
        pending_space = normalized.size() > 1;
        continue;
      }
      if (pending_space) normalized.push_back(kMetaSpace);
      pending_space = false;
      normalized.push_back(cp);
    }
    while (!normalized.empty() && normalized.back() == kMetaSpace) normalized.pop_back();

    Encoding enc;
    bool previous_unknown = false;
    for (char32_t cp : normalized) push(enc, cp, previous_unknown);
    enc.ids.push_back(kEosId);
    return enc;
  }

  int vocab_size() const override { return kStockPieceCount; }

  bool has_character(std::string_view ch) const override {
    const std::u32string cps = decode_utf8(ch);
    return cps.size() == 1 && ids_.count(cps[0]) > 0;
  }

  std::string description() const override { return "built-in spm_char (speecht5_tts)"; }

 private:
  void push(Encoding& enc, char32_t cp, bool& previous_unknown) const {
    const auto it = ids_.find(cp);
    if (it == ids_.end()) {
      if (previous_unknown) {
        append_utf8(enc.pieces.back(), cp);
      } else {
        enc.pieces.push_back(encode_utf8(std::u32string(1, cp)));
        enc.ids.push_back(kUnkId);
      }
      previous_unknown = true;
      return;
    }
    enc.pieces.push_back(encode_utf8(std::u32string(1, cp)));
    enc.ids.push_back(it->second);
    previous_unknown = false;
  }

  std::unordered_map<char32_t, int> ids_;
};

}  // namespace

std::unique_ptr<Tokenizer> make_builtin_tokenizer() {
  return std::make_unique<BuiltinCharTokenizer>();
}

void check_vocab_size(const Tokenizer& tokenizer, int config_vocab_size, const std::string& where) {
  if (tokenizer.vocab_size() == config_vocab_size) return;
  fail(ErrorCode::kModel, where + ": vocab_size " + std::to_string(config_vocab_size) +
                              " does not match the tokenizer (" + tokenizer.description() + ", " +
                              std::to_string(tokenizer.vocab_size()) + " ids)");
}

std::unique_ptr<Tokenizer> make_tokenizer(const std::filesystem::path& model_dir) {
  if (model_dir.empty()) return make_builtin_tokenizer();
  const auto spm = model_dir / "spm_char.model";
  std::unique_ptr<Tokenizer> tokenizer =
      std::filesystem::exists(spm) ? make_sentencepiece_tokenizer(spm) : make_builtin_tokenizer();
  log::debug("tokenizer: ", tokenizer->description());
  const auto config = model_dir / "config.json";
  if (std::filesystem::exists(config)) {
    check_vocab_size(*tokenizer, load_tts_config(config).vocab_size, config.string());
  }
  return tokenizer;
}

}  // namespace speecht5::text
