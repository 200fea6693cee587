#include "text/number_reader.h"

#include <algorithm>
#include <vector>

#include "text/number_words.h"
#include "text/reading_tables.h"
#include "text/utf8.h"

namespace speecht5::text {

bool is_ascii_digit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool is_ascii_letter(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }

namespace {

bool is_letter(char32_t c) {
  return is_ascii_letter(c) || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}
bool is_upper(char32_t c) { return c >= U'A' && c <= U'Z'; }
char32_t lower(char32_t c) { return is_upper(c) ? c + 32 : c; }

char32_t at(std::u32string_view s, size_t i) { return i < s.size() ? s[i] : 0; }

// True when `word` (ASCII, compared case-insensitively when `fold`) is at `pos` and not followed
// by a letter or digit.
bool word_at(std::u32string_view s, size_t pos, std::string_view word, bool fold = false) {
  if (pos + word.size() > s.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    const char32_t c = fold ? lower(s[pos + k]) : s[pos + k];
    if (c != static_cast<char32_t>(static_cast<unsigned char>(word[k]))) return false;
  }
  const char32_t next = at(s, pos + word.size());
  return !is_letter(next) && !is_ascii_digit(next);
}
bool u32_word_at(std::u32string_view s, size_t pos, std::u32string_view word) {
  if (s.substr(pos, word.size()) != word) return false;
  const char32_t next = at(s, pos + word.size());
  return !is_letter(next) && !is_ascii_digit(next);
}

size_t skip_one_space(std::u32string_view s, size_t pos) {
  return at(s, pos) == U' ' ? pos + 1 : pos;
}

std::string read_digits(std::u32string_view s, size_t& pos) {
  std::string out;
  while (is_ascii_digit(at(s, pos))) out.push_back(static_cast<char>(s[pos++]));
  return out;
}

bool all_zero(const std::string& digits) {
  return std::all_of(digits.begin(), digits.end(), [](char c) { return c == '0'; });
}

struct Currency {
  char32_t symbol;
  const char* singular;
  const char* plural;
  const char* sub_singular;  // nullptr: no subunit (amounts read with "point")
  const char* sub_plural;
};
constexpr Currency kCurrencies[] = {
    {U'$', "dollar", "dollars", "cent", "cents"},     {U'\u20ac', "euro", "euros", "cent", "cents"},
    {U'\u00a3', "pound", "pounds", "penny", "pence"}, {U'\u00a5', "yen", "yen", nullptr, nullptr},
    {U'\u20b9', "rupee", "rupees", "paisa", "paise"},
};
constexpr Currency kCent = {U'\u00a2', "cent", "cents", nullptr, nullptr};

const Currency* currency_for(char32_t c) {
  for (const auto& cur : kCurrencies) {
    if (cur.symbol == c) return &cur;
  }
  return c == kCent.symbol ? &kCent : nullptr;
}

// A unit right after a number ("5km", "5 km", "20°C"); returns it and the end position.
const Unit* unit_at(std::u32string_view s, size_t pos, size_t& end) {
  for (const auto& unit : units()) {
    for (const size_t start : {pos, skip_one_space(s, pos)}) {
      if (start != pos && unit.attached_only) continue;
      if (!u32_word_at(s, start, unit.symbol)) continue;
      end = start + unit.symbol.size();
      return &unit;
    }
  }
  return nullptr;
}

// "am", "p.m." ... after a time; leaves a final "." in place when a sentence seems to end there.
const char* am_pm_at(std::u32string_view s, size_t pos, size_t& end) {
  const size_t start = skip_one_space(s, pos);
  const char32_t first = lower(at(s, start));
  if (first != U'a' && first != U'p') return nullptr;
  const char* reading = first == U'a' ? "a m" : "p m";
  if (lower(at(s, start + 1)) == U'm' && !is_letter(at(s, start + 2)) &&
      !is_ascii_digit(at(s, start + 2))) {
    end = start + 2;
    return reading;
  }
  if (at(s, start + 1) == U'.' && lower(at(s, start + 2)) == U'm' && !is_letter(at(s, start + 3))) {
    end = start + 3;
    if (at(s, end) == U'.') {
      const size_t after = skip_one_space(s, end + 1);
      const bool sentence_end =
          after >= s.size() || is_upper(at(s, after)) || at(s, after) == U'\n';
      if (!sentence_end) ++end;
    }
    return reading;
  }
  return nullptr;
}

const char* scale_word(std::u32string_view s, size_t pos, size_t& end) {
  static constexpr std::pair<const char*, const char*> kWords[] = {
      {"thousand", "thousand"}, {"million", "million"}, {"billion", "billion"},
      {"trillion", "trillion"}, {"bn", "billion"},      {"k", "thousand"},
      {"K", "thousand"},        {"m", "million"},       {"M", "million"},
      {"b", "billion"},         {"B", "billion"},
  };
  for (const auto& [word, reading] : kWords) {
    const bool spelled = std::string_view(word).size() > 2;
    const size_t start = spelled ? skip_one_space(s, pos) : pos;
    if (word_at(s, start, word)) {
      end = start + std::string_view(word).size();
      return reading;
    }
  }
  return nullptr;
}

struct Number {
  bool negative = false;
  bool plus = false;
  std::string integer;   // may be empty (".5")
  bool grouped = false;  // had thousands separators
  bool has_point = false;
  std::string fraction;
};

std::string sign_words(const Number& n) { return n.negative ? "minus " : n.plus ? "plus " : ""; }

// The plain reading: cardinal (or digit by digit with a leading zero), then "point" digits.
std::string plain_words(const Number& n, bool may_be_year, bool after_month) {
  std::string out = sign_words(n);
  if (!n.integer.empty()) {
    const bool plain = !n.grouped && !n.has_point && !n.negative && !n.plus;
    if (n.integer.size() > 1 && n.integer[0] == '0' && !n.grouped) {
      out += digit_words(n.integer);
    } else if (plain && after_month && n.integer.size() <= 2 && std::stoi(n.integer) >= 1 &&
               std::stoi(n.integer) <= 31) {
      out += ordinal_words(n.integer);
    } else if (plain && may_be_year && n.integer.size() == 4 && n.integer >= "1100" &&
               n.integer <= "2099") {
      out += year_words(n.integer);
    } else {
      out += cardinal_words(n.integer);
    }
  }
  if (n.has_point) {
    if (!n.integer.empty()) out += ' ';
    out += "point " + digit_words(n.fraction);
  }
  return out;
}

bool is_one(const Number& n) { return n.integer == "1" && !n.has_point; }

std::string money_words(const Number& n, const Currency& cur) {
  if (cur.sub_singular != nullptr && n.has_point && n.fraction.size() <= 2) {
    const std::string units = n.integer.empty() ? "0" : n.integer;
    const int cents = std::stoi(n.fraction.size() == 1 ? n.fraction + "0" : n.fraction);
    std::string out = sign_words(n);
    if (!all_zero(units) || cents == 0) {
      out += cardinal_words(units) + " " + (units == "1" ? cur.singular : cur.plural);
      if (cents > 0) out += " and ";
    }
    if (cents > 0) {
      out += cardinal_words(std::to_string(cents)) + " " +
             (cents == 1 ? cur.sub_singular : cur.sub_plural);
    }
    return out;
  }
  return plain_words(n, false, false) + " " + (is_one(n) ? cur.singular : cur.plural);
}

std::string time_words(const std::string& hour, const std::string& minute, const char* am_pm) {
  const std::string h = cardinal_words(hour);
  const int m = std::stoi(minute);
  std::string out = h;
  if (m != 0) {
    out.append(m < 10 ? " oh " : " ");
    out.append(cardinal_words(minute));
  }
  if (am_pm != nullptr) return out.append(" ").append(am_pm);
  if (m != 0) return out;
  const int hv = std::stoi(hour);
  return hv >= 1 && hv <= 12 ? h + " o'clock" : h + " hundred";
}

void spell_letters(std::u32string_view letters, std::string& out) {
  const bool spell = letters.size() <= 3 && std::all_of(letters.begin(), letters.end(), is_upper);
  for (size_t k = 0; k < letters.size(); ++k) {
    if (spell && k > 0) out += ' ';
    append_utf8(out, letters[k]);
  }
}

// Continues an alphanumeric token at `pos` (letters and digits, alternating).
size_t read_alnum_rest(std::u32string_view s, size_t pos, std::string& out) {
  while (pos < s.size() && (is_ascii_letter(s[pos]) || is_ascii_digit(s[pos]))) {
    if (!out.empty() && out.back() != ' ') out += ' ';
    if (is_ascii_digit(s[pos])) {
      out += nominal_words(read_digits(s, pos));
      while (at(s, pos) == U'.' && is_ascii_digit(at(s, pos + 1))) {  // "v2.0", "A4.1"
        ++pos;
        out += " point " + digit_words(read_digits(s, pos));
      }
    } else {
      const size_t start = pos;
      while (is_ascii_letter(at(s, pos))) ++pos;
      spell_letters(s.substr(start, pos - start), out);
    }
  }
  return pos;
}

// End of a phone number written ddd-dddd or ddd-ddd-dddd at `pos`, or 0.
size_t phone_number_end(std::u32string_view s, size_t pos) {
  auto digits = [&](size_t at_pos, size_t count) {
    for (size_t k = 0; k < count; ++k) {
      if (!is_ascii_digit(at(s, at_pos + k))) return false;
    }
    return true;
  };
  auto ends_here = [&](size_t end) {
    const char32_t next = at(s, end);
    return !is_ascii_digit(next) && !is_letter(next) &&
           !(next == U'-' && is_ascii_digit(at(s, end + 1)));
  };
  if (!digits(pos, 3) || at(s, pos + 3) != U'-') return 0;
  if (digits(pos + 4, 4) && ends_here(pos + 8)) return pos + 8;
  if (digits(pos + 4, 3) && at(s, pos + 7) == U'-' && digits(pos + 8, 4) && ends_here(pos + 12)) {
    return pos + 12;
  }
  return 0;
}

}  // namespace

bool starts_number(std::u32string_view s, size_t pos) {
  const char32_t c = at(s, pos);
  if (is_ascii_digit(c)) return true;
  const char32_t next = at(s, pos + 1);
  if (c == U'-' || c == U'+') {
    return is_ascii_digit(next) || (next == U'.' && is_ascii_digit(at(s, pos + 2))) ||
           (currency_for(next) != nullptr && is_ascii_digit(at(s, pos + 2)));
  }
  if (c == U'.') return is_ascii_digit(next);
  if (c == U'\'') {
    return is_ascii_digit(next) && is_ascii_digit(at(s, pos + 2)) && at(s, pos + 3) == U's';
  }
  if (currency_for(c) != nullptr && c != kCent.symbol) {
    const size_t amount = skip_one_space(s, pos + 1);  // "$5", "$ 5"
    return is_ascii_digit(at(s, amount)) ||
           (at(s, amount) == U'.' && is_ascii_digit(at(s, amount + 1)));
  }
  return false;
}

std::optional<size_t> read_number(std::u32string_view s, size_t pos, const NumberContext& context,
                                  std::string& out) {
  if (!starts_number(s, pos)) return std::nullopt;
  if (const size_t end = phone_number_end(s, pos)) {
    // "555-1234", "555-123-4567": digit by digit, a pause between the groups.
    std::string reading;
    for (size_t k = pos; k < end; ++k) {
      if (s[k] == U'-') {
        reading += ",";
        continue;
      }
      if (!reading.empty()) reading += ' ';
      reading += digit_words(std::string(1, static_cast<char>(s[k])));
    }
    out += reading;
    return end;
  }
  size_t i = pos;
  Number n;
  if (s[i] == U'\'') ++i;  // '80s
  if (s[i] == U'-' || s[i] == U'+') (s[i++] == U'-' ? n.negative : n.plus) = true;
  const Currency* prefix_currency = nullptr;
  if (currency_for(s[i]) != nullptr) {
    prefix_currency = currency_for(s[i++]);
    i = skip_one_space(s, i);
  }

  n.integer = read_digits(s, i);
  if (n.integer.size() <= 3 && !n.integer.empty()) {
    // Thousands groups: exactly three digits after each comma, not followed by another digit.
    while (at(s, i) == U',' && is_ascii_digit(at(s, i + 1)) && is_ascii_digit(at(s, i + 2)) &&
           is_ascii_digit(at(s, i + 3)) && !is_ascii_digit(at(s, i + 4))) {
      size_t k = i + 1;
      n.integer += read_digits(s, k);
      n.grouped = true;
      i = k;
    }
  }
  if (at(s, i) == U'.' && is_ascii_digit(at(s, i + 1))) {
    ++i;
    n.has_point = true;
    n.fraction = read_digits(s, i);
    // Dotted series (versions, addresses): "1.2.3" -> "one point two point three".
    if (at(s, i) == U'.' && is_ascii_digit(at(s, i + 1)) && !prefix_currency) {
      out += plain_words(n, false, false);
      while (at(s, i) == U'.' && is_ascii_digit(at(s, i + 1))) {
        ++i;
        out += " point " + cardinal_words(read_digits(s, i));
      }
      return i;
    }
  }

  if (prefix_currency != nullptr) {
    size_t end;
    if (const char* scale = scale_word(s, i, end)) {
      out += plain_words(n, false, false) + " " + scale + " " + prefix_currency->plural;
      return end;
    }
    out += money_words(n, *prefix_currency);
    return i;
  }

  const bool simple_integer = !n.has_point && !n.grouped && !n.negative && !n.plus;
  // Times: "3:30", "10:05 pm", "14:00", "12:30:45".
  if (simple_integer && n.integer.size() <= 2 && at(s, i) == U':' && is_ascii_digit(at(s, i + 1)) &&
      is_ascii_digit(at(s, i + 2)) && !is_ascii_digit(at(s, i + 3)) && std::stoi(n.integer) <= 24) {
    const std::string minute{static_cast<char>(s[i + 1]), static_cast<char>(s[i + 2])};
    if (std::stoi(minute) < 60) {
      i += 3;
      std::string seconds;
      if (at(s, i) == U':' && is_ascii_digit(at(s, i + 1)) && is_ascii_digit(at(s, i + 2)) &&
          !is_ascii_digit(at(s, i + 3))) {
        seconds = {static_cast<char>(s[i + 1]), static_cast<char>(s[i + 2])};
        i += 3;
      }
      size_t end;
      const char* am_pm = am_pm_at(s, i, end);
      if (am_pm != nullptr) i = end;
      out += time_words(n.integer, minute, am_pm);
      if (!seconds.empty()) {
        out += " and " + cardinal_words(seconds) + (seconds == "01" ? " second" : " seconds");
      }
      return i;
    }
  }

  if (simple_integer && !n.integer.empty()) {
    // Ordinals: "1st", "22nd", "3rd", "100th".
    static constexpr std::string_view kSuffixes[] = {"st", "nd", "rd", "th"};
    for (const auto suffix : kSuffixes) {
      if (word_at(s, i, suffix, /*fold=*/true)) {
        out += ordinal_words(n.integer);
        return i + 2;
      }
    }
    // Decades and plurals: "1990s", "'80s", "the 1990's".
    const size_t plural_end = at(s, i) == U'\'' ? i + 1 : i;
    if (at(s, plural_end) == U's' && word_at(s, plural_end, "s")) {
      const std::string reading =
          n.integer.size() == 4 ? year_words(n.integer) : cardinal_words(n.integer);
      out += plural_of(reading);
      return plural_end + 1;
    }
    size_t end;
    if (std::stoi(n.integer.substr(0, std::min<size_t>(n.integer.size(), 3))) <= 12 &&
        n.integer.size() <= 2) {
      if (const char* am_pm = am_pm_at(s, i, end)) {
        out += cardinal_words(n.integer) + " " + am_pm;
        return end;
      }
    }
  }

  // Percentages and currency written after the amount ("50%", "50 %", "99¢", "5 €").
  const size_t after_space = skip_one_space(s, i);
  if (at(s, after_space) == U'%') {
    out += plain_words(n, false, false) + " percent";
    return after_space + 1;
  }
  if (at(s, after_space) == U'\u2030') {
    out += plain_words(n, false, false) + " per mille";
    return after_space + 1;
  }
  if (const Currency* suffix = currency_for(at(s, after_space));
      suffix != nullptr && !is_ascii_digit(at(s, after_space + 1))) {
    out += money_words(n, *suffix);
    return after_space + 1;
  }
  {
    size_t end;
    if (const Unit* unit = unit_at(s, i, end)) {
      out += plain_words(n, false, false) + " " + (is_one(n) ? unit->singular : unit->plural);
      return end;
    }
  }
  // "2½" -> "two and a half".
  static constexpr std::pair<char32_t, const char*> kFractions[] = {
      {U'\u00bd', " and a half"},
      {U'\u00bc', " and a quarter"},
      {U'\u00be', " and three quarters"},
      {U'\u2153', " and a third"},
      {U'\u2154', " and two thirds"}};
  for (const auto& [symbol, words] : kFractions) {
    if (at(s, i) == symbol && !n.has_point) {
      out += plain_words(n, false, false) + words;
      return i + 1;
    }
  }
  // Alphanumeric names: "221B" -> "two twenty one B", "3D", "4x4".
  if (simple_integer && is_ascii_letter(at(s, i))) {
    std::string reading = nominal_words(n.integer);
    i = read_alnum_rest(s, i, reading);
    out += reading;
    return i;
  }
  out += plain_words(n, /*may_be_year=*/true, context.after_month);
  return i;
}

size_t read_alphanumeric(std::u32string_view s, size_t pos, std::string& out) {
  std::string reading;
  pos = read_alnum_rest(s, pos, reading);
  out += reading;
  return pos;
}

}  // namespace speecht5::text
