#pragma once
// Reads numeric expressions in English for the normaliser: integers with thousands separators,
// decimals, signs, ordinals, decades, years, times, currency amounts, percentages, units and
// alphanumeric names ("221B", "MP3"). Input is text already passed through the character map.
#include <optional>
#include <string>
#include <string_view>

namespace speecht5::text {

struct NumberContext {
  bool after_month = false;  // the previous word is a month name: "March 3" -> "March third"
};

// True for the characters that may start a numeric expression at `pos` (a digit, or a sign,
// currency symbol, decimal point or apostrophe directly before one).
bool starts_number(std::u32string_view s, size_t pos);

// Reads the expression starting at `pos` (where starts_number is true) and appends its reading
// (lowercase words, no leading/trailing space) to `out`. Returns the position after everything it
// consumed, or nullopt when nothing numeric starts there.
std::optional<size_t> read_number(std::u32string_view s, size_t pos, const NumberContext& context,
                                  std::string& out);

// Reads a token of letters and digits that starts with letters ("MP3", "A380", "COVID19"):
// short all-capital letter runs are spelled out, digit runs read as names.
size_t read_alphanumeric(std::u32string_view s, size_t pos, std::string& out);

bool is_ascii_digit(char32_t c);
bool is_ascii_letter(char32_t c);

}  // namespace speecht5::text
