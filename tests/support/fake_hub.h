#pragma once
// A local stand-in for the Hugging Face Hub, for the download tests: an HTTP server on
// 127.0.0.1 (ephemeral port, own thread) with the Hub's URL layout and headers:
//   HEAD/GET /{org}/{name}/resolve/{revision}/{file}
//     regular files: 200, ETag (weak, quoted), X-Repo-Commit, Content-Length
//     LFS files:     302 to {cdn}/cdn/{sha256}, X-Linked-Etag "{sha256}", X-Linked-Size
//     missing:       404 + X-Error-Code EntryNotFound / RevisionNotFound / RepoNotFound
//     private repo:  401 without the right bearer token
//   GET /cdn/{sha256}: the LFS bytes, with Range support; can corrupt or cut the transfer.
// Every request is recorded so tests can count them and check their headers.
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace speecht5::test {

struct FakeRepo {
  std::string commit;                        // 40 hex digits
  std::map<std::string, std::string> files;  // name -> content
  std::set<std::string> lfs_files;           // served through the redirect
  bool is_private = false;
};

struct RecordedRequest {
  std::string method;
  std::string path;
  std::string range;          // Range header, "" when absent
  std::string authorization;  // Authorization header, "" when absent
};

class FakeHub {
 public:
  static constexpr const char* kToken = "hf_test_token";

  FakeHub();
  ~FakeHub();
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;

  std::string endpoint() const;  // http://127.0.0.1:{port}
  void add_repo(const std::string& repo_id, FakeRepo repo);
  // A repo with the files of a folder; *.safetensors and *.bin are LFS files.
  static FakeRepo repo_from_folder(const std::filesystem::path& folder, const std::string& commit,
                                   const std::vector<std::string>& names);

  std::vector<RecordedRequest> requests() const;
  void clear_requests();

  // Faults for the next LFS downloads (GET /cdn/...).
  void corrupt_downloads(bool on) { corrupt_ = on; }
  void drop_downloads_after(size_t bytes, int count) {
    drop_after_ = bytes;
    drops_left_ = count;
  }
  // Answers LFS downloads with the whole file (200) even when asked for a Range.
  void ignore_range(bool on) { ignore_range_ = on; }
  // LFS redirects go to http://localhost:{port} instead, another origin for the client.
  void use_other_host_for_cdn(bool on) { other_cdn_host_ = on; }

 private:
  void install_routes();
  void record(const std::string& method, const std::string& path, const std::string& range,
              const std::string& authorization);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, FakeRepo> repos_;
  std::map<std::string, std::string> lfs_by_sha_;
  std::vector<RecordedRequest> requests_;
  std::atomic<bool> corrupt_{false};
  std::atomic<size_t> drop_after_{0};
  std::atomic<int> drops_left_{0};
  std::atomic<bool> other_cdn_host_{false};
  std::atomic<bool> ignore_range_{false};
};

}  // namespace speecht5::test
