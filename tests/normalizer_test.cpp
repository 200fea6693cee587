#include "text/normalizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "core/error.h"
#include "core/log.h"
#include "text/tokenizer.h"

namespace speecht5::text {
namespace {

struct Reading {
  const char* text;
  const char* expected;
};

// Each rule of docs/TEXT.md with the reading an English speaker would give.
constexpr Reading kReadings[] = {
    // Integers, separators, signs, decimals.
    {"0", "zero"},
    {"7 apples", "seven apples"},
    {"42", "forty two"},
    {"100", "one hundred"},
    {"115", "one hundred fifteen"},
    {"1,000,000", "one million"},
    {"12,345", "twelve thousand three hundred forty five"},
    {"1000000", "one million"},
    {"10\u202f000 km", "ten thousand kilometers"},
    {"1\u00a0234\u00a0567",
     "one million two hundred thirty four thousand five hundred sixty seven"},
    {"3,000,000,001", "three billion one"},
    {"1,2,3", "one, two, three"},
    {"-5", "minus five"},
    {"It was -12 degrees.", "It was minus twelve degrees."},
    {"+3", "plus three"},
    {"3.14", "three point one four"},
    {"0.5", "zero point five"},
    {".5", "point five"},
    {"-0.25", "minus zero point two five"},
    {"1,234.56", "one thousand two hundred thirty four point five six"},
    {"007", "zero zero seven"},
    {"version 1.2.3", "version one point two point three"},
    {"1234567890123456789",
     "one two three four five six seven eight nine zero one two three four "
     "five six seven eight nine"},
    {"It costs 5.", "It costs five."},
    // Ordinals.
    {"1st", "first"},
    {"2nd", "second"},
    {"3rd", "third"},
    {"4th", "fourth"},
    {"21st", "twenty first"},
    {"12th", "twelfth"},
    {"90th", "ninetieth"},
    {"100th", "one hundredth"},
    {"the 103rd floor", "the one hundred third floor"},
    // Years and decades.
    {"1999", "nineteen ninety nine"},
    {"in 1905", "in nineteen oh five"},
    {"1900", "nineteen hundred"},
    {"2000", "two thousand"},
    {"2005", "two thousand five"},
    {"2010", "twenty ten"},
    {"2024", "twenty twenty four"},
    {"1066", "one thousand sixty six"},
    {"the 1990s", "the nineteen nineties"},
    {"the '80s", "the eighties"},
    {"in her 20s", "in her twenties"},
    {"March 3, 2020", "March third, twenty twenty"},
    {"on May 21st", "on May twenty first"},
    // Times.
    {"3:30 pm", "three thirty p m"},
    {"10:05", "ten oh five"},
    {"3:00", "three o'clock"},
    {"14:00", "fourteen hundred"},
    {"7:45 AM", "seven forty five a m"},
    {"at 5pm", "at five p m"},
    {"at 9 a.m. we", "at nine a m we"},
    {"It ends at 6 p.m. Then", "It ends at six p m. Then"},
    {"12:30:15", "twelve thirty and fifteen seconds"},
    // Currency.
    {"$42.50", "forty two dollars and fifty cents"},
    {"$1", "one dollar"},
    {"$0.99", "ninety nine cents"},
    {"$1.01", "one dollar and one cent"},
    {"$1,000", "one thousand dollars"},
    {"$2.5", "two dollars and fifty cents"},
    {"$1.5 million", "one point five million dollars"},
    {"$3bn", "three billion dollars"},
    {"-$5", "minus five dollars"},
    {"$5k", "five thousand dollars"},
    {"$1.505", "one point five zero five dollars"},
    {"\u20b910", "ten rupees"},
    {"1,999", "one thousand nine hundred ninety nine"},
    {"1500 people", "fifteen hundred people"},
    {"\u20ac5", "five euros"},
    {"\u20ac1.20", "one euro and twenty cents"},
    {"5\u20ac", "five euros"},
    {"\u00a310", "ten pounds"},
    {"\u00a32.50", "two pounds and fifty pence"},
    {"\u00a30.01", "one penny"},
    {"\u00a5500", "five hundred yen"},
    {"99\u00a2", "ninety nine cents"},
    {"1\u00a2", "one cent"},
    {"prices in $", "prices in dollars"},
    {"pay $ 5", "pay five dollars"},
    // Percent.
    {"50%", "fifty percent"},
    {"3.5 %", "three point five percent"},
    {"100% sure", "one hundred percent sure"},
    // Units.
    {"5 km", "five kilometers"},
    {"1 km", "one kilometer"},
    {"2.5kg", "two point five kilograms"},
    {"60 mph", "sixty miles per hour"},
    {"100 km/h", "one hundred kilometers per hour"},
    {"20\u00b0C", "twenty degrees Celsius"},
    {"-4 \u00b0F", "minus four degrees Fahrenheit"},
    {"90\u00b0", "ninety degrees"},
    {"1 \u2103", "one degree Celsius"},
    {"10 cm", "ten centimeters"},
    {"5 mm", "five millimeters"},
    {"3 m", "three meters"},
    {"500 g", "five hundred grams"},
    {"6ft", "six feet"},
    {"12in", "twelve inches"},
    {"in 12 in", "in twelve in"},
    {"16 GB", "sixteen gigabytes"},
    {"2.4 GHz", "two point four gigahertz"},
    {"30 min", "thirty minutes"},
    {"250 ml", "two hundred fifty milliliters"},
    // Alphanumerics.
    {"221B Baker Street", "two twenty one B Baker Street"},
    {"3D", "three D"},
    {"MP3", "M P three"},
    {"A380", "A three eighty"},
    {"4x4", "four x four"},
    {"abc123def", "abc one twenty three def"},
    {"v2.0", "v two point zero"},
    {"5G", "five G"},
    // Phone numbers and Roman numerals.
    {"Call 555-1234.", "Call five five five, one two three four."},
    {"555-123-4567", "five five five, one two three, four five six seven"},
    {"World War II", "World War two"},
    {"Chapter XIV begins", "Chapter fourteen begins"},
    {"Henry VIII", "Henry the eighth"},
    {"Elizabeth I of England", "Elizabeth the first of England"},
    {"Then Henry I went", "Then Henry I went"},
    {"Pope John Paul II.", "Pope John Paul the second."},
    {"I said MIX", "I said MIX"},
    {"Chapter IIII", "Chapter IIII"},
    // Abbreviations.
    {"Dr. Smith", "Doctor Smith"},
    {"Mr. and Mrs. Jones", "Mister and Missus Jones"},
    {"Ms. Lee", "Miz Lee"},
    {"Mr Brown", "Mister Brown"},
    {"St. John", "Saint John"},
    {"on Baker St. today", "on Baker Street today"},
    {"at 10 Elm Dr. He", "at ten Elm Drive. He"},
    {"John Smith Jr. said", "John Smith Junior said"},
    {"Acme Inc. The end.", "Acme Incorporated. The end."},
    {"apples, pears, etc.", "apples, pears, et cetera."},
    {"cats vs. dogs", "cats versus dogs"},
    {"fruit, e.g. apples", "fruit, for example apples"},
    {"one, i.e. the first", "one, that is the first"},
    {"No. 5", "number five"},
    {"Prof. X", "Professor X"},
    {"Mt. Everest", "Mount Everest"},
    {"Jan. 5", "January fifth"},
    // Symbols.
    {"salt & pepper", "salt and pepper"},
    {"R&D", "R and D"},
    {"C++", "C plus plus"},
    {"2 + 2 = 4", "two plus two equals four"},
    {"me@example.com", "me at example dot com"},
    {"#1", "number one"},
    {"#hashtag", "hashtag"},
    {"aka a.k.a. Bob", "aka also known as Bob"},
    {"10-20", "ten-twenty"},
    {"1/2", "one/two"},
    {"5 \u00d7 3", "five times three"},
    {"2\u00bd", "two and a half"},
    {"\u00bd cup", "one half cup"},
    {"\u03c0 r squared", "pi r squared"},
    {"1990\u20131995", "nineteen ninety to nineteen ninety five"},
    {"wait \u2013 what", "wait \u2014 what"},
    {"well-known", "well-known"},
    {"snake_case", "snake case"},
    {"*bold*", "bold"},
    // Characters outside the vocabulary.
    {"caf\u00e9", "caf\u00e9"},
    {"na\u00efve", "naive"},
    {"Z\u00fcrich", "Zurich"},
    {"stra\u00dfe", "strasse"},
    {"\u00e6ther", "\u00e6ther"},
    {"\u00c6sop", "AEsop"},
    {"cr\u00e8me br\u00fbl\u00e9e", "creme brul\u00e9e"},
    {"\u00c9cole", "Ecole"},
    {"fa\u00e7ade", "facade"},
    {"\u201cquoted\u201d", "\"quoted\""},
    {"it\u2019s", "it's"},
    {"\u00abbonjour\u00bb", "\"bonjour\""},
    {"wait\u2026", "wait..."},
    {"a\u00a0b\u2003c\td", "a b c d"},
    {"zero\u200bwidth", "zerowidth"},
    {"\uff28\uff49", "Hi"},
    {"\ufb01ne", "fine"},
    {"a\u2581b\u2581", "a b"},
    {"emoji \U0001F600 here", "emoji here"},
    {"\u65e5\u672c", ""},
    // Whitespace and paragraphs.
    {"  many   spaces  ", "many spaces"},
    {"line one\nline two", "line one line two"},
    {"Title\n\nBody text", "Title. Body text"},
    {"Done.\r\n\r\nNext", "Done. Next"},
};

TEST(NormalizerTest, ReadsEveryRuleAsDocumented) {
  for (const auto& r : kReadings) {
    EXPECT_EQ(normalize_text(r.text), r.expected) << "input: \"" << r.text << "\"";
  }
}

TEST(NormalizerTest, OutputHasOnlyVocabularyCharacters) {
  const auto tokenizer = make_builtin_tokenizer();
  for (const auto& r : kReadings) {
    const auto ids = tokenizer->encode_ids(normalize_text(r.text));
    for (int id : ids) EXPECT_NE(id, kUnkId) << "input: \"" << r.text << "\"";
  }
}

// Random mixtures of digits, symbols, letters and Unicode: never an error, never a digit or any
// other character outside the vocabulary in the output, and stable when normalised again.
TEST(NormalizerTest, RandomTextOnlyYieldsVocabularyCharacters) {
  const std::vector<std::string> alphabet = {
      "0",      "1",      "5",      "9",      "12",         ",",      ".",  ":", "-",
      "+",      "$",      "\u20ac", "\u00a3", "\u00a2",     "%",      " ",  " ", "a",
      "m",      "p",      "s",      "t",      "h",          "k",      "B",  "M", "Dr",
      "St",     "No",     "e.g.",   "'",      "\"",         "\u00b0", "C",  "&", "#",
      "@",      "\u2013", "\u00e9", "\u00fc", "\U0001F600", "\n",     "\t", "/", "x",
      "\u00bd", "th",     "rd",     "km",     "in",         "(",      ")",  "?", "!",
      "\u2026", "\u00a0", "_",      "*"};
  const auto tokenizer = make_builtin_tokenizer();
  std::mt19937 rng(42);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text;
    const int len = 1 + static_cast<int>(rng() % 16);
    for (int i = 0; i < len; ++i) text += alphabet[rng() % alphabet.size()];
    std::string once;
    ASSERT_NO_THROW(once = normalize_text(text)) << "input: \"" << text << "\"";
    for (int id : tokenizer->encode_ids(once)) {
      ASSERT_NE(id, kUnkId) << "input: \"" << text << "\" -> \"" << once << "\"";
    }
    EXPECT_EQ(once.find("  "), std::string::npos) << "input: \"" << text << "\"";
  }
}

TEST(NormalizerTest, LongTextIsLinear) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "Dr. Who paid $1,234.50 at 3:30 pm on May 3rd; ";
  const auto start = std::chrono::steady_clock::now();
  const std::string out = normalize_text(text);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(out.find("Doctor Who paid one thousand two hundred thirty four dollars and fifty "
                     "cents at three thirty p m on May third;"),
            std::string::npos);
  EXPECT_LT(seconds, 5.0) << "normalising ~1 MB took " << seconds << " s";
}

TEST(NormalizerTest, KeepsCharactersACustomVocabularyHas) {
  // The stock vocabulary has é but not ü; a vocabulary with ü keeps it.
  class WithUmlaut : public Tokenizer {
   public:
    Encoding encode(std::string_view) const override { return {}; }
    int vocab_size() const override { return 0; }
    bool has_character(std::string_view ch) const override {
      return ch == "\u00fc" || make_builtin_tokenizer()->has_character(ch);
    }
    std::string description() const override { return "test"; }
  } vocabulary;
  EXPECT_EQ(normalize_text("Z\u00fcrich", &vocabulary), "Z\u00fcrich");
}

TEST(NormalizerTest, ReportsDroppedCharactersInTheDebugLog) {
  const log::Level saved = log::level();
  log::set_level(log::Level::kDebug);
  const bool debug_on = log::level() == log::Level::kDebug;  // SPEECHT5_LOG may override
  testing::internal::CaptureStderr();
  const std::string out = normalize_text("smile \U0001F600 \u65e5 ok \U0001F600");
  const std::string err = testing::internal::GetCapturedStderr();
  log::set_level(saved);
  EXPECT_EQ(out, "smile ok");
  if (debug_on) {
    EXPECT_NE(err.find("dropped characters with no reading: \"\U0001F600\u65e5\""),
              std::string::npos)
        << err;
  }
}

TEST(NormalizerTest, InvalidUtf8IsAnErrorWithPosition) {
  try {
    normalize_text("abc\xff");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("at byte 3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace speecht5::text
