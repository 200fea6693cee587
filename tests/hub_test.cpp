// Downloads from a local fake Hub (support/fake_hub.h) into a temporary cache: the cache layout
// huggingface_hub expects, no requests once cached, offline mode, and the failure cases
// (corruption, interruption, auth, not found, no network, disk full) leaving the cache usable.
#include "io/hub.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "io/hub_cache.h"
#include "io/sha256.h"
#include "support/fake_hub.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {
namespace fs = std::filesystem;
using test::FakeHub;

const std::string kTtsCommit = "1111111111111111111111111111111111111111";
const std::string kVocoderCommit = "2222222222222222222222222222222222222222";
const std::string kPickleCommit = "3333333333333333333333333333333333333333";

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

fs::path tiny(const std::string& name) { return test::data_dir() / "models" / "tiny" / name; }

// The message of the speecht5::Error `action` throws (fails the test when it throws none).
template <typename Action>
std::string error_of(Action&& action, ErrorCode* code = nullptr) {
  try {
    action();
  } catch (const Error& error) {
    if (code != nullptr) *code = error.code();
    return error.what();
  }
  ADD_FAILURE() << "expected a speecht5::Error";
  return "";
}

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tts = FakeHub::repo_from_folder(tiny("tts"), kTtsCommit,
                                         {"config.json", "model.safetensors", "pytorch_model.bin"});
    tts.files["spm_char.model"] = read_bytes(test::data_dir() / "spm_char_reconstructed.model");
    hub_.add_repo("tiny/tts", tts);
    hub_.add_repo("tiny/hifigan", FakeHub::repo_from_folder(tiny("hifigan"), kVocoderCommit,
                                                            {"config.json", "model.safetensors"}));
    hub_.add_repo("tiny/pickle-only",
                  FakeHub::repo_from_folder(tiny("tts"), kPickleCommit,
                                            {"config.json", "pytorch_model.bin"}));
    auto secret = tts;
    secret.is_private = true;
    hub_.add_repo("tiny/private", secret);

    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    cache_ = test::temp_dir(std::string("hub_") + info->name());
    options_.endpoint = hub_.endpoint();
    options_.cache_dir = cache_;
    options_.progress = false;
    options_.connect_timeout_s = 5;
    options_.stall_timeout_s = 5;
    options_.metadata_timeout_s = 5;
  }

  fs::path repo_dir(const std::string& folder) const { return cache_ / folder; }

  int count(const std::string& method, const std::string& path_part) const {
    int n = 0;
    for (const auto& request : hub_.requests())
      if (request.method == method && request.path.find(path_part) != std::string::npos) ++n;
    return n;
  }

  FakeHub hub_;
  fs::path cache_;
  io::HubOptions options_;
};

TEST_F(HubTest, FirstDownloadBuildsTheHuggingFaceCacheLayout) {
  const fs::path snapshot = io::resolve_model("tiny/tts", options_);
  const fs::path repo = repo_dir("models--tiny--tts");
  EXPECT_EQ(snapshot, repo / "snapshots" / kTtsCommit);
  EXPECT_EQ(read_bytes(repo / "refs" / "main"), kTtsCommit);

  // LFS file: named by its sha256 (from X-Linked-Etag), reached by a relative link.
  const std::string weights = read_bytes(tiny("tts") / "model.safetensors");
  const std::string weights_sha = io::sha256_hex(weights);
  ASSERT_TRUE(fs::is_symlink(snapshot / "model.safetensors"));
  EXPECT_EQ(fs::read_symlink(snapshot / "model.safetensors"),
            fs::path("../../blobs") / weights_sha);
  EXPECT_EQ(read_bytes(snapshot / "model.safetensors"), weights);
  EXPECT_EQ(read_bytes(repo / "blobs" / weights_sha), weights);

  // Regular file: named by its ETag with the W/ prefix and quotes stripped.
  const std::string config = read_bytes(tiny("tts") / "config.json");
  const std::string config_etag = io::sha256_hex(config).substr(0, 40);
  EXPECT_EQ(fs::read_symlink(snapshot / "config.json"), fs::path("../../blobs") / config_etag);
  EXPECT_EQ(read_bytes(snapshot / "config.json"), config);
  EXPECT_EQ(read_bytes(snapshot / "spm_char.model"),
            read_bytes(test::data_dir() / "spm_char_reconstructed.model"));

  // safetensors present: the pickle is not fetched; absent optional files are remembered.
  EXPECT_FALSE(fs::exists(snapshot / "pytorch_model.bin"));
  EXPECT_EQ(count("GET", "pytorch_model.bin"), 0);
  EXPECT_FALSE(fs::exists(snapshot / "tokenizer_config.json"));
  EXPECT_TRUE(fs::exists(repo / ".no_exist" / kTtsCommit / "tokenizer_config.json"));
  // Exactly the three files in blobs/, nothing partial left behind.
  int blobs = 0;
  for (const auto& entry : fs::directory_iterator(repo / "blobs")) {
    EXPECT_EQ(entry.path().extension(), "") << entry.path();
    ++blobs;
  }
  EXPECT_EQ(blobs, 3);
  // Only config.json is asked for by branch; the rest is pinned to the commit it returned.
  EXPECT_EQ(count("HEAD", "/resolve/main/"), 1);
  EXPECT_EQ(count("HEAD", "/resolve/" + kTtsCommit + "/"), 7);
  EXPECT_EQ(count("GET", "/cdn/" + weights_sha), 1);
}

TEST_F(HubTest, SecondRunMakesNoRequests) {
  const fs::path first = io::resolve_model("tiny/tts", options_);
  EXPECT_GT(hub_.requests().size(), 0u);
  hub_.clear_requests();
  const fs::path second = io::resolve_model("tiny/tts", options_);
  EXPECT_EQ(second, first);
  EXPECT_EQ(hub_.requests().size(), 0u);
}

TEST_F(HubTest, RefreshAsksTheHubButReusesCachedBlobs) {
  io::resolve_model("tiny/hifigan", options_);
  hub_.clear_requests();
  options_.refresh = true;
  EXPECT_EQ(io::resolve_model("tiny/hifigan", options_),
            repo_dir("models--tiny--hifigan") / "snapshots" / kVocoderCommit);
  EXPECT_GT(count("HEAD", "/resolve/"), 0);
  EXPECT_EQ(count("GET", "/"), 0);
}

TEST_F(HubTest, OfflineModeUsesTheCacheAndFailsClearlyWithout) {
  options_.offline = true;
  ErrorCode code{};
  const std::string message = error_of([&] { io::resolve_model("tiny/tts", options_); }, &code);
  EXPECT_EQ(code, ErrorCode::kNetwork);
  EXPECT_NE(message.find("HF_HUB_OFFLINE=1"), std::string::npos) << message;
  EXPECT_NE(message.find("tiny/tts"), std::string::npos) << message;
  EXPECT_NE(message.find("speecht5 download tiny/tts"), std::string::npos) << message;
  EXPECT_EQ(hub_.requests().size(), 0u);

  options_.offline = false;
  const fs::path online = io::resolve_model("tiny/tts", options_);
  hub_.clear_requests();
  options_.offline = true;
  options_.refresh = true;  // offline wins over refresh
  EXPECT_EQ(io::resolve_model("tiny/tts", options_), online);
  EXPECT_EQ(io::hub_download_file("tiny/tts", "config.json", options_), online / "config.json");
  EXPECT_EQ(hub_.requests().size(), 0u);
}

TEST_F(HubTest, RepoWithoutSafetensorsFallsBackToThePickle) {
  const fs::path snapshot = io::resolve_model("tiny/pickle-only", options_);
  EXPECT_EQ(read_bytes(snapshot / "pytorch_model.bin"),
            read_bytes(tiny("tts") / "pytorch_model.bin"));
  const fs::path repo = repo_dir("models--tiny--pickle-only");
  EXPECT_TRUE(fs::exists(repo / ".no_exist" / kPickleCommit / "model.safetensors"));
  hub_.clear_requests();
  EXPECT_EQ(io::resolve_model("tiny/pickle-only", options_), snapshot);
  EXPECT_EQ(hub_.requests().size(), 0u);
}

TEST_F(HubTest, CorruptedTransferIsRejectedAndLeavesNoBlob) {
  hub_.corrupt_downloads(true);
  const std::string message = error_of([&] { io::resolve_model("tiny/hifigan", options_); });
  EXPECT_NE(message.find("corrupted"), std::string::npos) << message;
  EXPECT_NE(message.find("sha256"), std::string::npos) << message;
  EXPECT_NE(message.find("model.safetensors of tiny/hifigan"), std::string::npos) << message;
  const std::string sha = io::sha256_hex(read_bytes(tiny("hifigan") / "model.safetensors"));
  const fs::path blobs = repo_dir("models--tiny--hifigan") / "blobs";
  EXPECT_FALSE(fs::exists(blobs / sha));
  EXPECT_FALSE(fs::exists(blobs / (sha + ".incomplete")));

  // The cache is still consistent: the next run downloads the file anew and succeeds.
  hub_.corrupt_downloads(false);
  const fs::path snapshot = io::resolve_model("tiny/hifigan", options_);
  EXPECT_EQ(io::sha256_file(snapshot / "model.safetensors"), sha);
}

TEST_F(HubTest, InterruptedTransferFailsClearlyThenResumesWithRange) {
  constexpr size_t kCut = 100000;
  options_.max_resume_attempts = 0;
  hub_.drop_downloads_after(kCut, 1);
  const std::string message = error_of([&] { io::resolve_model("tiny/tts", options_); });
  EXPECT_NE(message.find("interrupted"), std::string::npos) << message;
  EXPECT_NE(message.find("resumes"), std::string::npos) << message;
  const std::string weights = read_bytes(tiny("tts") / "model.safetensors");
  const std::string sha = io::sha256_hex(weights);
  const fs::path partial = repo_dir("models--tiny--tts") / "blobs" / (sha + ".incomplete");
  ASSERT_TRUE(fs::exists(partial));
  EXPECT_EQ(fs::file_size(partial), kCut);

  hub_.clear_requests();
  const fs::path snapshot = io::resolve_model("tiny/tts", options_);
  EXPECT_EQ(read_bytes(snapshot / "model.safetensors"), weights);
  EXPECT_FALSE(fs::exists(partial));
  const auto requests = hub_.requests();
  int resumed = 0;
  for (const auto& request : requests)
    if (request.method == "GET" && request.path == "/cdn/" + sha) {
      EXPECT_EQ(request.range, "bytes=" + std::to_string(kCut) + "-");
      ++resumed;
    }
  EXPECT_EQ(resumed, 1);
}

TEST_F(HubTest, ServerIgnoringRangeRestartsTheFileFromScratch) {
  options_.max_resume_attempts = 0;
  hub_.drop_downloads_after(70000, 1);
  EXPECT_NE(error_of([&] { io::resolve_model("tiny/tts", options_); }).find("interrupted"),
            std::string::npos);
  hub_.ignore_range(true);
  hub_.clear_requests();
  const fs::path snapshot = io::resolve_model("tiny/tts", options_);
  // The partial 70000 bytes were dropped rather than prepended to the whole file.
  EXPECT_EQ(read_bytes(snapshot / "model.safetensors"),
            read_bytes(tiny("tts") / "model.safetensors"));
  const std::string sha = io::sha256_hex(read_bytes(tiny("tts") / "model.safetensors"));
  EXPECT_EQ(count("GET", "/cdn/" + sha), 1);
}

TEST_F(HubTest, InterruptedTransferIsResumedWithinOneCall) {
  hub_.drop_downloads_after(50000, 2);  // two cuts, then the rest
  const fs::path snapshot = io::resolve_model("tiny/tts", options_);
  const std::string weights = read_bytes(tiny("tts") / "model.safetensors");
  EXPECT_EQ(read_bytes(snapshot / "model.safetensors"), weights);
  std::vector<std::string> ranges;
  for (const auto& request : hub_.requests())
    if (request.method == "GET" && request.path.rfind("/cdn/", 0) == 0)
      ranges.push_back(request.range);
  // The second request resumes at the cut and is cut again at once (the cut is absolute).
  EXPECT_EQ(ranges, (std::vector<std::string>{"", "bytes=50000-", "bytes=50000-"}));
}

TEST_F(HubTest, PrivateRepoNeedsTheToken) {
  ErrorCode code{};
  std::string message = error_of([&] { io::resolve_model("tiny/private", options_); }, &code);
  EXPECT_EQ(code, ErrorCode::kNetwork);
  EXPECT_NE(message.find("401"), std::string::npos) << message;
  EXPECT_NE(message.find("set HF_TOKEN"), std::string::npos) << message;

  options_.token = "hf_wrong";
  message = error_of([&] { io::resolve_model("tiny/private", options_); });
  EXPECT_NE(message.find("token (HF_TOKEN) was refused"), std::string::npos) << message;

  // The token goes to the Hub only, not to the storage host the large file redirects to.
  options_.token = FakeHub::kToken;
  hub_.use_other_host_for_cdn(true);
  hub_.clear_requests();
  const fs::path snapshot = io::resolve_model("tiny/private", options_);
  EXPECT_EQ(read_bytes(snapshot / "model.safetensors"),
            read_bytes(tiny("tts") / "model.safetensors"));
  int cdn_gets = 0;
  for (const auto& request : hub_.requests()) {
    if (request.path.rfind("/cdn/", 0) == 0) {
      EXPECT_EQ(request.authorization, "");
      ++cdn_gets;
    } else {
      EXPECT_EQ(request.authorization, std::string("Bearer ") + FakeHub::kToken);
    }
  }
  EXPECT_EQ(cdn_gets, 1);
}

TEST_F(HubTest, NotFoundMessagesNameTheRepoRevisionOrFile) {
  std::string message = error_of([&] { io::resolve_model("tiny/nope", options_); });
  EXPECT_NE(message.find("repository tiny/nope not found"), std::string::npos) << message;
  options_.revision = "v9";
  message = error_of([&] { io::resolve_model("tiny/tts", options_); });
  EXPECT_NE(message.find("revision 'v9' not found in tiny/tts"), std::string::npos) << message;
  options_.revision = "main";
  message = error_of([&] { io::hub_download_file("tiny/tts", "nope.txt", options_); });
  EXPECT_NE(message.find("nope.txt not found in tiny/tts"), std::string::npos) << message;
  // Nothing half-made: no refs or snapshots for the failed requests.
  EXPECT_FALSE(fs::exists(repo_dir("models--tiny--nope") / "refs"));
  EXPECT_FALSE(fs::exists(repo_dir("models--tiny--tts") / "refs" / "v9"));
}

TEST_F(HubTest, SingleFileDownloadLikeHfHubDownload) {
  const fs::path path = io::hub_download_file("tiny/tts", "spm_char.model", options_);
  EXPECT_EQ(path, repo_dir("models--tiny--tts") / "snapshots" / kTtsCommit / "spm_char.model");
  EXPECT_EQ(read_bytes(path), read_bytes(test::data_dir() / "spm_char_reconstructed.model"));
  hub_.clear_requests();
  EXPECT_EQ(io::hub_download_file("tiny/tts", "spm_char.model", options_), path);
  EXPECT_EQ(hub_.requests().size(), 0u);
}

TEST_F(HubTest, UnreachableHubFailsClearlyOrFallsBackToTheCache) {
  io::HubOptions nowhere = options_;
  nowhere.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  const std::string message = error_of([&] { io::resolve_model("tiny/tts", nowhere); });
  EXPECT_NE(message.find("cannot reach http://127.0.0.1:1"), std::string::npos) << message;
  EXPECT_NE(message.find("HF_HUB_OFFLINE=1"), std::string::npos) << message;

  const fs::path snapshot = io::resolve_model("tiny/tts", options_);
  nowhere.refresh = true;  // would ask the Hub, which is unreachable: the cache answers
  EXPECT_EQ(io::resolve_model("tiny/tts", nowhere), snapshot);
}

TEST_F(HubTest, SilentServerTimesOutInsteadOfHanging) {
  // A socket that listens but never answers: the connection opens, no response ever comes.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  options_.endpoint = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  options_.metadata_timeout_s = 1;
  const auto start = std::chrono::steady_clock::now();
  const std::string message = error_of([&] { io::resolve_model("tiny/tts", options_); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  EXPECT_NE(message.find("cannot reach " + options_.endpoint), std::string::npos) << message;
  EXPECT_LT(seconds, 4.0);
}

TEST_F(HubTest, DiskFullIsReportedAndTheCacheStaysUsable) {
  // A partial download that is really /dev/full: every write fails with ENOSPC.
  const std::string sha = io::sha256_hex(read_bytes(tiny("hifigan") / "model.safetensors"));
  const fs::path blobs = repo_dir("models--tiny--hifigan") / "blobs";
  fs::create_directories(blobs);
  fs::create_symlink("/dev/full", blobs / (sha + ".incomplete"));
  ErrorCode code{};
  const std::string message = error_of([&] { io::resolve_model("tiny/hifigan", options_); }, &code);
  EXPECT_EQ(code, ErrorCode::kIo);
  EXPECT_NE(message.find("disk full"), std::string::npos) << message;
  EXPECT_NE(message.find("HF_HUB_CACHE"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(blobs / sha));

  fs::remove(blobs / (sha + ".incomplete"));  // space freed
  const fs::path snapshot = io::resolve_model("tiny/hifigan", options_);
  EXPECT_EQ(io::sha256_file(snapshot / "model.safetensors"), sha);
}

TEST_F(HubTest, ConcurrentDownloadsOfOneRepoShareTheBlobs) {
  fs::path results[3];
  std::vector<std::thread> threads;
  for (auto& result : results)
    threads.emplace_back([&] { result = io::resolve_model("tiny/hifigan", options_); });
  for (auto& thread : threads) thread.join();
  for (const auto& result : results)
    EXPECT_EQ(result, repo_dir("models--tiny--hifigan") / "snapshots" / kVocoderCommit);
  const std::string sha = io::sha256_hex(read_bytes(tiny("hifigan") / "model.safetensors"));
  EXPECT_EQ(io::sha256_file(results[0] / "model.safetensors"), sha);
  // The lock makes one thread download the large file; the others find it in place.
  EXPECT_EQ(count("GET", "/cdn/" + sha), 1);
}

TEST_F(HubTest, ExistingFolderIsUsedWithoutTheNetwork) {
  EXPECT_EQ(io::resolve_model(tiny("tts").string(), options_), tiny("tts"));
  EXPECT_EQ(hub_.requests().size(), 0u);
  ErrorCode code{};
  std::string message =
      error_of([&] { io::resolve_model((tiny("tts") / "config.json").string(), options_); }, &code);
  EXPECT_EQ(code, ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("is a file"), std::string::npos) << message;
  message = error_of([&] { io::resolve_model("./no/such/folder", options_); }, &code);
  EXPECT_EQ(code, ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("neither an existing folder nor a Hugging Face repo id"),
            std::string::npos)
      << message;
  EXPECT_EQ(hub_.requests().size(), 0u);
}

}  // namespace
}  // namespace speecht5
