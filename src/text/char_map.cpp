#include "text/char_map.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace speecht5::text {
namespace {

struct Replacement {
  char32_t cp;
  const char* text;
};

constexpr Replacement kLatinLetters[] = {
#include "text/latin_letters_table.inc"
};

// Sorted by code point at first use.
constexpr Replacement kPunctuationAndSpaces[] = {
    // Whitespace other than the ASCII space (the tokenizer would make each one an <unk>). Line
    // breaks stay line breaks: blank lines mark paragraphs.
    {U'\t', " "},
    {U'\v', " "},
    {U'\f', " "},
    {U'\r', ""},
    {0x0085, "\n"},
    {0x00A0, " "},
    {0x1680, " "},
    {0x2000, " "},
    {0x2001, " "},
    {0x2002, " "},
    {0x2003, " "},
    {0x2004, " "},
    {0x2005, " "},
    {0x2006, " "},
    {0x2007, " "},
    {0x2008, " "},
    {0x2009, " "},
    {0x200A, " "},
    {0x2028, "\n"},
    {0x2029, "\n\n"},
    {0x202F, " "},
    {0x205F, " "},
    {0x3000, " "},
    // Invisible characters.
    {0x00AD, ""},
    {0x200B, ""},
    {0x200C, ""},
    {0x200D, ""},
    {0x2060, ""},
    {0xFEFF, ""},
    {0xFE0F, ""},
    {0xFE0E, ""},
    // Quotes and primes.
    {U'`', "'"},
    {0x00B4, "'"},
    {0x2018, "'"},
    {0x2019, "'"},
    {0x201A, "'"},
    {0x201B, "'"},
    {0x2032, "'"},
    {0x02BC, "'"},
    {0x02B9, "'"},
    {0x2039, "\""},
    {0x203A, "\""},
    {0x201C, "\""},
    {0x201D, "\""},
    {0x201E, "\""},
    {0x201F, "\""},
    {0x2033, "\""},
    {0x00AB, "\""},
    {0x00BB, "\""},
    {0x300C, "\""},
    {0x300D, "\""},
    // Dashes and hyphens (the en dash is read in context by the normaliser; the em dash is in the
    // vocabulary).
    {0x2010, "-"},
    {0x2011, "-"},
    {0x2012, "-"},
    {0x2015, "\u2014"},
    {0x2212, "-"},
    {0xFE58, "-"},
    {0xFE63, "-"},
    {0x2E3A, "\u2014"},
    {0x2E3B, "\u2014"},
    // Other punctuation.
    {0x2026, "..."},
    {0x22EF, "..."},
    {0x2024, "."},
    {0x00A1, ""},
    {0x00BF, ""},
    {0x00B7, " "},
    {0x2027, " "},
    {0x2022, ","},
    {0x25CF, ","},
    {0x25AA, ","},
    {0x2043, ","},
    {0x3001, ","},
    {0x3002, "."},
    {0x2044, "/"},
    {0x2215, "/"},
    {0x02C6, ""},
    {0x02DC, ""},
    {0x00A8, ""},
    {0x00AF, ""},
    {0x00B8, ""},
    // Ligatures.
    {0xFB00, "ff"},
    {0xFB01, "fi"},
    {0xFB02, "fl"},
    {0xFB03, "ffi"},
    {0xFB04, "ffl"},
    {0xFB05, "st"},
    {0xFB06, "st"},
    // Degree look-alikes, read as units by the normaliser.
    {0x2103, "\u00b0C"},
    {0x2109, "\u00b0F"},
    {0x00BA, "\u00b0"},
    {0x02DA, "\u00b0"},
    {0x2070, "\u00b0"},
};

std::vector<Replacement> build_table() {
  std::vector<Replacement> table(std::begin(kLatinLetters), std::end(kLatinLetters));
  table.insert(table.end(), std::begin(kPunctuationAndSpaces), std::end(kPunctuationAndSpaces));
  std::sort(table.begin(), table.end(), [](auto& a, auto& b) { return a.cp < b.cp; });
  return table;
}

}  // namespace

std::optional<std::string_view> replacement_for(char32_t cp) {
  static const std::vector<Replacement> table = build_table();
  // Full-width ASCII (U+FF01-U+FF5E) maps onto ASCII.
  static const std::array<std::string, 0x5E> fullwidth = [] {
    std::array<std::string, 0x5E> out;
    for (size_t i = 0; i < out.size(); ++i) out[i] = std::string(1, static_cast<char>(0x21 + i));
    return out;
  }();
  if (cp >= 0xFF01 && cp <= 0xFF5E) return fullwidth[cp - 0xFF01];
  if (cp >= 0x0300 && cp <= 0x036F) return std::string_view();  // combining diacritics
  const auto it = std::lower_bound(table.begin(), table.end(), cp,
                                   [](const Replacement& r, char32_t c) { return r.cp < c; });
  if (it != table.end() && it->cp == cp) return std::string_view(it->text);
  return std::nullopt;
}

}  // namespace speecht5::text
