#include "text/splitter.h"

#include "core/error.h"
#include "text/utf8.h"

namespace speecht5::text {
namespace {

using Range = std::pair<size_t, size_t>;  // [begin, end) in code points

// Boundaries may follow any whitespace, but only ASCII spaces are trimmed or collapsed: the
// tokenizer gives other whitespace its own token, and un-normalised text must keep it.
bool is_space(char32_t c) { return c == U' ' || c == U'\n' || c == U'\t' || c == U'\r'; }
bool is_blank(char32_t c) { return c == U' '; }
bool is_upper(char32_t c) { return c >= U'A' && c <= U'Z'; }
bool is_lower(char32_t c) { return c >= U'a' && c <= U'z'; }
bool is_closing(char32_t c) {
  return c == U'"' || c == U'\'' || c == U')' || c == U']' || c == U'}';
}
bool is_terminal(char32_t c) { return c == U'.' || c == U'!' || c == U'?'; }
bool is_clause_mark(char32_t c) { return c == U',' || c == U';' || c == U':'; }

Range trim(const std::u32string& s, Range r) {
  while (r.first < r.second && is_blank(s[r.first])) ++r.first;
  while (r.second > r.first && is_blank(s[r.second - 1])) --r.second;
  return r;
}

// An initial ("J. K. Rowling", "U.S."): a lone capital letter before a single period.
bool is_initial(const std::u32string& s, size_t punct_begin, size_t punct_end) {
  if (punct_end - punct_begin != 1 || s[punct_begin] != U'.' || punct_begin == 0) return false;
  if (!is_upper(s[punct_begin - 1])) return false;
  return punct_begin == 1 || is_space(s[punct_begin - 2]) || s[punct_begin - 2] == U'.';
}

// Ends (exclusive) after which a piece may end, found by `boundary`.
template <typename Boundary>
std::vector<Range> cut(const std::u32string& s, Range r, Boundary boundary) {
  std::vector<Range> pieces;
  size_t begin = r.first;
  for (size_t i = r.first; i < r.second; ++i) {
    const size_t end = boundary(i);
    if (end == 0 || end >= r.second) continue;
    const Range piece = trim(s, {begin, end});
    if (piece.first < piece.second) pieces.push_back(piece);
    begin = end;
    i = end - 1;
  }
  const Range last = trim(s, {begin, r.second});
  if (last.first < last.second) pieces.push_back(last);
  return pieces;
}

std::vector<Range> sentences(const std::u32string& s) {
  return cut(s, {0, s.size()}, [&](size_t i) -> size_t {
    if (!is_terminal(s[i]) || (i > 0 && is_terminal(s[i - 1]))) return 0;
    size_t end = i;
    while (end < s.size() && is_terminal(s[end])) ++end;
    if (is_initial(s, i, end)) return 0;
    while (end < s.size() && is_closing(s[end])) ++end;
    if (end < s.size() && !is_space(s[end])) return 0;
    size_t next = end;
    while (next < s.size() && is_space(s[next])) ++next;
    if (next < s.size() && is_lower(s[next])) return 0;  // "Wait... what", "'hi.' she said"
    return end;
  });
}

std::vector<Range> clauses(const std::u32string& s, Range r) {
  return cut(s, r, [&](size_t i) -> size_t {
    if (s[i] == U'\u2014') return i + 1;  // em dash: ends the clause before it
    if (!is_clause_mark(s[i])) return 0;
    size_t end = i + 1;
    while (end < s.size() && is_closing(s[end])) ++end;
    return end < s.size() && is_space(s[end]) ? end : 0;
  });
}

std::vector<Range> words(const std::u32string& s, Range r) {
  return cut(s, r, [&](size_t i) -> size_t { return is_space(s[i]) ? i + 1 : 0; });
}

class Packer {
 public:
  Packer(const std::u32string& s, size_t max_chars, std::vector<std::string>& out)
      : s_(s), max_(max_chars), out_(out) {}

  // Packs consecutive pieces greedily into chunks of at most max_ code points; a piece that is
  // too long on its own is handed to `refine`.
  template <typename Refine>
  void pack(const std::vector<Range>& pieces, Refine refine) {
    Range open{0, 0};
    for (const Range& piece : pieces) {
      if (open.second > open.first && piece.second - open.first <= max_) {
        open.second = piece.second;
        continue;
      }
      flush(open);
      if (piece.second - piece.first <= max_) {
        open = piece;
      } else {
        open = {0, 0};
        refine(piece);
      }
    }
    flush(open);
  }

  void hard_cut(Range r) {
    for (size_t b = r.first; b < r.second; b += max_) flush({b, std::min(r.second, b + max_)});
  }

  void flush(Range r) {
    r = trim(s_, r);
    if (r.first >= r.second) return;
    std::string chunk;
    bool space = false;
    for (size_t i = r.first; i < r.second; ++i) {  // runs of spaces become one
      if (is_blank(s_[i])) {
        space = true;
        continue;
      }
      if (space) chunk += ' ';
      space = false;
      append_utf8(chunk, s_[i]);
    }
    out_.push_back(std::move(chunk));
  }

 private:
  const std::u32string& s_;
  size_t max_;
  std::vector<std::string>& out_;
};

}  // namespace

std::vector<std::string> split_text(std::string_view text, size_t max_chars) {
  if (max_chars == 0) fail(ErrorCode::kInvalidArgument, "maximum chunk size must be at least 1");
  const std::u32string s = decode_utf8(text);
  std::vector<std::string> chunks;
  Packer packer(s, max_chars, chunks);
  for (const Range& sentence : sentences(s)) {
    packer.pack(std::vector<Range>{sentence}, [&](Range long_sentence) {
      packer.pack(clauses(s, long_sentence), [&](Range long_clause) {
        packer.pack(words(s, long_clause), [&](Range long_word) { packer.hard_cut(long_word); });
      });
    });
  }
  return chunks;
}

}  // namespace speecht5::text
