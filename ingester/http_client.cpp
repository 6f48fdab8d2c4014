// http_client.cpp — the one place that speaks libcurl. See the header.
#include "ingester/http_client.hpp"

#include <curl/curl.h>

#include <mutex>

namespace logpost::ingester {

namespace {

void global_init_once() {
  // curl_global_init is not thread-safe on older libcurl builds and must run
  // before the first handle; call_once makes "first" well defined.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct Sink {
  std::string* body = nullptr;
  size_t limit = 0;
  bool overflow = false;
};

size_t write_callback(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t bytes = size * count;
  if (sink->body->size() + bytes > sink->limit) {
    sink->overflow = true;
    return 0;  // makes libcurl abort the transfer with CURLE_WRITE_ERROR
  }
  sink->body->append(data, bytes);
  return bytes;
}

ErrorCode code_for(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_NOT_BUILT_IN:
      return ErrorCode::config;
    case CURLE_OUT_OF_MEMORY:
      return ErrorCode::internal;
    default:
      // Refused, reset, timed out, name not resolved, partial transfer: the
      // store or the path to it is unwell for now.
      return ErrorCode::temporary;
  }
}

}  // namespace

struct CurlEasy::Handle {
  CURL* curl = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

CurlEasy::CurlEasy(HttpClientOptions options, std::unique_ptr<Handle> handle)
    : m_options(std::move(options)), m_handle(std::move(handle)) {}

CurlEasy::~CurlEasy() = default;

Result<std::unique_ptr<CurlEasy>> CurlEasy::create(HttpClientOptions options) {
  global_init_once();
  auto handle = std::make_unique<Handle>();
  handle->curl = curl_easy_init();
  if (!handle->curl) return fail(ErrorCode::internal, "curl_easy_init failed");
  CURL* c = handle->curl;
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, handle->error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM games in a threaded program
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // take gzip'd responses too
  curl_easy_setopt(c, CURLOPT_USERAGENT, "logpost-ingest");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(c, CURLOPT_USERNAME, options.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &write_callback);
  return std::unique_ptr<CurlEasy>(new CurlEasy(std::move(options), std::move(handle)));
}

Result<HttpResponse> CurlEasy::perform(const HttpRequest& request) {
  CURL* c = m_handle->curl;
  m_handle->error[0] = '\0';

  Slist headers;
  auto add_header = [&headers](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next) {
      (void)headers.release();
      headers.reset(next);
    }
    return next != nullptr;
  };
  bool ok = true;
  for (const auto& [name, value] : request.headers) ok = ok && add_header(name + ": " + value);
  // Without this libcurl sends "Expect: 100-continue" for bodies over 1 MiB
  // and waits up to a second for a 100 that many servers never send.
  ok = ok && add_header("Expect:");
  if (!m_options.api_key.empty()) ok = ok && add_header("Authorization: ApiKey " + m_options.api_key);
  if (!ok) return fail(ErrorCode::internal, "curl_slist_append failed");

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, static_cast<const char*>(nullptr));
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" || (request.body.empty() && request.method != "POST" && request.method != "PUT")) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (request.method != "GET") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  HttpResponse response;
  Sink sink{&response.body, m_options.max_response_bytes, false};
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);

  CURLcode rc = curl_easy_perform(c);
  // The header list dies at the end of this function; do not leave libcurl
  // holding a dangling pointer until the next request sets a new one.
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, static_cast<const char*>(nullptr));

  long new_connections = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &new_connections);
  m_connections += new_connections;

  std::string where = request.method + " " + request.url;
  if (rc != CURLE_OK) {
    if (sink.overflow) {
      return fail(ErrorCode::too_large,
                  where + ": response larger than " + std::to_string(m_options.max_response_bytes) + " bytes");
    }
    std::string detail = m_handle->error[0] ? m_handle->error : curl_easy_strerror(rc);
    // Name the TLS failure plainly: the operator's next step (trust the
    // right CA, fix the host name) differs from a network problem's.
    if (rc == CURLE_PEER_FAILED_VERIFICATION) detail = "TLS certificate verification failed: " + detail;
    if (rc == CURLE_SSL_CACERT_BADFILE) detail = "cannot load the CA file: " + detail;
    return fail(code_for(rc), where + ": " + detail);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  const char* content_type = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type) response.content_type = content_type;
  return response;
}

}  // namespace logpost::ingester
