// http_client.hpp — HTTP requests for the Elasticsearch sink (libcurl,
// wrapped here once).
//
// HttpTransport is the one operation the sink needs: send a request, get
// (status, body) back. CurlEasy implements it over one libcurl easy handle
// that lives as long as the object, so the TCP/TLS connection to a host is
// reused between requests (HTTP/1.1 keep-alive) instead of being rebuilt for
// every bulk request. Tests substitute their own HttpTransport with canned
// answers. This is the only file in logpost that includes <curl/curl.h>; it
// moves bytes and classifies transport failures, nothing else.
//
// Errors (Result):
//   ErrorCode::temporary  connection refused or reset, DNS failure, timeout,
//                         TLS handshake interrupted: worth retrying, maybe on
//                         another host.
//   ErrorCode::config     malformed URL, unsupported scheme, certificate not
//                         trusted or CA file unreadable: retrying cannot help.
//                         A refused certificate (unknown CA, host name not in
//                         it, expired) says "TLS certificate verification
//                         failed: <libcurl's words>".
//   ErrorCode::too_large  the response body exceeded max_response_bytes.
// HTTP statuses are not errors here: a 500 is a response like any other and
// the caller classifies it. Credentials never appear in error messages.
//
// Redirects are not followed (a bulk POST must not silently land elsewhere).
// Cost: one allocation per header list; the request body is sent from the
// caller's buffer without a copy; the response is appended to a string.
// Thread-safety: one CurlEasy per thread. curl_global_init runs once,
// guarded by std::call_once.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace logpost::ingester {

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, POST, PUT, DELETE
  std::string url;             // absolute: http(s)://host:port/path?query
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string_view body;       // sent as is (already compressed if wanted)
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string content_type;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};  // whole request, 0 = none
  bool verify_tls = true;
  std::filesystem::path ca_file;  // empty: the system trust store
  std::string user;               // basic auth when non-empty
  std::string password;
  std::string api_key;            // "Authorization: ApiKey <api_key>" when non-empty
  size_t max_response_bytes = size_t{256} << 20;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> perform(const HttpRequest& request) = 0;
};

class CurlEasy final : public HttpTransport {
 public:
  // Fails (ErrorCode::internal) only when libcurl cannot allocate a handle.
  static Result<std::unique_ptr<CurlEasy>> create(HttpClientOptions options);

  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;
  ~CurlEasy() override;

  Result<HttpResponse> perform(const HttpRequest& request) override;

  // Connections libcurl opened so far (1 while keep-alive holds).
  [[nodiscard]] long connections_opened() const { return m_connections; }

 private:
  struct Handle;
  CurlEasy(HttpClientOptions options, std::unique_ptr<Handle> handle);

  HttpClientOptions m_options;
  std::unique_ptr<Handle> m_handle;
  long m_connections = 0;
};

}  // namespace logpost::ingester
