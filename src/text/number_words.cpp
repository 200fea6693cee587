#include "text/number_words.h"

#include <array>

namespace speecht5::text {
namespace {

constexpr std::array<const char*, 20> kOnes = {
    "zero",     "one",     "two",     "three",     "four",     "five",    "six",
    "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",  "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
constexpr std::array<const char*, 10> kTens = {"",      "",      "twenty",  "thirty", "forty",
                                               "fifty", "sixty", "seventy", "eighty", "ninety"};
constexpr std::array<const char*, 5> kScales = {"", "thousand", "million", "billion", "trillion"};

void append_word(std::string& out, std::string_view word) {
  if (word.empty()) return;
  if (!out.empty()) out += ' ';
  out += word;
}

// 0 < n < 1000
std::string below_thousand(int n) {
  std::string out;
  if (n >= 100) {
    append_word(out, kOnes[n / 100]);
    append_word(out, "hundred");
    n %= 100;
  }
  if (n >= 20) {
    append_word(out, kTens[n / 10]);
    if (n % 10) append_word(out, kOnes[n % 10]);
  } else if (n > 0) {
    append_word(out, kOnes[n]);
  }
  return out;
}

std::string_view strip_leading_zeros(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  return digits;
}

int to_int(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

// Reads a two-digit group as in years and names: "05" -> "oh five", "00" -> "hundred".
std::string pair_words(int n, bool zero_as_hundred) {
  if (n == 0) return zero_as_hundred ? "hundred" : "zero";
  if (n < 10) return std::string("oh ") + kOnes[n];
  return below_thousand(n);
}

}  // namespace

std::string digit_words(std::string_view digits) {
  std::string out;
  for (char c : digits) append_word(out, kOnes[c - '0']);
  return out;
}

std::string cardinal_words(std::string_view digits) {
  digits = strip_leading_zeros(digits);
  if (digits.empty()) return "";
  if (digits.size() > kMaxCardinalDigits) return digit_words(digits);
  if (digits == "0") return "zero";
  std::string out;
  const size_t groups = (digits.size() + 2) / 3;
  size_t pos = 0;
  for (size_t g = groups; g-- > 0;) {
    const size_t len = digits.size() - pos - 3 * g;
    const int value = to_int(digits.substr(pos, len));
    pos += len;
    if (value == 0) continue;
    append_word(out, below_thousand(value));
    append_word(out, kScales[g]);
  }
  return out;
}

std::string ordinal_of(const std::string& reading) {
  static const std::array<std::pair<const char*, const char*>, 8> kIrregular = {{
      {"one", "first"},
      {"two", "second"},
      {"three", "third"},
      {"five", "fifth"},
      {"eight", "eighth"},
      {"nine", "ninth"},
      {"twelve", "twelfth"},
      {"zero", "zeroth"},
  }};
  const size_t space = reading.rfind(' ');
  const std::string head = space == std::string::npos ? "" : reading.substr(0, space + 1);
  const std::string last = space == std::string::npos ? reading : reading.substr(space + 1);
  for (const auto& [word, ordinal] : kIrregular) {
    if (last == word) return head + ordinal;
  }
  if (!last.empty() && last.back() == 'y') return head + last.substr(0, last.size() - 1) + "ieth";
  return head + last + "th";
}

std::string ordinal_words(std::string_view digits) { return ordinal_of(cardinal_words(digits)); }

std::string plural_of(const std::string& reading) {
  if (reading.empty()) return reading;
  if (reading.back() == 'y') return reading.substr(0, reading.size() - 1) + "ies";
  if (reading.back() == 'x' || reading.back() == 's') return reading + "es";
  return reading + "s";
}

int roman_value(std::string_view text) {
  static constexpr std::pair<int, std::string_view> kSymbols[] = {
      {1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"}, {50, "L"},
      {40, "XL"},  {10, "X"},   {9, "IX"},  {5, "V"},    {4, "IV"},  {1, "I"}};
  if (text.empty() || text.size() > 15) return 0;
  int value = 0;
  std::string_view rest = text;
  for (const auto& [amount, symbol] : kSymbols) {
    while (rest.substr(0, symbol.size()) == symbol) {
      value += amount;
      rest.remove_prefix(symbol.size());
    }
  }
  if (!rest.empty() || value == 0 || value > 3999) return 0;
  // Canonical form only: re-encode and compare ("IIII" parses but is not canonical).
  std::string canonical;
  int v = value;
  for (const auto& [amount, symbol] : kSymbols) {
    while (v >= amount) {
      canonical += symbol;
      v -= amount;
    }
  }
  return canonical == text ? value : 0;
}

std::string year_words(std::string_view digits) {
  if (digits.size() != 4 || digits.front() == '0') return cardinal_words(digits);
  const int year = to_int(digits);
  const int high = year / 100;
  const int low = year % 100;
  // "2005" -> "two thousand five", "2000" -> "two thousand"; "1066" -> "ten sixty six".
  if (low < 10 && high % 10 == 0) return cardinal_words(digits);
  return below_thousand(high) + " " + pair_words(low, /*zero_as_hundred=*/true);
}

std::string nominal_words(std::string_view digits) {
  if (digits.size() == 3 && digits.front() != '0' && digits.substr(1) != "00") {
    return std::string(kOnes[digits[0] - '0']) + " " + pair_words(to_int(digits.substr(1)), false);
  }
  if (digits.size() == 4 && digits.front() != '0') return year_words(digits);
  if (digits.size() > 1 && digits.front() == '0') return digit_words(digits);
  return cardinal_words(digits);
}

}  // namespace speecht5::text
