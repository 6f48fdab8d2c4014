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
//   item 429 / 5xx                -> retry, only those items (rejected on
//                                    the retry_max_attempts-th such answer)
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
//   TLS certificate refused       -> ErrorCode::config: "TLS certificate
//   (unknown CA, host name,          verification failed: <libcurl>" plus
//   expired)                         the keys to check (ca_file, tls_verify)
// Events without an id are rejected (an ingester bug, never sent without
// an _id: that would break idempotency).
//
// The sink never waits or retries on its own: the ingester core owns
// batching, backoff (its retry_initial / retry_max / retry_give_up keys) and
// the dead-letter store. The one retry knob of its own is a count:
//
//   retry_max_attempts = N (> 0): when Elasticsearch has answered 429/5xx
//   for the same document (same _id) N times, the N-th answer reports it
//   `rejected` with "gave up after N attempts (elasticsearch.
//   retry_max_attempts): <Elasticsearch's last reason>", so the core
//   dead-letters it and the mail can leave new/. Only item answers count:
//   a whole request that failed (refused, timeout, request-level 429/5xx)
//   or items never sent because an earlier request failed count nothing,
//   so an outage never dead-letters anything (the mail waits instead).
//   0 = no limit: the core retries until retry_give_up, the mail stays in
//   new/ and the next scan resumes it.
//   The counts live in memory (per process, reset by a restart; at most
//   k_max_tracked_items ids, then forgotten wholesale: a forgotten count
//   only means more attempts, never a lost document).
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
#include <unordered_map>
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
  // Item answers of 429/5xx per document before it is rejected (see above);
  // 0 = no limit.
  uint32_t retry_max_attempts = 0;
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
  uint64_t gave_up = 0;           // items rejected by retry_max_attempts (also in `rejected`)
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

// Reads the keys above (and the credential files they name; a CA file must
// be readable). `store`, when not empty, is the --store URL list and
// replaces elasticsearch.hosts. Relative password_file, api_key_file and
// ca_file resolve against `base_dir` (the configuration file's directory,
// as every path of logpost-ingest's file; empty = the working directory).
// Errors: ErrorCode::config, all problems at once.
Result<ElasticsearchSinkOptions> elasticsearch_options_from_config(const Config& config, std::string_view store = {},
                                                                   const std::filesystem::path& base_dir = {});

class ElasticsearchSink final : public Sink {
 public:
  // Validates options (ErrorCode::config); `transport` null = a CurlEasy.
  static Result<std::unique_ptr<ElasticsearchSink>> create(ElasticsearchSinkOptions options,
                                                           std::unique_ptr<HttpTransport> transport = nullptr);

  Result<std::vector<ItemOutcome>> write(std::span<const Event> events, const BatchSources& sources) override;
  [[nodiscard]] std::string name() const override { return "elasticsearch"; }

  [[nodiscard]] const ElasticsearchSinkStats& stats() const { return m_stats; }
  [[nodiscard]] const std::string& current_host() const { return m_options.hosts[m_host]; }

  // Bound of the per-document attempt counts kept for retry_max_attempts.
  static constexpr size_t k_max_tracked_items = 1'000'000;

 private:
  ElasticsearchSink(ElasticsearchSinkOptions options, EsBulkEncoder encoder, std::unique_ptr<HttpTransport> transport);

  // Sends events [begin, end) (indexes into the batch); fills outcomes.
  Result<void> send_range(std::span<const Event> events, size_t begin, size_t end, std::vector<ItemOutcome>& outcomes,
                          std::vector<uint8_t>& decided);
  void next_host();
  // Applies retry_max_attempts to one item answer of a processed request.
  void count_attempt(std::string_view id, ItemOutcome& outcome);

  ElasticsearchSinkOptions m_options;
  EsBulkEncoder m_encoder;
  std::unique_ptr<HttpTransport> m_transport;
  size_t m_host = 0;
  std::string m_body;             // the encoded batch, reused between writes
  std::vector<size_t> m_offsets;  // per event: where its lines start in m_body
  std::string m_gzip;             // the compressed request, reused
  std::optional<Error> m_stopped;  // set on 401/403
  std::unordered_map<std::string, uint32_t> m_attempts;  // _id -> 429/5xx answers so far
  ElasticsearchSinkStats m_stats;
};

// The factory the ingester's sink selection calls.
Result<std::unique_ptr<Sink>> make_elasticsearch_sink(const ElasticsearchSinkOptions& options);

}  // namespace logpost::ingester
