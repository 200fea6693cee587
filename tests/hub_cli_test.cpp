// `speecht5 download` as a user runs it, against the local fake Hub: the environment variables
// reach the child process, stdout is the snapshot folder, errors are one clear line.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

#include "support/cli_runner.h"
#include "support/fake_hub.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {
namespace fs = std::filesystem;
using test::FakeHub;

const std::string kCommit = "4444444444444444444444444444444444444444";
const std::string kTtsCommit = "5555555555555555555555555555555555555555";

// Sets variables for the child processes of one test and restores the previous values.
class ScopedEnvironment {
 public:
  void set(const std::string& name, const std::optional<std::string>& value) {
    if (saved_.count(name) == 0) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
  ~ScopedEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

class HubCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_.add_repo("tiny/hifigan",
                  FakeHub::repo_from_folder(test::data_dir() / "models" / "tiny" / "hifigan",
                                            kCommit, {"config.json", "model.safetensors"}));
    cache_ = test::temp_dir("hub_cli");
    env_.set("HF_ENDPOINT", hub_.endpoint());
    env_.set("HF_HUB_CACHE", cache_.string());
    for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "HF_HOME"})
      env_.set(name, std::nullopt);
    env_.set("HF_TOKEN_PATH", (cache_ / "no-token").string());
  }

  FakeHub hub_;
  fs::path cache_;
  ScopedEnvironment env_;
};

TEST_F(HubCliTest, DownloadPrintsTheSnapshotAndWorksOfflineAfterwards) {
  const fs::path snapshot = cache_ / "models--tiny--hifigan" / "snapshots" / kCommit;
  auto result = test::run_cli({"download", "tiny/hifigan"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, snapshot.string() + "\n");
  EXPECT_TRUE(fs::is_regular_file(snapshot / "model.safetensors"));
  EXPECT_TRUE(fs::is_regular_file(snapshot / "config.json"));

  hub_.clear_requests();
  env_.set("HF_HUB_OFFLINE", "1");
  result = test::run_cli({"download", "tiny/hifigan"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, snapshot.string() + "\n");
  EXPECT_EQ(hub_.requests().size(), 0u);

  // --revision with the commit hash resolves without a ref.
  result = test::run_cli({"download", "tiny/hifigan", "--revision", kCommit});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, snapshot.string() + "\n");
}

TEST_F(HubCliTest, WithoutRepoIdDownloadsTheDefaultModelAndVocoder) {
  // The fake Hub serves the tiny models under the default names.
  const fs::path tiny = test::data_dir() / "models" / "tiny";
  hub_.add_repo(
      "microsoft/speecht5_tts",
      FakeHub::repo_from_folder(tiny / "tts", kTtsCommit, {"config.json", "model.safetensors"}));
  hub_.add_repo(
      "microsoft/speecht5_hifigan",
      FakeHub::repo_from_folder(tiny / "hifigan", kCommit, {"config.json", "model.safetensors"}));
  const auto result = test::run_cli({"download"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(
      result.out,
      (cache_ / "models--microsoft--speecht5_tts" / "snapshots" / kTtsCommit).string() + "\n" +
          (cache_ / "models--microsoft--speecht5_hifigan" / "snapshots" / kCommit).string() + "\n");
}

TEST_F(HubCliTest, ErrorsAreOneClearLine) {
  env_.set("HF_HUB_OFFLINE", "1");
  auto result = test::run_cli({"download", "tiny/hifigan"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("speecht5: error: offline mode (HF_HUB_OFFLINE=1)"), std::string::npos)
      << result.err;

  env_.set("HF_HUB_OFFLINE", std::nullopt);
  result = test::run_cli({"download", "hifigan"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("not a Hugging Face repo id"), std::string::npos) << result.err;

  result = test::run_cli({"download", "tiny/missing"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("repository tiny/missing not found"), std::string::npos) << result.err;

  result = test::run_cli({"download", "tiny/hifigan", "--revision", "v2"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("revision 'v2' not found"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty());
}

}  // namespace
}  // namespace speecht5
