#pragma once
// The on-disk cache layout of huggingface_hub, so that files downloaded by Python tools are
// reused here and ours are reused by them:
//   {cache}/models--{org}--{name}/blobs/{etag}              file contents, named by etag
//   {cache}/models--{org}--{name}/snapshots/{commit}/{file} relative symlinks to the blobs
//   {cache}/models--{org}--{name}/refs/{revision}           the commit a branch/tag pointed to
//   {cache}/models--{org}--{name}/.no_exist/{commit}/{file} empty markers for absent files
//   {cache}/.locks/models--{org}--{name}/{etag}.lock        per-blob lock (flock, like filelock)
#include <filesystem>
#include <optional>
#include <string>

namespace speecht5::io {

// Strips the weak-validator prefix and the quotes: W/"abc" -> abc.
std::string normalize_etag(const std::string& etag);
bool is_commit_hash(const std::string& revision);  // 40 lowercase hex digits
bool is_sha256_hex(const std::string& text);       // 64 lowercase hex digits

class HubCache {
 public:
  HubCache(std::filesystem::path cache_dir, const std::string& repo_id);

  const std::filesystem::path& cache_dir() const { return cache_dir_; }
  const std::filesystem::path& repo_dir() const { return repo_dir_; }
  std::filesystem::path blob_path(const std::string& etag) const;
  std::filesystem::path incomplete_path(const std::string& etag) const;
  std::filesystem::path lock_path(const std::string& etag) const;
  std::filesystem::path snapshot_dir(const std::string& commit) const;
  std::filesystem::path snapshot_file(const std::string& commit, const std::string& file) const;

  // The commit a revision names: itself for a commit hash, else the content of refs/{revision}.
  std::optional<std::string> resolve_commit(const std::string& revision) const;
  void write_ref(const std::string& revision, const std::string& commit) const;

  // True when the snapshot holds the file (a link to an existing blob, or a plain file).
  bool has_file(const std::string& commit, const std::string& file) const;
  bool is_marked_missing(const std::string& commit, const std::string& file) const;
  void mark_missing(const std::string& commit, const std::string& file) const;
  // Points snapshots/{commit}/{file} at blobs/{etag} with a relative symlink (atomically).
  void link_snapshot(const std::string& commit, const std::string& file,
                     const std::string& etag) const;

 private:
  std::filesystem::path cache_dir_;
  std::string folder_name_;
  std::filesystem::path repo_dir_;
};

// An exclusive advisory lock (flock) held for the object's lifetime; compatible with the
// `filelock` package huggingface_hub uses on Unix. Blocks until the lock is free.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace speecht5::io
