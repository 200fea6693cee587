#include "text/normalizer.h"

#include <array>
#include <cctype>
#include <unordered_map>

#include "core/log.h"
#include "text/char_map.h"
#include "text/number_reader.h"
#include "text/number_words.h"
#include "text/reading_tables.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

namespace speecht5::text {
namespace {

char32_t at(std::u32string_view s, size_t i) { return i < s.size() ? s[i] : 0; }
bool is_upper(char32_t c) { return c >= U'A' && c <= U'Z'; }
bool is_lower(char32_t c) { return c >= U'a' && c <= U'z'; }
bool is_alnum(char32_t c) {
  return is_ascii_letter(c) || is_ascii_digit(c) ||
         (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

// Caches the vocabulary membership of code points.
class Vocabulary {
 public:
  explicit Vocabulary(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  bool contains(char32_t cp) {
    const auto it = known_.find(cp);
    if (it != known_.end()) return it->second;
    return known_[cp] = tokenizer_.has_character(encode_utf8(std::u32string(1, cp)));
  }

 private:
  const Tokenizer& tokenizer_;
  std::unordered_map<char32_t, bool> known_;
};

// Stage 1: context-free character replacements for what the vocabulary lacks.
// A no-break or thin space used as a thousands separator: after a digit, before exactly three.
bool is_digit_group_space(const std::u32string& s, size_t i) {
  if (s[i] != 0x00A0 && s[i] != 0x202F && s[i] != 0x2009) return false;
  if (i == 0 || !is_ascii_digit(s[i - 1])) return false;
  for (size_t k = 1; k <= 3; ++k) {
    if (!is_ascii_digit(at(s, i + k))) return false;
  }
  return !is_ascii_digit(at(s, i + 4));
}

std::u32string map_characters(const std::u32string& text, Vocabulary& vocab) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t cp = text[i];
    if (cp == U'\u2581') {  // SentencePiece's space symbol: the model only knows it as a space
      out.push_back(U' ');
      continue;
    }
    if (is_digit_group_space(text, i)) continue;  // "10 000" with a (narrow) no-break space
    if (!vocab.contains(cp)) {
      if (const auto rep = replacement_for(cp)) {
        out += decode_utf8(*rep);
        continue;
      }
    }
    out.push_back(cp);
  }
  return out;
}

class Expander {
 public:
  explicit Expander(std::u32string_view s) : s_(s) {}

  std::string run() {
    while (i_ < s_.size()) step();
    return std::move(out_);
  }

 private:
  bool word_start() const { return i_ == 0 || !is_alnum(s_[i_ - 1]); }

  // Appends words read for the input [i_, end), with spaces against neighbouring text.
  void emit_words(const std::string& words, size_t end) {
    if (!out_.empty()) {
      // Words against words get a space; against a hyphen, slash, bracket or quote they do not.
      const unsigned char last = static_cast<unsigned char>(out_.back());
      if (std::isalnum(last) || last >= 0x80 ||
          std::string_view(",;:!?)]}%").find(last) != std::string_view::npos) {
        out_ += ' ';
      }
    }
    out_ += words;
    if (end < s_.size() && (is_alnum(s_[end]) || s_[end] == U'(')) out_ += ' ';
    i_ = end;
    last_word_.clear();
  }

  // True when what follows `pos` looks like the start of a new sentence (or the end).
  bool sentence_follows(size_t pos) const {
    while (pos < s_.size() && s_[pos] == U' ') ++pos;
    return pos >= s_.size() || is_upper(s_[pos]) || s_[pos] == U'\n' || s_[pos] == U'"';
  }

  bool match_fold(size_t pos, std::string_view text) const {
    for (size_t k = 0; k < text.size(); ++k) {
      char32_t c = at(s_, pos + k);
      if (is_upper(c)) c += 32;
      if (c != static_cast<char32_t>(text[k])) return false;
    }
    return !is_alnum(at(s_, pos + text.size()));
  }

  bool try_dotted_abbreviation() {
    static constexpr std::pair<std::string_view, const char*> kDotted[] = {
        {"e.g.", "for example"}, {"i.e.", "that is"}, {"a.k.a.", "also known as"}};
    for (const auto& [text, reading] : kDotted) {
      if (match_fold(i_, text)) {
        emit_words(reading, i_ + text.size());
        return true;
      }
    }
    return false;
  }

  void read_word() {
    const size_t start = i_;
    size_t end = i_;
    while (end < s_.size() && is_alnum(s_[end])) ++end;
    const std::u32string_view word = s_.substr(start, end - start);
    bool has_digit = false, ascii_only = true;
    for (char32_t c : word) {
      has_digit |= is_ascii_digit(c);
      ascii_only &= c < 0x80;
    }
    if (has_digit && ascii_only) {
      std::string reading;
      const size_t after = read_alphanumeric(s_, start, reading);
      emit_words(reading, after);
      return;
    }
    if (ascii_only && try_roman_numeral(encode_utf8(word), end)) return;
    const bool period = at(s_, end) == U'.';
    if (try_abbreviation(word, end, period)) return;
    const std::string utf8 = encode_utf8(word);
    out_ += utf8;
    i_ = end;
    last_word_ = utf8;
    size_t before = start;
    while (before > 0 && (s_[before - 1] == U' ' || s_[before - 1] == U'"')) --before;
    last_word_starts_sentence_ = before == 0 || s_[before - 1] == U'.' || s_[before - 1] == U'!' ||
                                 s_[before - 1] == U'?' || s_[before - 1] == U'\n';
  }

  // Roman numerals only where they are certain: after a word that numbers things ("Chapter IV",
  // "World War II") and after a regnal name ("Henry VIII" -> Henry the eighth).
  bool try_roman_numeral(const std::string& word, size_t end) {
    const int value = roman_value(word);
    if (value == 0 || last_word_.empty() || i_ == 0 || s_[i_ - 1] != U' ') return false;
    std::string reading;
    if (numbers_things(last_word_)) {
      reading = cardinal_words(std::to_string(value));
    } else if (is_regnal_name(last_word_)) {
      // A lone "I" may be the pronoun: "Henry I went" is not a king.
      size_t next = end;
      while (next < s_.size() && s_[next] == U' ') ++next;
      const bool word_follows = next > end && is_lower(at(s_, next));
      if (word == "I" && word_follows && !(at(s_, next) == U'o' && at(s_, next + 1) == U'f')) {
        return false;
      }
      reading = "the " + ordinal_words(std::to_string(value));
    } else {
      return false;
    }
    out_ += reading;
    i_ = end;
    last_word_.clear();
    return true;
  }

  bool try_abbreviation(std::u32string_view word, size_t end, bool period) {
    const bool capital_follows =
        at(s_, end + (period ? 1 : 0)) == U' ' && is_upper(at(s_, end + (period ? 2 : 1)));
    const bool digit_follows = is_ascii_digit(at(s_, end + 1)) ||
                               (at(s_, end + 1) == U' ' && is_ascii_digit(at(s_, end + 2)));
    // "Dr." before a name is Doctor, after a street name Drive; "St." likewise Saint / Street.
    const bool after_capital_word =
        !last_word_.empty() && is_upper(last_word_[0]) && !last_word_starts_sentence_;
    if (word == U"Dr" && (period || capital_follows)) {
      const bool drive = after_capital_word;
      return expand(drive ? "Drive" : "Doctor", end, period, !drive);
    }
    if (word == U"St" && period) {
      const bool street = after_capital_word || !capital_follows;
      return expand(street ? "Street" : "Saint", end, period, !street);
    }
    if ((word == U"No" || word == U"no" || word == U"Nos") && period && digit_follows) {
      return expand(word == U"Nos" ? "numbers" : "number", end, period, true);
    }
    if ((word == U"vs" || word == U"etc") && !period) {
      return expand(word == U"vs" ? "versus" : "et cetera", end, false, true);
    }
    if (!period) {
      // British style titles without a period, only before a capitalised name.
      if (capital_follows && (word == U"Mr" || word == U"Mrs" || word == U"Ms")) {
        return expand(word == U"Mr"    ? "Mister"
                      : word == U"Mrs" ? "Missus"
                                       : "Miz",
                      end, false, true);
      }
      return false;
    }
    if (const Abbreviation* abbreviation = find_abbreviation(word)) {
      return expand(abbreviation->reading, end, true, abbreviation->title);
    }
    return false;
  }

  // Writes `reading` for the word ending at `end` (its period at `end` when `period`). The period
  // of a non-title abbreviation stays when it also ends the sentence.
  bool expand(const char* reading, size_t end, bool period, bool title) {
    out_ += reading;
    i_ = end;
    if (period) {
      const bool keep = !title && sentence_follows(end + 1);
      if (!keep) ++i_;
    }
    last_word_ = reading;
    return true;
  }

  void step() {
    const char32_t c = s_[i_];
    if (starts_number(s_, i_) && (word_start() || is_ascii_digit(c))) {
      NumberContext context;
      context.after_month = is_month(last_word_) && i_ > 0 && s_[i_ - 1] == U' ';
      std::string reading;
      if (const auto end = read_number(s_, i_, context, reading)) {
        emit_words(reading, *end);
        return;
      }
    }
    if (is_ascii_letter(c) && word_start()) {
      if (try_dotted_abbreviation()) return;
      read_word();
      return;
    }
    if (is_alnum(c)) {
      read_word();
      return;
    }
    if (c == U'#' && is_ascii_digit(at(s_, i_ + 1))) {
      emit_words("number", i_ + 1);
      return;
    }
    if (c == U'#' && is_ascii_letter(at(s_, i_ + 1))) {  // hashtags: read the word
      ++i_;
      return;
    }
    if (c == U'.' && is_lower(at(s_, i_ + 1)) && is_lower(at(s_, i_ + 2)) && i_ >= 2 &&
        is_lower(s_[i_ - 1]) && is_lower(s_[i_ - 2])) {  // "example.com"
      emit_words("dot", i_ + 1);
      return;
    }
    if (c == U'\u2013') {  // en dash: a range between numbers, a pause between spaced words
      size_t before = i_, after = i_ + 1;
      while (before > 0 && s_[before - 1] == U' ') --before;
      while (after < s_.size() && s_[after] == U' ') ++after;
      if (before > 0 && is_ascii_digit(s_[before - 1]) && is_ascii_digit(at(s_, after))) {
        emit_words("to", after);
      } else {
        out_ += (before < i_ || after > i_ + 1) ? " \u2014 " : "-";
        i_ = after;
      }
      return;
    }
    if (const char* reading = symbol_reading(c)) {
      emit_words(reading, i_ + 1);
      return;
    }
    if (is_space_like_markup(c)) {
      out_ += ' ';
      ++i_;
      return;
    }
    append_utf8(out_, c);
    if (c != U' ') last_word_.clear();
    ++i_;
  }

  std::u32string_view s_;
  size_t i_ = 0;
  std::string out_;
  std::string last_word_;  // the previous word when it was directly before (for "March 3")
  bool last_word_starts_sentence_ = false;
};

bool ends_sentence(char32_t c) {
  return c == U'.' || c == U'!' || c == U'?' || c == U':' || c == U';' || c == U',';
}

// Stage 3: whitespace, paragraph breaks and characters the vocabulary still lacks.
std::string finish(const std::u32string& text, Vocabulary& vocab) {
  std::u32string out;
  std::u32string dropped;
  int newlines = 0;
  bool space = false;
  for (char32_t cp : text) {
    if (cp == U' ' || cp == U'\n') {
      space = true;
      newlines += cp == U'\n';
      continue;
    }
    if (!vocab.contains(cp)) {
      if (dropped.find(cp) == std::u32string::npos) dropped.push_back(cp);
      continue;
    }
    if (space && !out.empty()) {
      // A blank line ends a paragraph: make sure it also ends a sentence.
      if (newlines >= 2 && !ends_sentence(out.back())) out.push_back(U'.');
      out.push_back(U' ');
    }
    space = false;
    newlines = 0;
    out.push_back(cp);
  }
  if (!dropped.empty()) {
    log::debug("normalizer: dropped characters with no reading: \"", encode_utf8(dropped), "\"");
  }
  return encode_utf8(out);
}

}  // namespace

std::string normalize_text(std::string_view text, const Tokenizer* vocabulary) {
  static const auto builtin = make_builtin_tokenizer();
  Vocabulary vocab(vocabulary != nullptr ? *vocabulary : *builtin);
  const std::u32string mapped = map_characters(decode_utf8(text), vocab);
  const std::string expanded = Expander(mapped).run();
  return finish(decode_utf8(expanded), vocab);
}

}  // namespace speecht5::text
