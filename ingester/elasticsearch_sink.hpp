// elasticsearch_sink.hpp — the Sink that stores events in Elasticsearch
// data streams through the bulk API.
//
// Selected by `--store https://host:9200[,https://host2:9200]` (or the
// config key elasticsearch.hosts). Each write() encodes the batch once
// (es_bulk_encoder.hpp), cuts it into bulk requests of at most
// bulk_max_bytes / bulk_max_documents, POSTs each to <host>/_bulk over one
// kept-alive connection (http_client.hpp), and reads every item of every
// answer (es_bulk_response.hpp):
//
//   item 201 / 409 on create      -> delivered (409: stored by an earlier try)
//   item 429 / 5xx                -> retry, only those items
//   item 400 / 404 / other 4xx    -> rejected with Elasticsearch's reason
//   request 413                   -> halve and resend inside write(); a
//                                    single document refused with 413 is
//                                    rejected ("document too large")
//   request 400                   -> bisect the same way: the one document
//                                    Elasticsearch cannot take is rejected,
//                                    the others are stored
//   connection refused, timeout,
//   request 429/5xx, garbled 200  -> the next write() goes to the next host;
//                                    if nothing of this write() was stored,
//                                    write() returns ErrorCode::temporary
//                                    (the core backs off and resends the
//                                    batch: creates are idempotent); if some
//                                    requests went through, the unsent items
//                                    are reported `retry` with the reason
//   request 401 / 403             -> ErrorCode::permanent; the sink stays
//                                    stopped and every later write() says so
//   request 404 / 3xx / other     -> ErrorCode::config (wrong URL or proxy)
// Events without an id are rejected (an ingester bug, never sent without
// an _id: that would break idempotency).
//
// The sink never waits or retries on its own: linger and the retry limits
// are read here from the configuration for the ingester core, which owns
// batching, backoff and the dead-letter store.
//
// SECURITY: credentials come from files (password_file, api_key_file), never
// from the command line or the URL (a URL with user:password@ is refused),
// and are never logged. TLS certificates are verified unless
// elasticsearch.tls_verify = no. Nothing is written locally.
//
// Cost: the encoded batch is built once and requests are slices of it (a
// 413 split copies nothing); gzip (level 1) when compression = gzip.
// Thread-safety: one thread drives a sink (see sink.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "ingester/es_bulk_encoder.hpp"
#include "ingester/http_client.hpp"
#include "ingester/sink.hpp"

namespace logpost::ingester {

struct ElasticsearchSinkOptions {
  std::vector<std::string> hosts;  // base URLs without trailing '/': "https://es1:9200"
  HttpClientOptions http;
  EsBulkEncoderOptions encoder;
  uint64_t bulk_max_bytes = uint64_t{5} << 20;  // uncompressed NDJSON per request
  size_t bulk_max_documents = 5000;
  bool compress = true;  // gzip request bodies (Content-Encoding: gzip)
  // For the ingester core (the sink itself never waits or retries):
  std::chrono::milliseconds linger{1000};  // flush a partial batch after this long
  uint32_t retry_max_attempts = 0;         // per item before dead-lettering; 0 = no limit
  std::chrono::milliseconds retry_initial_backoff{500};
  std::chrono::milliseconds retry_max_backoff{60'000};
};

struct ElasticsearchSinkStats {
  uint64_t requests = 0;
  uint64_t request_failures = 0;  // transport errors and non-200 answers
  uint64_t bytes_encoded = 0;     // NDJSON bytes sent (before gzip)
  uint64_t bytes_sent = 0;        // bytes on the wire (after gzip)
  uint64_t created = 0;
  uint64_t conflicts = 0;         // 409: already stored
  uint64_t retried = 0;           // items reported retry
  uint64_t rejected = 0;          // items reported rejected
  uint64_t splits = 0;            // 413 / 400 halvings
};

// True when a --store value names Elasticsearch (http:// or https://).
bool is_elasticsearch_store(std::string_view store);

// "https://a:9200, https://b:9200/prefix/" -> {"https://a:9200",
// "https://b:9200/prefix"}. Errors (ErrorCode::config): empty list, a scheme
// other than http/https, no host, user:password@, query or fragment.
Result<std::vector<std::string>> parse_elasticsearch_hosts(std::string_view list);

// The declared keys (all named "elasticsearch.*"); the ingester appends them
// to its own table.
std::span<const ConfigKey> elasticsearch_config_keys();

// Reads the keys above (and the credential files they name). `store`, when
// not empty, is the --store URL list and replaces elasticsearch.hosts.
// Errors: ErrorCode::config, all problems at once.
Result<ElasticsearchSinkOptions> elasticsearch_options_from_config(const Config& config, std::string_view store = {});

class ElasticsearchSink final : public Sink {
 public:
  // Validates options (ErrorCode::config); `transport` null = a CurlEasy.
  static Result<std::unique_ptr<ElasticsearchSink>> create(ElasticsearchSinkOptions options,
                                                           std::unique_ptr<HttpTransport> transport = nullptr);

  Result<std::vector<ItemOutcome>> write(std::span<const Event> events, const BatchSource& source) override;
  [[nodiscard]] std::string name() const override { return "elasticsearch"; }

  [[nodiscard]] const ElasticsearchSinkStats& stats() const { return m_stats; }
  [[nodiscard]] const std::string& current_host() const { return m_options.hosts[m_host]; }

 private:
  ElasticsearchSink(ElasticsearchSinkOptions options, EsBulkEncoder encoder, std::unique_ptr<HttpTransport> transport);

  // Sends events [begin, end) (indexes into the batch); fills outcomes.
  Result<void> send_range(std::span<const Event> events, size_t begin, size_t end, std::vector<ItemOutcome>& outcomes,
                          std::vector<uint8_t>& decided);
  void next_host();

  ElasticsearchSinkOptions m_options;
  EsBulkEncoder m_encoder;
  std::unique_ptr<HttpTransport> m_transport;
  size_t m_host = 0;
  std::string m_body;             // the encoded batch, reused between writes
  std::vector<size_t> m_offsets;  // per event: where its lines start in m_body
  std::string m_gzip;             // the compressed request, reused
  std::optional<Error> m_stopped;  // set on 401/403
  ElasticsearchSinkStats m_stats;
};

// The factory the ingester's sink selection calls.
Result<std::unique_ptr<Sink>> make_elasticsearch_sink(const ElasticsearchSinkOptions& options);

}  // namespace logpost::ingester
