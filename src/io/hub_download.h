#pragma once
// One file from a Hub repo into the shared cache: a HEAD request for its metadata (commit, etag,
// size, where the bytes are), then - unless the blob is already cached - a resumable,
// verified download into blobs/{etag}.incomplete, renamed into place under a per-blob lock.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/http_client.h"
#include "io/hub.h"
#include "io/hub_cache.h"

namespace speecht5::io {

struct FileMetadata {
  std::string commit;    // X-Repo-Commit
  std::string etag;      // X-Linked-Etag (LFS: the sha256) or ETag, normalised
  std::string location;  // where to GET the bytes (the redirect target for LFS files)
  int64_t size = -1;     // X-Linked-Size or Content-Length; -1 when unknown
};

// Thrown when the Hub cannot be reached at all, so callers may fall back to the cache.
class HubUnreachable : public Error {
 public:
  explicit HubUnreachable(const std::string& message) : Error(ErrorCode::kNetwork, message) {}
};

class HubFetcher {
 public:
  HubFetcher(std::string repo_id, HubOptions options);

  // nullopt when the repo has no such file at that revision (HTTP 404 for the entry); every
  // other failure throws with a message that says what to do.
  std::optional<FileMetadata> metadata(const std::string& revision, const std::string& filename);
  // Makes blobs/{etag} hold the file (downloading it unless cached) and links it into the
  // snapshot; returns the snapshot path of the file.
  std::filesystem::path fetch(const std::string& filename, const FileMetadata& meta);

  const HubCache& cache() const { return cache_; }
  const std::string& repo_id() const { return repo_id_; }

 private:
  void download_blob(const std::string& filename, const FileMetadata& meta);
  std::string file_url(const std::string& revision, const std::string& filename) const;
  std::vector<std::string> request_headers(const std::string& url) const;
  [[noreturn]] void fail_for_status(const std::string& what, const std::string& revision,
                                    const HttpResponse& response) const;

  std::string repo_id_;
  HubOptions options_;
  HubCache cache_;
};

}  // namespace speecht5::io
