#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

using test::run_cli;

TEST(TokenizeCliTest, PrintsNormalisedTextAndIds) {
  const auto r = run_cli({"tokenize", "It's", "$5!"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "It's five dollars!\n"
            "4 30 6 31 12 4 19 10 27 5 4 14 8 15 15 7 13 12 44 2\n");
}

TEST(TokenizeCliTest, JsonIsOneObject) {
  const auto r = run_cli({"tokenize", "--json", "Hello world"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json.size(), 2u);
  EXPECT_EQ(json.at("normalized"), "Hello world");
  EXPECT_EQ(json.at("ids").get<std::vector<int>>(),
            (std::vector<int>{4, 35, 5, 15, 15, 8, 4, 20, 8, 13, 15, 14, 2}));
}

TEST(TokenizeCliTest, NoNormalizeKeepsDigitsAsUnknown) {
  const auto r = run_cli({"tokenize", "--json", "--no-normalize", "It's 42 dollars!"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json.at("normalized"), "It's 42 dollars!");
  EXPECT_EQ(json.at("ids").get<std::vector<int>>(),
            (std::vector<int>{4, 30, 6, 31, 12, 4, 3, 4, 14, 8, 15, 15, 7, 13, 12, 44, 2}));
}

TEST(TokenizeCliTest, ReadsStandardInputWithoutText) {
  const auto r = run_cli({"tokenize", "--json"}, "Room 101\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("normalized"), "Room one hundred one");
}

TEST(TokenizeCliTest, UsesTheModelFoldersSentencePieceModel) {
  const auto dir = test::temp_dir("tokenize_cli_model");
  std::filesystem::copy_file(test::data_dir() / "spm_char_reconstructed.model",
                             dir / "spm_char.model");
  const auto r = run_cli({"tokenize", "--json", "--model", dir.string(), "Hi"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("ids").get<std::vector<int>>(),
            (std::vector<int>{4, 35, 10, 2}));
}

TEST(TokenizeCliTest, EmptyOrWhitespaceTextIsAnError) {
  for (const std::string text : {"", "   ", "\t \n"}) {
    const auto r = run_cli({"tokenize", text});
    EXPECT_NE(r.exit_code, 0) << "text \"" << text << "\"";
    EXPECT_NE(r.err.find("empty or whitespace"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  const auto emoji = run_cli({"tokenize", "\U0001F600"});
  EXPECT_NE(emoji.exit_code, 0);
  EXPECT_NE(emoji.err.find("nothing to read"), std::string::npos) << emoji.err;
}

TEST(TokenizeCliTest, InvalidUtf8IsAnErrorWithPosition) {
  const auto r = run_cli({"tokenize", "abc\xc3("});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("UTF-8"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("at byte 3"), std::string::npos) << r.err;
}

TEST(TokenizeCliTest, MissingModelFolderIsAnError) {
  const auto r = run_cli({"tokenize", "--model", "/no/such/model/dir", "Hi"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/no/such/model/dir"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace speecht5
