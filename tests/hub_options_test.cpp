// The Hub client's environment rules (huggingface_hub's variables and precedence), repo id
// validation and the cache naming helpers: pure functions, no network.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "core/error.h"
#include "io/hub.h"
#include "io/hub_cache.h"
#include "io/progress_bar.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {
namespace fs = std::filesystem;

io::HubOptions options_for(const std::map<std::string, std::string>& variables) {
  return io::HubOptions::from_variables([&](const std::string& name) -> std::optional<std::string> {
    const auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  });
}

TEST(HubOptionsTest, DefaultsFollowHuggingfaceHub) {
  const auto options = options_for({{"HOME", "/home/ada"}});
  EXPECT_EQ(options.endpoint, "https://huggingface.co");
  EXPECT_EQ(options.cache_dir, fs::path("/home/ada/.cache/huggingface/hub"));
  EXPECT_EQ(options.token, "");
  EXPECT_FALSE(options.offline);
  EXPECT_EQ(options.revision, "main");
  EXPECT_FALSE(options.refresh);
}

TEST(HubOptionsTest, CacheFolderPrecedence) {
  EXPECT_EQ(options_for({{"HOME", "/h"}, {"XDG_CACHE_HOME", "/xdg"}}).cache_dir,
            fs::path("/xdg/huggingface/hub"));
  EXPECT_EQ(
      options_for({{"HOME", "/h"}, {"XDG_CACHE_HOME", "/xdg"}, {"HF_HOME", "~/hf"}}).cache_dir,
      fs::path("/h/hf/hub"));
  EXPECT_EQ(options_for({{"HF_HOME", "/hf"}, {"HUGGINGFACE_HUB_CACHE", "/legacy"}}).cache_dir,
            fs::path("/legacy"));
  EXPECT_EQ(
      options_for(
          {{"HF_HOME", "/hf"}, {"HUGGINGFACE_HUB_CACHE", "/legacy"}, {"HF_HUB_CACHE", "/cache"}})
          .cache_dir,
      fs::path("/cache"));
  // Empty counts as unset.
  EXPECT_EQ(options_for({{"HOME", "/h"}, {"HF_HUB_CACHE", ""}}).cache_dir,
            fs::path("/h/.cache/huggingface/hub"));
}

TEST(HubOptionsTest, EndpointTokenAndOffline) {
  const auto options = options_for({{"HF_ENDPOINT", "http://mirror.local:8080/"},
                                    {"HF_TOKEN", " hf_abc\n"},
                                    {"HF_HUB_OFFLINE", "1"}});
  EXPECT_EQ(options.endpoint, "http://mirror.local:8080");
  EXPECT_EQ(options.token, "hf_abc");
  EXPECT_TRUE(options.offline);
  for (const char* yes : {"1", "true", "TRUE", "yes", "On"})
    EXPECT_TRUE(options_for({{"HF_HUB_OFFLINE", yes}}).offline) << yes;
  for (const char* no : {"0", "false", "no", "", "2"})
    EXPECT_FALSE(options_for({{"HF_HUB_OFFLINE", no}}).offline) << no;
  EXPECT_EQ(options_for({{"HUGGING_FACE_HUB_TOKEN", "hf_old"}}).token, "hf_old");
  EXPECT_EQ(options_for({{"HF_TOKEN", "hf_new"}, {"HUGGING_FACE_HUB_TOKEN", "hf_old"}}).token,
            "hf_new");
}

TEST(HubOptionsTest, TokenFileWrittenByHuggingfaceCliLogin) {
  const fs::path home = test::temp_dir("hub_token_home");
  std::ofstream(home / "token") << "hf_from_file\n";
  EXPECT_EQ(options_for({{"HF_HOME", home.string()}}).token, "hf_from_file");
  std::ofstream(home / "other") << "hf_other";
  EXPECT_EQ(
      options_for({{"HF_HOME", home.string()}, {"HF_TOKEN_PATH", (home / "other").string()}}).token,
      "hf_other");
  EXPECT_EQ(options_for({{"HF_HOME", home.string()}, {"HF_TOKEN", "hf_env"}}).token, "hf_env");
}

TEST(HubOptionsTest, Timeouts) {
  const auto options =
      options_for({{"HF_HUB_ETAG_TIMEOUT", "3"}, {"HF_HUB_DOWNLOAD_TIMEOUT", "7.5"}});
  EXPECT_EQ(options.metadata_timeout_s, 3);
  EXPECT_EQ(options.connect_timeout_s, 7);
  try {
    options_for({{"HF_HUB_ETAG_TIMEOUT", "soon"}});
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("HF_HUB_ETAG_TIMEOUT='soon'"), std::string::npos);
  }
}

TEST(HubRepoIdTest, AcceptsHubIdsOnly) {
  for (const char* good : {"microsoft/speecht5_tts", "a/b", "Org-1/model.v2", "_x/y_"})
    EXPECT_TRUE(io::is_valid_repo_id(good)) << good;
  for (const char* bad : {"speecht5_tts", "a/b/c", "/abs", "org/", "/name", "org/na me", "org/a--b",
                          "org/a..b", "-org/name", "org/name.", "./models/x", "org/na:me", ""})
    EXPECT_FALSE(io::is_valid_repo_id(bad)) << bad;
  EXPECT_FALSE(io::is_valid_repo_id("org/" + std::string(93, 'a')));  // 97 characters
  EXPECT_TRUE(io::is_valid_repo_id("org/" + std::string(92, 'a')));   // 96
  try {
    io::validate_repo_id("speecht5_tts");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("expected org/name"), std::string::npos);
  }
}

TEST(HubCacheTest, EtagsAndNames) {
  EXPECT_EQ(io::normalize_etag("W/\"abc\""), "abc");
  EXPECT_EQ(io::normalize_etag("\"abc\""), "abc");
  EXPECT_EQ(io::normalize_etag("abc"), "abc");
  EXPECT_TRUE(io::is_commit_hash(std::string(40, 'a')));
  EXPECT_FALSE(io::is_commit_hash("main"));
  EXPECT_FALSE(io::is_commit_hash(std::string(40, 'A')));
  const io::HubCache cache("/c", "microsoft/speecht5_tts");
  EXPECT_EQ(cache.repo_dir(), fs::path("/c/models--microsoft--speecht5_tts"));
  EXPECT_EQ(cache.blob_path("e1"), fs::path("/c/models--microsoft--speecht5_tts/blobs/e1"));
  EXPECT_EQ(cache.incomplete_path("e1"),
            fs::path("/c/models--microsoft--speecht5_tts/blobs/e1.incomplete"));
  EXPECT_EQ(cache.lock_path("e1"), fs::path("/c/.locks/models--microsoft--speecht5_tts/e1.lock"));
  EXPECT_EQ(cache.snapshot_file("c0", "sub/f.json"),
            fs::path("/c/models--microsoft--speecht5_tts/snapshots/c0/sub/f.json"));
  // Names from the network never leave the cache folder.
  EXPECT_THROW(cache.blob_path("../x"), Error);
  EXPECT_THROW(cache.snapshot_file("c0", "../../x"), Error);
  EXPECT_THROW(cache.resolve_commit("../main"), Error);
}

TEST(HubCacheTest, RefsAndNestedSnapshotLinks) {
  const fs::path dir = test::temp_dir("hub_cache_refs");
  const io::HubCache cache(dir, "org/name");
  const std::string commit(40, 'c');
  EXPECT_FALSE(cache.resolve_commit("main").has_value());
  EXPECT_EQ(cache.resolve_commit(commit), commit);
  cache.write_ref("refs/pr/1", commit);
  EXPECT_EQ(cache.resolve_commit("refs/pr/1"), commit);
  fs::create_directories(cache.blob_path("e1").parent_path());
  std::ofstream(cache.blob_path("e1")) << "x";
  cache.link_snapshot(commit, "sub/dir/f.txt", "e1");
  EXPECT_EQ(fs::read_symlink(cache.snapshot_file(commit, "sub/dir/f.txt")),
            fs::path("../../../../blobs/e1"));
  EXPECT_TRUE(cache.has_file(commit, "sub/dir/f.txt"));
  EXPECT_FALSE(cache.has_file(commit, "other"));
  cache.mark_missing(commit, "other");
  EXPECT_TRUE(cache.is_marked_missing(commit, "other"));
}

}  // namespace
}  // namespace speecht5

namespace speecht5 {
namespace {

TEST(HubProgressBarTest, DrawsInPlaceAndEndsTheLine) {
  ::testing::internal::CaptureStderr();
  {
    io::ProgressBar bar("model.safetensors", 1500000, 500000, true);
    bar.update(750000);  // the first update draws; later ones within 150 ms are skipped
    bar.update(900000);
    bar.finish();
  }
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("\rmodel.safetensors [###############               ]  50% 750.0 kB/1.5 MB"),
            0u)
      << out;
  EXPECT_NE(out.find("\rmodel.safetensors [##################            ]  60% 900.0 kB/1.5 MB"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);

  ::testing::internal::CaptureStderr();
  {
    io::ProgressBar off("x", 10, 0, false);
    off.update(5);
    off.finish();
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace speecht5
