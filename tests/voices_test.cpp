#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "runtime/voices.h"
#include "support/cli_runner.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

// The embedded copy must be bit-identical to the .npy it came from (raw float32 after the header).
TEST(VoicesTest, EmbeddedVoicesEqualTheirNpyFiles) {
  ASSERT_EQ(builtin_voices().size(), 6u);
  for (const auto& voice : builtin_voices()) {
    std::ifstream in(test::data_dir() / "speakers" / (std::string(voice.source) + ".npy"), std::ios::binary);
    ASSERT_TRUE(in) << voice.source;
    std::string blob((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GE(blob.size(), 512u * 4);
    const char* raw = blob.data() + blob.size() - 512 * 4;
    EXPECT_EQ(std::memcmp(raw, voice.embedding.data(), 512 * 4), 0) << voice.name;
  }
}

TEST(VoicesTest, FindsByNameAndRejectsUnknown) {
  ASSERT_NE(find_builtin_voice("slt"), nullptr);
  EXPECT_STREQ(find_builtin_voice("slt")->source, "cmu_us_slt_arctic-wav-arctic_a0508");
  EXPECT_EQ(find_builtin_voice("nobody"), nullptr);
  EXPECT_EQ(find_builtin_voice(""), nullptr);
}

TEST(VoicesTest, CliListsAllSix) {
  auto result = test::run_cli({"voices"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* name : {"awb", "bdl", "clb", "ksp", "rms", "slt"})
    EXPECT_NE(result.out.find(name), std::string::npos) << name;
}

}  // namespace
}  // namespace speecht5
