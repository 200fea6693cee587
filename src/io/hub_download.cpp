#include "io/hub_download.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/log.h"
#include "io/progress_bar.h"
#include "io/sha256.h"

namespace speecht5::io {
namespace fs = std::filesystem;
namespace {

constexpr int kMaxRelativeRedirects = 10;

std::string megabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

int64_t parse_size(const std::string& text) {
  if (text.empty()) return -1;
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return -1;
  }
}

int64_t size_on_disk(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

[[noreturn]] void fail_disk(const fs::path& dir, const std::string& what, int err) {
  const bool full = err == ENOSPC || err == EDQUOT || err == EFBIG;
  fail(ErrorCode::kIo, std::string(full ? "disk full" : "write error") + " while downloading " +
                           what + " into " + dir.string() + " (" + std::strerror(err) +
                           "); free some space or point HF_HUB_CACHE at another disk. The "
                           "partial download is kept and the next run resumes it");
}

void check_free_space(const fs::path& dir, const std::string& what, int64_t needed) {
  struct statvfs info {};
  if (needed <= 0 || ::statvfs(dir.c_str(), &info) != 0) return;
  const int64_t available = static_cast<int64_t>(info.f_bavail) * info.f_frsize;
  if (available < needed)
    fail(ErrorCode::kIo, "not enough disk space to download " + what + " into " + dir.string() +
                             ": needs " + megabytes(needed) + ", " + megabytes(available) +
                             " free; free some space or point HF_HUB_CACHE at another disk");
}

}  // namespace

HubFetcher::HubFetcher(std::string repo_id, HubOptions options)
    : repo_id_(std::move(repo_id)),
      options_(std::move(options)),
      cache_(options_.cache_dir, repo_id_) {}

std::string HubFetcher::file_url(const std::string& revision, const std::string& filename) const {
  return options_.endpoint + "/" + repo_id_ + "/resolve/" + url_encode(revision, false) + "/" +
         url_encode(filename, true);
}

std::vector<std::string> HubFetcher::request_headers(const std::string& url) const {
  // Content-Length must be the size on disk, not of a compressed body.
  std::vector<std::string> headers = {"Accept-Encoding: identity"};
  // The token is for the Hub only, never for the storage a file redirects to.
  if (!options_.token.empty() && url_origin(url) == url_origin(options_.endpoint))
    headers.push_back("Authorization: Bearer " + options_.token);
  return headers;
}

void HubFetcher::fail_for_status(const std::string& what, const std::string& revision,
                                 const HttpResponse& response) const {
  const long status = response.status;
  const std::string code = response.header("x-error-code");
  std::string message;
  if (status == 401 || status == 403) {
    if (code == "GatedRepo") {
      message = repo_id_ + " is a gated repository (HTTP " + std::to_string(status) +
                "): accept its conditions on its Hub page and set HF_TOKEN to a token of that "
                "account";
    } else if (!options_.token.empty()) {
      message = "access to " + repo_id_ + " denied (HTTP " + std::to_string(status) +
                "): the token (HF_TOKEN) was refused or cannot read this repository";
    } else {
      message = "access to " + repo_id_ + " denied (HTTP " + std::to_string(status) +
                "): the repository is private, gated or does not exist; for a private or gated "
                "one, set HF_TOKEN to an access token (https://huggingface.co/settings/tokens)";
    }
  } else if (status == 404 && code == "RepoNotFound") {
    message = "repository " + repo_id_ + " not found at " + options_.endpoint +
              " (check the id; a private repository also needs HF_TOKEN)";
  } else if (status == 404 && code == "RevisionNotFound") {
    message = "revision '" + revision + "' not found in " + repo_id_;
  } else if (status == 404) {
    message = what + " not found in " + repo_id_ + " at revision '" + revision + "'";
  } else if (status == 429) {
    message = "the Hub is rate-limiting requests for " + what + " of " + repo_id_ +
              " (HTTP 429); wait a little and try again";
  } else if (status >= 500) {
    message = "the Hub answered HTTP " + std::to_string(status) + " for " + what + " of " +
              repo_id_ + ": a server error, try again later";
  } else {
    message = "unexpected HTTP " + std::to_string(status) + " for " + what + " of " + repo_id_;
  }
  std::string detail = response.header("x-error-message");
  if (detail.empty()) detail = response.error_body.substr(0, 200);
  if (!detail.empty() && detail.find('<') == std::string::npos)
    message += " [server: " + detail + "]";
  fail(ErrorCode::kNetwork, message);
}

std::optional<FileMetadata> HubFetcher::metadata(const std::string& revision,
                                                 const std::string& filename) {
  std::string url = file_url(revision, filename);
  HttpResponse response;
  for (int hop = 0;; ++hop) {
    HttpRequest request{url, request_headers(url), options_.connect_timeout_s,
                        options_.metadata_timeout_s, options_.stall_timeout_s};
    response = http_head(request);
    if (response.transport == TransportError::kUnreachable)
      throw HubUnreachable("cannot reach " + options_.endpoint + " (" + response.transport_message +
                           "): check the network connection, or set HF_HUB_OFFLINE=1 to use "
                           "only models already in the cache");
    if (!response.ok())
      fail(ErrorCode::kNetwork, "request for " + filename + " of " + repo_id_ +
                                    " failed: " + response.transport_message);
    // Relative redirects stay on the Hub (a renamed repo, the resolve cache) and are followed;
    // an absolute one points at the storage and already carries the file's metadata.
    const std::string location = response.header("location");
    if (response.status >= 300 && response.status < 400 && !location.empty() &&
        url_origin(location).empty() && hop < kMaxRelativeRedirects) {
      url = resolve_location(url, location);
      continue;
    }
    break;
  }
  if (response.status == 404 && response.header("x-error-code") != "RepoNotFound" &&
      response.header("x-error-code") != "RevisionNotFound")
    return std::nullopt;
  if (response.status >= 400 || response.status < 200)
    fail_for_status(filename, revision, response);

  FileMetadata meta;
  meta.commit = response.header("x-repo-commit");
  std::string etag = response.header("x-linked-etag");
  if (etag.empty()) etag = response.header("etag");
  meta.etag = normalize_etag(etag);
  const bool redirect = response.status >= 300 && response.status < 400;
  meta.location = redirect ? resolve_location(url, response.header("location")) : url;
  meta.size = parse_size(response.header("x-linked-size"));
  if (meta.size < 0 && !redirect) meta.size = parse_size(response.header("content-length"));
  if (meta.commit.empty() || meta.etag.empty())
    fail(ErrorCode::kNetwork, "the answer from " + options_.endpoint + " for " + filename + " of " +
                                  repo_id_ + " lacks the " +
                                  (meta.commit.empty() ? "X-Repo-Commit" : "ETag") +
                                  " header: HF_ENDPOINT may not point at a Hugging Face Hub, or a "
                                  "proxy removes the header");
  if (!is_commit_hash(meta.commit))
    fail(ErrorCode::kNetwork, "the Hub sent an invalid commit '" + meta.commit + "' for " +
                                  filename + " of " + repo_id_);
  return meta;
}

fs::path HubFetcher::fetch(const std::string& filename, const FileMetadata& meta) {
  std::error_code ec;
  if (!fs::exists(cache_.blob_path(meta.etag), ec)) download_blob(filename, meta);
  cache_.link_snapshot(meta.commit, filename, meta.etag);
  return cache_.snapshot_file(meta.commit, filename);
}

void HubFetcher::download_blob(const std::string& filename, const FileMetadata& meta) {
  const fs::path blob = cache_.blob_path(meta.etag);
  const fs::path incomplete = cache_.incomplete_path(meta.etag);
  const fs::path blobs_dir = blob.parent_path();
  const std::string what = filename + " of " + repo_id_;
  std::error_code ec;
  fs::create_directories(blobs_dir, ec);
  if (ec)
    fail(ErrorCode::kIo, "cannot create cache folder " + blobs_dir.string() + ": " + ec.message());

  // One process downloads a blob; the others wait, then find it in place.
  FileLock lock(cache_.lock_path(meta.etag));
  if (fs::exists(blob, ec)) return;

  ProgressBar bar(filename, std::max<int64_t>(meta.size, 0), size_on_disk(incomplete),
                  options_.progress);
  for (int resumes = 0;; ++resumes) {
    int64_t offset = size_on_disk(incomplete);
    if (meta.size >= 0 && offset > meta.size) {  // not the file we expect: start over
      fs::remove(incomplete, ec);
      offset = 0;
    }
    if (meta.size >= 0 && offset == meta.size && offset > 0) break;  // complete, not yet renamed
    check_free_space(blobs_dir, what, meta.size - offset);

    std::FILE* out = std::fopen(incomplete.c_str(), "ab");
    if (out == nullptr) fail_disk(blobs_dir, what, errno);
    int write_errno = 0;
    BodySink sink;
    sink.begin = [&](long status) {
      if (status == 200 && offset > 0) {  // the server ignored Range: take the whole file
        log::info("the server does not resume downloads; restarting ", filename);
        std::fflush(out);
        if (::ftruncate(::fileno(out), 0) != 0) {
          write_errno = errno;
          return false;
        }
        offset = 0;
      }
      return true;
    };
    sink.write = [&](const char* data, size_t size) {
      if (std::fwrite(data, 1, size, out) == size) return true;
      write_errno = errno;
      return false;
    };
    sink.progress = [&](int64_t received, int64_t) { bar.update(offset + received); };

    HttpRequest request{meta.location, request_headers(meta.location), options_.connect_timeout_s,
                        0, options_.stall_timeout_s};
    if (offset > 0) request.headers.push_back("Range: bytes=" + std::to_string(offset) + "-");
    const HttpResponse response = http_get(request, sink);
    if (std::fflush(out) != 0 && write_errno == 0) write_errno = errno;
    if (::fsync(::fileno(out)) != 0 && write_errno == 0 && errno != EINVAL) write_errno = errno;
    if (std::fclose(out) != 0 && write_errno == 0) write_errno = errno;
    if (write_errno != 0) fail_disk(blobs_dir, what, write_errno);

    std::string broken;  // why this attempt ended before the whole file arrived
    if (response.ok() && response.status == 416) {
      fs::remove(incomplete, ec);  // our partial file does not fit the server's: start over
      broken = "the server refused to resume (HTTP 416)";
    } else if (response.ok() && (response.status < 200 || response.status >= 300)) {
      // The storage a large file redirects to is not the Hub: its refusals (an expired signed
      // URL, say) are not about tokens or missing repos.
      if (url_origin(meta.location) != url_origin(options_.endpoint))
        fail(ErrorCode::kNetwork, "download of " + what + " from " + url_origin(meta.location) +
                                      " failed with HTTP " + std::to_string(response.status) +
                                      "; try again (a partial download is resumed)");
      fail_for_status(filename, meta.commit, response);
    } else if (response.ok()) {
      if (meta.size < 0 || size_on_disk(incomplete) >= meta.size) break;
      broken = "the connection closed early";
    } else if (response.transport == TransportError::kSinkFailed) {
      fail_disk(blobs_dir, what, EIO);
    } else if (response.transport == TransportError::kUnreachable && resumes == 0) {
      throw HubUnreachable("cannot reach the download server for " + what + " (" +
                           response.transport_message + ")");
    } else {
      broken = response.transport_message;
    }
    const std::string progress =
        megabytes(size_on_disk(incomplete)) + (meta.size >= 0 ? " of " + megabytes(meta.size) : "");
    if (resumes >= options_.max_resume_attempts)
      fail(ErrorCode::kNetwork, "download of " + what + " was interrupted after " + progress +
                                    " (" + broken +
                                    "); the partial file is kept in the cache and the next run "
                                    "resumes it");
    log::warn("download of ", what, " interrupted after ", progress, " (", broken, "); resuming");
  }
  bar.finish();

  const int64_t size = size_on_disk(incomplete);
  if (meta.size >= 0 && size != meta.size) {
    fs::remove(incomplete, ec);
    fail(ErrorCode::kNetwork, "download of " + what + " is corrupted: received " +
                                  std::to_string(size) + " bytes, expected " +
                                  std::to_string(meta.size) +
                                  "; the damaged file was removed, run again to download it anew");
  }
  // LFS files are named by the sha256 of their content: check the bytes against it.
  if (is_sha256_hex(meta.etag)) {
    const std::string actual = sha256_file(incomplete);
    if (actual != meta.etag) {
      fs::remove(incomplete, ec);
      fail(ErrorCode::kNetwork, "download of " + what + " is corrupted: its sha256 is " + actual +
                                    ", expected " + meta.etag +
                                    "; the damaged file was removed, run again to download it "
                                    "anew");
    }
  }
  fs::rename(incomplete, blob, ec);
  if (ec)
    fail(ErrorCode::kIo, "cannot move " + incomplete.string() + " into place: " + ec.message());
}

}  // namespace speecht5::io
