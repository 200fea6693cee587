#include "text/front_end.h"

#include <algorithm>

#include "core/error.h"
#include "core/log.h"
#include "text/normalizer.h"
#include "text/utf8.h"

namespace speecht5::text {

std::string prepare_text(std::string_view text, const Tokenizer& tokenizer, bool normalize) {
  const std::u32string cps = decode_utf8(text);  // validates before anything else
  const bool blank = std::all_of(cps.begin(), cps.end(), [](char32_t c) {
    return c == U' ' || (c >= U'\t' && c <= U'\r') || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF;
  });
  if (blank) fail(ErrorCode::kInvalidArgument, "text is empty or whitespace only");
  if (!normalize) return std::string(text);
  std::string normalized = normalize_text(text, &tokenizer);
  if (normalized.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "text has nothing to read (only characters without a reading, such as emoji)");
  }
  return normalized;
}

std::vector<TextChunk> text_to_chunks(std::string_view text, const Tokenizer& tokenizer,
                                      const FrontEndOptions& options) {
  // Every piece covers at least one code point, plus the `▁` prefix and `</s>`.
  if (options.max_chunk_chars == 0 || options.max_chunk_chars + 2 > options.max_tokens) {
    fail(ErrorCode::kInvalidArgument,
         "chunk size of " + std::to_string(options.max_chunk_chars) +
             " characters must be between 1 and " + std::to_string(options.max_tokens - 2) +
             " (the encoder takes " + std::to_string(options.max_tokens) + " tokens)");
  }
  const std::string prepared = prepare_text(text, tokenizer, options.normalize);
  std::vector<TextChunk> chunks;
  for (std::string& chunk : split_text(prepared, options.max_chunk_chars)) {
    std::vector<int> ids = tokenizer.encode_ids(chunk);
    if (ids.size() <= 1) continue;  // only characters SentencePiece strips (e.g. a lone U+2581)
    if (ids.size() > options.max_tokens) {
      fail(ErrorCode::kInternal, "a chunk of " + std::to_string(ids.size()) +
                                     " tokens exceeds the encoder's " +
                                     std::to_string(options.max_tokens));
    }
    chunks.push_back({std::move(chunk), std::move(ids)});
  }
  if (chunks.empty()) fail(ErrorCode::kInvalidArgument, "text has nothing to read");
  log::debug("front end: ", chunks.size(), " chunk(s) from ", text.size(), " bytes");
  return chunks;
}

}  // namespace speecht5::text
