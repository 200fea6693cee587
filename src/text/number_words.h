#pragma once
// English readings of digit strings, used by the normaliser. Every function takes ASCII digits
// only (no sign, separators or decimal point) and returns lowercase words separated by single
// spaces, without "and" or hyphens ("one hundred twenty three", "forty two").
#include <string>
#include <string_view>

namespace speecht5::text {

// Digit strings longer than this are read digit by digit (beyond the trillions).
inline constexpr size_t kMaxCardinalDigits = 15;

std::string cardinal_words(std::string_view digits);  // "1000000" -> "one million"
std::string ordinal_words(std::string_view digits);   // "21" -> "twenty first"
std::string digit_words(std::string_view digits);     // "007" -> "zero zero seven"
// A year: "1999" -> "nineteen ninety nine", "1905" -> "nineteen oh five", "1900" -> "nineteen
// hundred", "2005" -> "two thousand five", "2010" -> "twenty ten". Other values: cardinal.
std::string year_words(std::string_view digits);
// A number used as a name (house numbers, models: "221B", "A380"): "221" -> "two twenty one",
// "101" -> "one oh one", "1999" -> as a year, others as a cardinal.
std::string nominal_words(std::string_view digits);

// The value of a canonical upper-case Roman numeral ("XIV" -> 14, 1..3999), or 0 when `text`
// is not one ("IIII", "VX", "ABC").
int roman_value(std::string_view text);

// Turns the last word of a reading into its ordinal or plural form:
// "twenty one" -> "twenty first", "ninety" -> "ninetieth"; "nineteen ninety" -> "nineteen
// nineties".
std::string ordinal_of(const std::string& cardinal_reading);
std::string plural_of(const std::string& reading);

}  // namespace speecht5::text
