#pragma once
// Context-free replacements for characters the vocabulary lacks: accented letters, Unicode
// spaces, typographic quotes and dashes, ligatures, full-width forms. Symbols that need a reading
// (currency, %, &, ...) are not here: the normaliser reads them in context.
#include <optional>
#include <string_view>

namespace speecht5::text {

// The replacement (UTF-8, possibly empty = drop) for `cp`, or nullopt when there is none.
std::optional<std::string_view> replacement_for(char32_t cp);

}  // namespace speecht5::text
