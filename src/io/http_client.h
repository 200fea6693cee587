#pragma once
// A thin libcurl wrapper with the two requests the Hub client needs: a HEAD that does NOT follow
// redirects (the Hub puts a file's metadata on the redirect itself) and a streaming GET that does.
// Transport failures are returned, not thrown, so the caller can decide between retrying,
// falling back to the cache and reporting; HTTP error statuses are returned as they are.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace speecht5::io {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  long connect_timeout_s = 10;
  long total_timeout_s = 0;   // 0: none (downloads rely on the stall limit instead)
  long stall_timeout_s = 30;  // abort when fewer than 1 byte/s arrives for this long
};

enum class TransportError {
  kNone,
  kUnreachable,  // DNS failure, connection refused, connect timeout
  kInterrupted,  // the connection broke or stalled after the transfer started
  kSinkFailed,   // the body callback refused the data (a write error on our side)
  kOther,        // TLS problems, malformed responses, ...
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lowercase names, of the last response read
  std::string error_body;                      // the start of a non-2xx body (for messages)
  TransportError transport = TransportError::kNone;
  std::string transport_message;  // libcurl's explanation when transport != kNone

  bool ok() const { return transport == TransportError::kNone; }
  std::string header(const std::string& lowercase_name) const;  // "" when absent
};

// Receives the body of a 2xx response. `begin` is called once, before the first byte, with the
// final status; returning false from either callback aborts the transfer (kSinkFailed).
struct BodySink {
  std::function<bool(long status)> begin;
  std::function<bool(const char* data, size_t size)> write;
  // Bytes of this transfer received so far and expected in all (0 when unknown).
  std::function<void(int64_t received, int64_t expected)> progress;
};

HttpResponse http_head(const HttpRequest& request);
HttpResponse http_get(const HttpRequest& request, const BodySink& sink);

// "scheme://host:port" of an absolute URL ("" for a relative one), used to keep tokens on the
// host they were meant for.
std::string url_origin(const std::string& url);
// Resolves a Location header against the URL that returned it.
std::string resolve_location(const std::string& base_url, const std::string& location);
// Percent-encodes everything but unreserved characters (and '/' when keep_slash).
std::string url_encode(const std::string& text, bool keep_slash);

}  // namespace speecht5::io
