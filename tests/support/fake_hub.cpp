#include "support/fake_hub.h"

#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "io/sha256.h"

namespace speecht5::test {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("fake hub: cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void serve_bytes(httplib::Response& res, std::string content) {
  const size_t size = content.size();
  auto data = std::make_shared<std::string>(std::move(content));
  res.set_content_provider(size, "application/octet-stream",
                           [data](size_t offset, size_t length, httplib::DataSink& sink) {
                             sink.write(data->data() + offset, std::min<size_t>(length, 65536));
                             return true;
                           });
}

std::string quoted(const std::string& text) {
  std::string out;
  out.push_back('"');
  out += text;
  out.push_back('"');
  return out;
}

void not_found(httplib::Response& res, const char* code, const char* message) {
  res.status = 404;
  res.set_header("X-Error-Code", code);
  res.set_header("X-Error-Message", message);
}

}  // namespace

FakeHub::FakeHub() : server_(std::make_unique<httplib::Server>()) {
  // libcurl honours proxy variables; a proxy of the CI machine must not see 127.0.0.1 requests
  // (the CLI processes the tests start inherit this too).
  ::setenv("no_proxy", "127.0.0.1,localhost", 1);
  ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  install_routes();
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake hub: cannot bind a port on 127.0.0.1");
  // The socket already listens: connections queue until the accept loop starts.
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

FakeHub::~FakeHub() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeHub::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeHub::add_repo(const std::string& repo_id, FakeRepo repo) {
  std::lock_guard lock(mutex_);
  for (const auto& name : repo.lfs_files)
    lfs_by_sha_[io::sha256_hex(repo.files.at(name))] = repo.files.at(name);
  repos_[repo_id] = std::move(repo);
}

FakeRepo FakeHub::repo_from_folder(const std::filesystem::path& folder, const std::string& commit,
                                   const std::vector<std::string>& names) {
  FakeRepo repo;
  repo.commit = commit;
  for (const auto& name : names) {
    repo.files[name] = read_file(folder / name);
    const auto ext = std::filesystem::path(name).extension();
    if (ext == ".safetensors" || ext == ".bin") repo.lfs_files.insert(name);
  }
  return repo;
}

std::vector<RecordedRequest> FakeHub::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void FakeHub::clear_requests() {
  std::lock_guard lock(mutex_);
  requests_.clear();
}

void FakeHub::record(const std::string& method, const std::string& path, const std::string& range,
                     const std::string& authorization) {
  std::lock_guard lock(mutex_);
  requests_.push_back({method, path, range, authorization});
}

void FakeHub::install_routes() {
  // HEAD requests reach the GET handlers; cpp-httplib then sends the headers only.
  server_->Get(R"(/([^/]+/[^/]+)/resolve/([^/]+)/(.+))", [this](const httplib::Request& req,
                                                                httplib::Response& res) {
    record(req.method, req.path, req.get_header_value("Range"),
           req.get_header_value("Authorization"));
    const std::string repo_id = req.matches[1], revision = req.matches[2], file = req.matches[3];
    std::lock_guard lock(mutex_);
    const auto repo_it = repos_.find(repo_id);
    if (repo_it == repos_.end()) return not_found(res, "RepoNotFound", "Repository not found");
    const FakeRepo& repo = repo_it->second;
    if (repo.is_private &&
        req.get_header_value("Authorization") != std::string("Bearer ") + kToken) {
      res.status = 401;
      res.set_header("X-Error-Message", "Invalid credentials in Authorization header");
      return;
    }
    if (revision != "main" && revision != repo.commit)
      return not_found(res, "RevisionNotFound", "Invalid rev id");
    const auto file_it = repo.files.find(file);
    if (file_it == repo.files.end()) return not_found(res, "EntryNotFound", "Entry not found");
    res.set_header("X-Repo-Commit", repo.commit);
    const std::string sha = io::sha256_hex(file_it->second);
    if (repo.lfs_files.count(file) != 0) {
      std::string host = endpoint();
      if (other_cdn_host_) host.replace(host.find("127.0.0.1"), 9, "localhost");
      res.status = 302;
      res.set_header("Location", host + "/cdn/" + sha);
      res.set_header("X-Linked-Etag", quoted(sha));
      res.set_header("X-Linked-Size", std::to_string(file_it->second.size()));
      res.set_header("ETag", quoted(sha.substr(0, 40)));  // the pointer file's, unused
      return;
    }
    res.set_header("ETag", "W/" + quoted(sha.substr(0, 40)));  // a git blob id in the Hub
    serve_bytes(res, file_it->second);
  });

  server_->Get(R"(/cdn/([0-9a-f]{64}))", [this](const httplib::Request& req,
                                                httplib::Response& res) {
    record(req.method, req.path, req.get_header_value("Range"),
           req.get_header_value("Authorization"));
    std::string content;
    {
      std::lock_guard lock(mutex_);
      const auto it = lfs_by_sha_.find(req.matches[1]);
      if (it == lfs_by_sha_.end()) return not_found(res, "EntryNotFound", "No such object");
      content = it->second;
    }
    if (req.method != "GET") return serve_bytes(res, std::move(content));
    // cpp-httplib applies the parsed ranges itself; forgetting them makes it send everything.
    if (ignore_range_) const_cast<httplib::Request&>(req).ranges.clear();
    if (corrupt_) content[content.size() / 2] ^= 0x5a;  // same size, wrong bytes
    const size_t drop_at = drops_left_.fetch_sub(1) > 0 ? drop_after_.load() : 0;
    if (drop_at == 0) return serve_bytes(res, std::move(content));
    // Sends up to `drop_at` bytes of the file, then closes the connection mid-body.
    const size_t size = content.size();
    auto data = std::make_shared<std::string>(std::move(content));
    res.set_content_provider(
        size, "application/octet-stream",
        [data, drop_at](size_t offset, size_t length, httplib::DataSink& sink) {
          if (offset >= drop_at) return false;
          sink.write(data->data() + offset, std::min({length, drop_at - offset, size_t{65536}}));
          return true;
        });
  });
}

}  // namespace speecht5::test
