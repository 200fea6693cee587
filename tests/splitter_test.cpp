#include "text/splitter.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "text/front_end.h"
#include "text/utf8.h"

namespace speecht5::text {
namespace {

using Chunks = std::vector<std::string>;

TEST(SplitterTest, OneChunkPerSentence) {
  EXPECT_EQ(split_text("Hello there. How are you? I am fine!"),
            (Chunks{"Hello there.", "How are you?", "I am fine!"}));
  EXPECT_EQ(split_text("No final punctuation"), (Chunks{"No final punctuation"}));
  EXPECT_EQ(split_text("  Spaces   around.   And inside.  "),
            (Chunks{"Spaces around.", "And inside."}));
}

TEST(SplitterTest, KeepsClosingQuotesAndBracketsWithTheSentence) {
  EXPECT_EQ(split_text("He said \"Stop.\" Then he left. (It was late.) Fine."),
            (Chunks{"He said \"Stop.\"", "Then he left.", "(It was late.)", "Fine."}));
}

TEST(SplitterTest, DoesNotSplitInsideSentences) {
  // Initials and dotted acronyms, ellipses and quotes followed by lowercase, decimals left over
  // when normalisation is off, and "?!" runs.
  EXPECT_EQ(split_text("J. K. Rowling wrote it. The U.S. Army came."),
            (Chunks{"J. K. Rowling wrote it.", "The U.S. Army came."}));
  EXPECT_EQ(split_text("Wait... what? 'Hi.' she said. Pi is 3.14 or so. Really?! Yes."),
            (Chunks{"Wait... what?", "'Hi.' she said.", "Pi is 3.14 or so.", "Really?!", "Yes."}));
}

TEST(SplitterTest, LongSentencesSplitAtClausesThenWords) {
  // Limit 30: clauses are packed greedily while they fit.
  EXPECT_EQ(split_text("one two three, four five six; seven eight nine: ten eleven twelve", 30),
            (Chunks{"one two three, four five six;", "seven eight nine:", "ten eleven twelve"}));
  // A clause longer than the limit is cut between words.
  EXPECT_EQ(split_text("alpha beta gamma delta epsilon, zeta", 12),
            (Chunks{"alpha beta", "gamma delta", "epsilon,", "zeta"}));
}

TEST(SplitterTest, EmDashIsAClauseBoundary) {
  EXPECT_EQ(split_text("alpha beta gamma\u2014delta epsilon zeta", 20),
            (Chunks{"alpha beta gamma\u2014", "delta epsilon zeta"}));
}

TEST(SplitterTest, OverlongWordsAreCutHard) {
  EXPECT_EQ(split_text("abcdefghij klm", 4), (Chunks{"abcd", "efgh", "ij", "klm"}));
}

TEST(SplitterTest, AnyLengthStaysWithinTheLimit) {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += (i % 17 == 16) ? "end. The " : (i % 5 == 4 ? "word, " : "word ");
  text += std::string(1000, 'x');  // one huge "word" at the end
  const Chunks chunks = split_text(text, kDefaultMaxChunkChars);
  std::string rejoined;
  for (const auto& c : chunks) {
    EXPECT_FALSE(c.empty());
    EXPECT_LE(decode_utf8(c).size(), kDefaultMaxChunkChars);
    rejoined += (rejoined.empty() ? "" : " ") + c;
  }
  // One chunk per sentence (117 full ones), and the huge word cut into 300 + 300 + 300 + 100.
  EXPECT_EQ(std::count(rejoined.begin(), rejoined.end(), 'x'), 1000);
  EXPECT_EQ(chunks.back(), std::string(100, 'x'));
  EXPECT_EQ(chunks.size(), 117u + 1 + 4);
  EXPECT_EQ(chunks[0],
            "word word word word word, word word word word word, word word word word "
            "word, word end.");
}

TEST(SplitterTest, CountsCodePointsNotBytes) {
  // 6 code points, 12 bytes per "éééééé"; a limit of 6 keeps each word whole.
  EXPECT_EQ(
      split_text("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9 \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", 6),
      (Chunks{"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"}));
}

TEST(SplitterTest, EmptyTextGivesNoChunks) {
  EXPECT_TRUE(split_text("").empty());
  EXPECT_TRUE(split_text("    ").empty());
  EXPECT_THROW(split_text("x", 0), Error);
}

// The front end: normalise, then split (so "Dr." and "3.14" never end a chunk), then tokenize.
TEST(FrontEndTest, NormalisesSplitsAndTokenizes) {
  const auto tokenizer = make_builtin_tokenizer();
  const auto chunks = text_to_chunks("Dr. Smith paid $3.50. Pi is 3.14!", *tokenizer);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].text, "Doctor Smith paid three dollars and fifty cents.");
  EXPECT_EQ(chunks[1].text, "Pi is three point one four!");
  EXPECT_EQ(chunks[1].ids, (std::vector<int>{4,  49, 10, 4, 10, 12, 4, 6, 11, 13, 5,  5,  4,  24, 8,
                                             10, 9,  6,  4, 8,  9,  5, 4, 19, 8,  16, 13, 44, 2}));
  for (const auto& chunk : chunks) EXPECT_EQ(chunk.ids, tokenizer->encode_ids(chunk.text));
}

TEST(FrontEndTest, WithoutNormalisationTokenizesAsTheReference) {
  const auto tokenizer = make_builtin_tokenizer();
  FrontEndOptions options;
  options.normalize = false;
  const auto chunks = text_to_chunks("It's 42 dollars!", *tokenizer, options);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].ids,
            (std::vector<int>{4, 30, 6, 31, 12, 4, 3, 4, 14, 8, 15, 15, 7, 13, 12, 44, 2}));
}

TEST(FrontEndTest, LongTextFitsTheEncoder) {
  const auto tokenizer = make_builtin_tokenizer();
  std::string text;
  for (int i = 0; i < 300; ++i)
    text += "This is sentence number " + std::to_string(i) + ", and it goes on ";
  FrontEndOptions options;
  options.max_chunk_chars = 100;
  const auto chunks = text_to_chunks(text, *tokenizer, options);
  EXPECT_GT(chunks.size(), 100u);
  for (const auto& chunk : chunks) {
    EXPECT_LE(chunk.ids.size(), 102u);
    EXPECT_EQ(chunk.ids.back(), kEosId);
  }
}

TEST(FrontEndTest, RejectsTextWithNothingToSay) {
  const auto tokenizer = make_builtin_tokenizer();
  for (const std::string text : {"", "   ", "\t\n", "\u00a0\u2003", "\U0001F600\U0001F600"}) {
    try {
      text_to_chunks(text, *tokenizer);
      ADD_FAILURE() << "no error for \"" << text << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    }
  }
  FrontEndOptions too_big;
  too_big.max_chunk_chars = 449;
  EXPECT_THROW(text_to_chunks("hi", *tokenizer, too_big), Error);
}

}  // namespace
}  // namespace speecht5::text
