#include "io/hub_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/log.h"

namespace speecht5::io {
namespace fs = std::filesystem;
namespace {

bool is_lower_hex(const std::string& text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Names from the network become paths: refuse anything that could leave the cache folder.
void check_relative_name(const std::string& name, const char* what) {
  const fs::path path(name);
  bool bad = name.empty() || path.is_absolute();
  for (const auto& part : path)
    if (part == ".." || part == ".") bad = true;
  if (bad) fail(ErrorCode::kInvalidArgument, std::string("invalid ") + what + " '" + name + "'");
}

// Temporary names beside a target, unique across processes and threads.
std::string temp_suffix() {
  static std::atomic<unsigned> counter{0};
  return ".tmp" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1));
}

void create_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail(ErrorCode::kIo, "cannot create cache folder " + dir.string() + ": " + ec.message());
}

}  // namespace

std::string normalize_etag(const std::string& etag) {
  std::string value = etag;
  if (value.rfind("W/", 0) == 0) value = value.substr(2);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    value = value.substr(1, value.size() - 2);
  return value;
}

bool is_commit_hash(const std::string& revision) { return is_lower_hex(revision, 40); }
bool is_sha256_hex(const std::string& text) { return is_lower_hex(text, 64); }

HubCache::HubCache(fs::path cache_dir, const std::string& repo_id)
    : cache_dir_(std::move(cache_dir)) {
  std::string folder = "models--" + repo_id;
  for (size_t pos = 0; (pos = folder.find('/', pos)) != std::string::npos;)
    folder.replace(pos, 1, "--");
  folder_name_ = folder;
  repo_dir_ = cache_dir_ / folder;
}

fs::path HubCache::blob_path(const std::string& etag) const {
  check_relative_name(etag, "etag");
  if (etag.find('/') != std::string::npos)
    fail(ErrorCode::kFormat, "invalid etag '" + etag + "' from the server");
  return repo_dir_ / "blobs" / etag;
}

fs::path HubCache::incomplete_path(const std::string& etag) const {
  return blob_path(etag).string() + ".incomplete";
}

fs::path HubCache::lock_path(const std::string& etag) const {
  blob_path(etag);  // validates the etag
  return cache_dir_ / ".locks" / folder_name_ / (etag + ".lock");
}

fs::path HubCache::snapshot_dir(const std::string& commit) const {
  check_relative_name(commit, "commit");
  return repo_dir_ / "snapshots" / commit;
}

fs::path HubCache::snapshot_file(const std::string& commit, const std::string& file) const {
  check_relative_name(file, "file name");
  return snapshot_dir(commit) / file;
}

std::optional<std::string> HubCache::resolve_commit(const std::string& revision) const {
  if (is_commit_hash(revision)) return revision;
  check_relative_name(revision, "revision");
  std::ifstream in(repo_dir_ / "refs" / revision);
  std::string commit;
  if (!in || !std::getline(in, commit)) return std::nullopt;
  while (!commit.empty() && std::isspace(static_cast<unsigned char>(commit.back())))
    commit.pop_back();
  if (commit.empty()) return std::nullopt;
  return commit;
}

void HubCache::write_ref(const std::string& revision, const std::string& commit) const {
  if (revision == commit) return;  // a commit hash needs no ref
  check_relative_name(revision, "revision");
  if (resolve_commit(revision) == commit) return;
  const fs::path ref = repo_dir_ / "refs" / revision;
  create_dirs(ref.parent_path());
  // Write-then-rename, so a reader never sees a half-written ref.
  const fs::path temp = ref.string() + temp_suffix();
  {
    std::ofstream out(temp, std::ios::trunc);
    out << commit;
    if (!out.flush()) fail(ErrorCode::kIo, "cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, ref, ec);
  if (ec) fail(ErrorCode::kIo, "cannot write " + ref.string() + ": " + ec.message());
}

bool HubCache::has_file(const std::string& commit, const std::string& file) const {
  std::error_code ec;
  return fs::is_regular_file(snapshot_file(commit, file), ec);  // follows the symlink
}

bool HubCache::is_marked_missing(const std::string& commit, const std::string& file) const {
  check_relative_name(file, "file name");
  check_relative_name(commit, "commit");
  std::error_code ec;
  return fs::exists(repo_dir_ / ".no_exist" / commit / file, ec);
}

void HubCache::mark_missing(const std::string& commit, const std::string& file) const {
  check_relative_name(file, "file name");
  check_relative_name(commit, "commit");
  const fs::path marker = repo_dir_ / ".no_exist" / commit / file;
  create_dirs(marker.parent_path());
  std::ofstream touch(marker, std::ios::app);
  if (!touch) log::warn("cannot write cache marker ", marker.string());
}

void HubCache::link_snapshot(const std::string& commit, const std::string& file,
                             const std::string& etag) const {
  const fs::path link = snapshot_file(commit, file);
  const fs::path target = fs::relative(blob_path(etag), link.parent_path());
  create_dirs(link.parent_path());
  std::error_code ec;
  if (fs::is_symlink(link, ec) && fs::read_symlink(link, ec) == target) return;
  // Create beside it and rename over: readers see the old or the new link, never none.
  const fs::path temp = link.string() + temp_suffix();
  fs::remove(temp, ec);
  fs::create_symlink(target, temp, ec);
  if (!ec) fs::rename(temp, link, ec);
  if (ec) fail(ErrorCode::kIo, "cannot link " + link.string() + " to its blob: " + ec.message());
}

FileLock::FileLock(const fs::path& path) {
  create_dirs(path.parent_path());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    fail(ErrorCode::kIo, "cannot open lock file " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
  log::info("waiting for another process to finish downloading (", path.string(), ")");
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd_);
    fail(ErrorCode::kIo, "cannot lock " + path.string() + ": " + std::strerror(err));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace speecht5::io
