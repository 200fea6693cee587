#pragma once
// Splits long (normalised) text into chunks the model can synthesise well: one chunk per
// sentence; a sentence longer than the limit is cut at clause boundaries (, ; : —), then between
// words, and a single word longer than the limit is cut hard. Sizes are in code points: with the
// character tokenizer a chunk of n code points gives at most n + 2 token ids (`▁` prefix, `</s>`).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace speecht5::text {

// 300 code points <= 302 ids, well inside the encoder's 450 positions (max_text_positions), and
// about 20 s of speech (~1,250 mel frames), far from max_speech_positions (4,000); attention and
// the stop decision degrade on inputs much longer than the ~100-200 characters of a typical
// sentence of the training data, so long sentences are better cut at their clauses.
inline constexpr size_t kDefaultMaxChunkChars = 300;

// Splits UTF-8 text (invalid UTF-8: Error(kInvalidArgument)). Chunks are trimmed of spaces,
// never empty, at most `max_chars` code points (>= 1), and in order; joined with spaces they give
// the input with its runs of spaces collapsed (other whitespace is kept).
std::vector<std::string> split_text(std::string_view text,
                                    size_t max_chars = kDefaultMaxChunkChars);

}  // namespace speecht5::text
