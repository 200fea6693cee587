#pragma once
// English text normaliser run before tokenisation (on by default), so that nothing the character
// vocabulary lacks is silently lost: numbers, currency, units, times, abbreviations and symbols
// become words, and characters outside the vocabulary become their nearest in-vocabulary form.
// The rules are documented in docs/TEXT.md.
#include <string>
#include <string_view>

namespace speecht5::text {

class Tokenizer;

// Normalises UTF-8 `text`. Characters are kept or dropped by `vocabulary` (the built-in
// speecht5_tts vocabulary when null); what is dropped is reported through log::debug. Invalid
// UTF-8 throws Error(kInvalidArgument) with the byte offset. The result has single spaces, no
// leading/trailing whitespace, and paragraph breaks (blank lines) end with sentence punctuation.
std::string normalize_text(std::string_view text, const Tokenizer* vocabulary = nullptr);

}  // namespace speecht5::text
