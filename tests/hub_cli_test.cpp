// `speecht5 download` as a user runs it, against the local fake Hub: the environment variables
// reach the child process, stdout is the snapshot folder, errors are one clear line.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "core/tensor.h"
#include "io/hub.h"
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

// The float32 payload of a .npy file written by `synth --save-mel`.
std::vector<float> npy_values(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10) return {};
  const size_t header =
      10 + (static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8);
  std::vector<float> values((bytes.size() - header) / sizeof(float));
  std::memcpy(values.data(), bytes.data() + header, values.size() * sizeof(float));
  return values;
}

class HubCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_.add_repo("tiny/hifigan",
                  FakeHub::repo_from_folder(test::data_dir() / "models" / "tiny" / "hifigan",
                                            kCommit, {"config.json", "model.safetensors"}));
    // One folder per test: ctest runs the tests of this suite in parallel processes.
    cache_ = test::temp_dir(std::string("hub_cli_") +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
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

TEST_F(HubCliTest, SynthAndVocodeTakeRepoIdsOfflineFromTheCache) {
  const fs::path folder = test::data_dir() / "models" / "tiny" / "tts";
  hub_.add_repo("tiny/tts", FakeHub::repo_from_folder(folder, kTtsCommit,
                                                      {"config.json", "model.safetensors"}));
  io::HubOptions options;
  options.endpoint = hub_.endpoint();
  options.cache_dir = cache_;
  io::resolve_model("tiny/tts", options);  // pre-populates the cache

  // Offline, and no Hub either: any network access would fail.
  env_.set("HF_HUB_OFFLINE", "1");
  env_.set("HF_ENDPOINT", "http://127.0.0.1:1");
  hub_.clear_requests();
  const auto synth = [&](const std::string& model, const fs::path& mel) {
    return test::run_cli({"synth", "--model", model, "--input-ids", "4,5,6,7,2", "--seed", "7",
                          "--maxlenratio", "4", "--save-mel", mel.string()});
  };
  auto result = synth("tiny/tts", cache_ / "hub_mel.npy");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  result = synth(folder.string(), cache_ / "folder_mel.npy");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(hub_.requests().size(), 0u);
  // The cached snapshot is the same model as the folder: the same spectrogram (rel-L2 <= 1e-6).
  const auto from_hub = npy_values(cache_ / "hub_mel.npy");
  const auto from_folder = npy_values(cache_ / "folder_mel.npy");
  ASSERT_FALSE(from_folder.empty());
  ASSERT_EQ(from_hub.size(), from_folder.size());
  EXPECT_LE(
      test::rel_l2(from_hub.data(), from_folder.data(), static_cast<int64_t>(from_hub.size())),
      1e-6);

  // The vocoder by repo id too: the same waveform file as from the folder.
  const auto vocode = [&](const std::string& vocoder, const fs::path& wav) {
    return test::run_cli({"vocode", "--vocoder", vocoder, "--mel",
                          (cache_ / "hub_mel.npy").string(), "-o", wav.string()});
  };
  result = vocode("tiny/hifigan", cache_ / "hub.wav");  // served by the fake Hub, not cached
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("speecht5 download tiny/hifigan"), std::string::npos) << result.err;
  io::resolve_model("tiny/hifigan", options);
  result = vocode("tiny/hifigan", cache_ / "hub.wav");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  result =
      vocode((test::data_dir() / "models" / "tiny" / "hifigan").string(), cache_ / "folder.wav");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream hub_wav(cache_ / "hub.wav", std::ios::binary),
      folder_wav(cache_ / "folder.wav", std::ios::binary);
  const std::string hub_bytes((std::istreambuf_iterator<char>(hub_wav)), {});
  const std::string folder_bytes((std::istreambuf_iterator<char>(folder_wav)), {});
  EXPECT_GT(folder_bytes.size(), 44u);
  EXPECT_EQ(hub_bytes, folder_bytes);

  // A repo that is not cached fails clearly instead of reaching for the network.
  result = synth("tiny/other", cache_ / "other_mel.npy");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("offline mode (HF_HUB_OFFLINE=1) and tiny/other"), std::string::npos)
      << result.err;
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
