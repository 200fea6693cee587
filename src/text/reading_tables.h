#pragma once
// Word lists the normaliser reads with: abbreviations, symbols, units, month and regnal names.
// Documented in docs/TEXT.md.
#include <span>
#include <string>
#include <string_view>

namespace speecht5::text {

// An abbreviation written with a period. `title`: it precedes a name ("Dr. Smith"), so its period
// never ends a sentence.
struct Abbreviation {
  std::u32string_view word;
  const char* reading;
  bool title;
};
const Abbreviation* find_abbreviation(std::u32string_view word);  // nullptr when none

// The reading of a symbol outside the vocabulary when no number claims it ("&" -> "and").
const char* symbol_reading(char32_t c);
// Markup characters read as a space (_ | \ ~ ^ *).
bool is_space_like_markup(char32_t c);

// A unit after a number: read in the singular after exactly 1.
struct Unit {
  std::u32string_view symbol;
  const char* singular;
  const char* plural;
  bool attached_only;  // symbols that are also English words ("in") need "5in"
};
std::span<const Unit> units();  // longest symbols first

bool is_month(const std::string& word);        // "January" ... "December"
bool numbers_things(const std::string& word);  // "Chapter", "War": a Roman numeral follows
bool is_regnal_name(const std::string& word);  // "Henry", "Elizabeth": "VIII" is "the eighth"

}  // namespace speecht5::text
