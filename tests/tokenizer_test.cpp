#include "text/tokenizer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/error.h"
#include "support/fixtures.h"

namespace speecht5::text {
namespace {

const std::filesystem::path kReconstructedModel = "spm_char_reconstructed.model";

struct Case {
  std::string text;
  std::vector<std::string> pieces;
  std::vector<int> ids;
};

std::vector<Case> load_cases() {
  std::ifstream in(test::fixture("tokenizer_cases.json"));
  const auto json = nlohmann::json::parse(in);
  std::vector<Case> cases;
  for (const auto& c : json.at("cases")) {
    cases.push_back({c.at("text").get<std::string>(),
                     c.at("pieces").get<std::vector<std::string>>(),
                     c.at("ids").get<std::vector<int>>()});
  }
  return cases;
}

std::unique_ptr<Tokenizer> reconstructed_spm() {
  return make_sentencepiece_tokenizer(test::data_dir() / kReconstructedModel);
}

void expect_matches_cases(const Tokenizer& tokenizer) {
  const auto cases = load_cases();
  ASSERT_EQ(cases.size(), 19u);
  for (const auto& c : cases) {
    const Encoding enc = tokenizer.encode(c.text);
    EXPECT_EQ(enc.pieces, c.pieces) << tokenizer.description() << " on \"" << c.text << "\"";
    EXPECT_EQ(enc.ids, c.ids) << tokenizer.description() << " on \"" << c.text << "\"";
  }
}

TEST(TokenizerTest, BuiltinMatchesReferenceCases) {
  expect_matches_cases(*make_builtin_tokenizer());
}

TEST(TokenizerTest, SentencePieceMatchesReferenceCases) {
  expect_matches_cases(*reconstructed_spm());
}

// Random strings over an alphabet of the edge cases (spaces, U+2581 itself, unknown runs, control
// characters, special-token spellings) must tokenize identically through both paths.
TEST(TokenizerTest, BuiltinAgreesWithSentencePieceOnRandomText) {
  const std::vector<std::string> alphabet = {" ",
                                             " ",
                                             "  ",
                                             "a",
                                             "Z",
                                             "é",
                                             "ü",
                                             "\xe2\x96\x81",
                                             "7",
                                             "\t",
                                             "\n",
                                             "<s>",
                                             "</s>",
                                             "<unk>",
                                             "\xf0\x9f\x98\x80",
                                             "\xcc\x84",
                                             "\xc2\xa0",
                                             "—",
                                             ".",
                                             "\x01",
                                             "<mask>"};
  const auto builtin = make_builtin_tokenizer();
  const auto spm = reconstructed_spm();
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text;
    const int len = static_cast<int>(rng() % 12);
    for (int i = 0; i < len; ++i) text += alphabet[rng() % alphabet.size()];
    const Encoding a = builtin->encode(text);
    const Encoding b = spm->encode(text);
    ASSERT_EQ(a.pieces, b.pieces) << "text: \"" << text << "\"";
    ASSERT_EQ(a.ids, b.ids) << "text: \"" << text << "\"";
  }
}

TEST(TokenizerTest, EmptyAndBlankTextGiveOnlyEos) {
  for (const auto& tokenizer : {make_builtin_tokenizer(), reconstructed_spm()}) {
    EXPECT_EQ(tokenizer->encode("").ids, std::vector<int>{kEosId});
    EXPECT_EQ(tokenizer->encode("   ").ids, std::vector<int>{kEosId});
  }
}

TEST(TokenizerTest, InvalidUtf8NamesTheBytePosition) {
  const std::vector<std::pair<std::string, size_t>> bad = {{"ab\xff", 2},       {"\xc3", 0},
                                                           {"ok \xe2\x96", 3},  {"x\xc0\xaf", 1},
                                                           {"\xed\xa0\x80", 0}, {"abc\xc3(", 3}};
  for (const auto& tokenizer : {make_builtin_tokenizer(), reconstructed_spm()}) {
    for (const auto& [text, pos] : bad) {
      try {
        tokenizer->encode(text);
        ADD_FAILURE() << "no error for invalid UTF-8 at " << pos;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
        EXPECT_NE(std::string(e.what()).find("at byte " + std::to_string(pos)), std::string::npos)
            << e.what();
      }
    }
  }
}

TEST(TokenizerTest, VocabularySizeMatchesStockConfig) {
  const auto builtin = make_builtin_tokenizer();
  EXPECT_EQ(builtin->vocab_size(), 81);
  EXPECT_EQ(reconstructed_spm()->vocab_size(), 81);  // 79 pieces + <mask> + <ctc_blank>
  EXPECT_NO_THROW(check_vocab_size(*builtin, 81, "config.json"));
  try {
    check_vocab_size(*builtin, 80, "my/config.json");
    FAIL() << "expected a vocab_size mismatch";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kModel);
    EXPECT_NE(std::string(e.what()).find("my/config.json"), std::string::npos);
  }
}

TEST(TokenizerTest, HasCharacterFollowsVocabulary) {
  for (const auto& tokenizer : {make_builtin_tokenizer(), reconstructed_spm()}) {
    EXPECT_TRUE(tokenizer->has_character("a"));
    EXPECT_TRUE(tokenizer->has_character("Q"));
    EXPECT_TRUE(tokenizer->has_character("é"));
    EXPECT_TRUE(tokenizer->has_character("—"));
    EXPECT_FALSE(tokenizer->has_character("1"));
    EXPECT_FALSE(tokenizer->has_character("ü"));
    EXPECT_FALSE(tokenizer->has_character("&"));
  }
}

TEST(TokenizerTest, FactoryPicksSentencePieceWhenTheModelFolderHasOne) {
  EXPECT_EQ(make_tokenizer({})->description(), make_builtin_tokenizer()->description());
  const auto tiny = test::data_dir() / "models/tiny/tts";  // config.json, vocab 81, no spm model
  EXPECT_EQ(make_tokenizer(tiny)->description(), make_builtin_tokenizer()->description());

  const auto dir = test::temp_dir("tokenizer_factory");
  std::filesystem::copy_file(test::data_dir() / kReconstructedModel, dir / "spm_char.model");
  std::filesystem::copy_file(tiny / "config.json", dir / "config.json");
  const auto tokenizer = make_tokenizer(dir);
  EXPECT_NE(tokenizer->description().find("sentencepiece"), std::string::npos);
  EXPECT_EQ(tokenizer->encode("Hi").ids, (std::vector<int>{4, 35, 10, 2}));
}

TEST(TokenizerTest, CorruptSentencePieceModelIsAFormatError) {
  const auto dir = test::temp_dir("tokenizer_corrupt");
  std::ofstream(dir / "spm_char.model") << "not a model";
  try {
    make_tokenizer(dir);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat);
    EXPECT_NE(std::string(e.what()).find("spm_char.model"), std::string::npos);
  }
}

// A fine-tuned checkpoint brings its own vocabulary: train a tiny character model with the
// `spm_train` tool and check that its ids, not the stock ones, come out.
TEST(TokenizerTest, UsesAFreshlyTrainedCharacterModel) {
  const auto dir = test::temp_dir("tokenizer_trained");
  std::ofstream(dir / "corpus.txt") << "the cat sat on the mat\nan ant and a bat\ntest text\n";
  const std::string command =
      "spm_train --input=" + (dir / "corpus.txt").string() +
      " --model_prefix=" + (dir / "spm_char").string() +
      " --model_type=char --vocab_size=24 --hard_vocab_limit=false --bos_id=0 --pad_id=1"
      " --eos_id=2 --unk_id=3 --normalization_rule_name=identity --minloglevel=2 > " +
      (dir / "train.log").string() + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "spm_train failed; see " << dir / "train.log";

  const auto tokenizer = make_tokenizer(dir);  // no config.json: no vocab check
  // Trained vocabulary, by frequency: ▁ 4, t 5, a 6, e 7, n 8, h 9, s 10, b 11, c 12, ...
  EXPECT_EQ(tokenizer->vocab_size(), 17 + 2);
  const Encoding enc = tokenizer->encode("  the  cat zz");
  EXPECT_EQ(enc.pieces,
            (std::vector<std::string>{"▁", "t", "h", "e", "▁", "c", "a", "t", "▁", "zz"}));
  EXPECT_EQ(enc.ids, (std::vector<int>{4, 5, 9, 7, 4, 12, 6, 5, 4, 3, 2}));
  EXPECT_FALSE(tokenizer->has_character("T"));
}

}  // namespace
}  // namespace speecht5::text
