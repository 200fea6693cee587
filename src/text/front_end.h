#pragma once
// The text front end: user text -> normalised chunks of token ids, ready for the encoder.
#include <string>
#include <string_view>
#include <vector>

#include "text/splitter.h"
#include "text/tokenizer.h"

namespace speecht5::text {

struct FrontEndOptions {
  bool normalize = true;                           // --no-normalize turns it off
  size_t max_chunk_chars = kDefaultMaxChunkChars;  // see splitter.h
  size_t max_tokens = 450;                         // the model's max_text_positions
};

struct TextChunk {
  std::string text;      // the (normalised) text of the chunk
  std::vector<int> ids;  // its token ids, `</s>` appended
};

// Validates and normalises (unless `normalize` is false) the whole text: Error(kInvalidArgument)
// for invalid UTF-8 (with the byte offset), for empty or whitespace-only text, and for text with
// nothing left to read after normalisation (only emoji, say).
std::string prepare_text(std::string_view text, const Tokenizer& tokenizer, bool normalize = true);

// Normalises (unless disabled), splits and tokenizes `text`. Throws Error(kInvalidArgument) for
// invalid UTF-8 (with the byte offset), for text with nothing to say (empty, whitespace only, or
// only characters without a reading), and for options that could exceed max_tokens.
std::vector<TextChunk> text_to_chunks(std::string_view text, const Tokenizer& tokenizer,
                                      const FrontEndOptions& options = {});

}  // namespace speecht5::text
