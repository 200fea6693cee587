#include "io/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "core/error.h"

namespace speecht5::io {
namespace {

constexpr size_t kMaxErrorBody = 4096;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      fail(ErrorCode::kNetwork, "cannot initialise libcurl");
  });
}

std::string trim(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

struct Transfer {
  CURL* curl = nullptr;
  HttpResponse* response = nullptr;
  const BodySink* sink = nullptr;
  bool began = false;
  bool sink_refused = false;
  int64_t body_bytes = 0;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  // Every response in a redirect chain starts with a status line: keep the last one's headers.
  if (line.rfind("HTTP/", 0) == 0) {
    transfer->response->headers.clear();
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = trim(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    transfer->response->headers[name] = trim(line.substr(colon + 1));
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300 || transfer->sink == nullptr) {
    std::string& body = transfer->response->error_body;
    body.append(data, std::min(bytes, kMaxErrorBody - std::min(kMaxErrorBody, body.size())));
    return bytes;
  }
  if (!transfer->began) {
    transfer->began = true;
    if (transfer->sink->begin && !transfer->sink->begin(status)) {
      transfer->sink_refused = true;
      return 0;
    }
  }
  if (!transfer->sink->write(data, bytes)) {
    transfer->sink_refused = true;
    return 0;
  }
  transfer->body_bytes += static_cast<int64_t>(bytes);
  return bytes;
}

int on_progress(void* user, curl_off_t expected, curl_off_t received, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->sink != nullptr && transfer->sink->progress && transfer->began)
    transfer->sink->progress(received, expected);
  return 0;
}

TransportError classify(CURLcode code, const Transfer& transfer) {
  switch (code) {
    case CURLE_OK:
      return TransportError::kNone;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return TransportError::kUnreachable;
    case CURLE_WRITE_ERROR:
      return transfer.sink_refused ? TransportError::kSinkFailed : TransportError::kInterrupted;
    case CURLE_OPERATION_TIMEDOUT:
      // A timeout before any response byte means the server never answered.
      return transfer.response->status == 0 ? TransportError::kUnreachable
                                            : TransportError::kInterrupted;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransportError::kInterrupted;
    default:
      return TransportError::kOther;
  }
}

HttpResponse perform(const HttpRequest& request, bool head, const BodySink* sink) {
  global_init();
  HttpResponse response;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) fail(ErrorCode::kNetwork, "cannot create a libcurl handle");
  Transfer transfer{curl, &response, sink};
  curl_slist* headers = nullptr;
  for (const auto& header : request.headers) headers = curl_slist_append(headers, header.c_str());
  char error_buffer[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "speecht5.cpp/" SPEECHT5_VERSION);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_s);
  if (request.total_timeout_s > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT, request.total_timeout_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, request.stall_timeout_s);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  if (head) {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  } else {
    // libcurl drops custom Authorization headers when a redirect leaves the original host.
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  }

  const CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.transport = classify(code, transfer);
  if (code != CURLE_OK)
    response.transport_message = error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return response;
}

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string HttpResponse::header(const std::string& lowercase_name) const {
  const auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse http_head(const HttpRequest& request) { return perform(request, true, nullptr); }

HttpResponse http_get(const HttpRequest& request, const BodySink& sink) {
  return perform(request, false, &sink);
}

std::string url_origin(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  const size_t host_end = url.find_first_of("/?#", scheme_end + 3);
  std::string origin = url.substr(0, host_end);
  std::transform(origin.begin(), origin.end(), origin.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return origin;
}

std::string resolve_location(const std::string& base_url, const std::string& location) {
  if (!url_origin(location).empty()) return location;
  if (location.rfind("//", 0) == 0) return base_url.substr(0, base_url.find("//")) + location;
  if (!location.empty() && location[0] == '/') return url_origin(base_url) + location;
  const std::string path = base_url.substr(0, base_url.find_first_of("?#"));
  return path.substr(0, path.rfind('/') + 1) + location;
}

std::string url_encode(const std::string& text, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace speecht5::io
