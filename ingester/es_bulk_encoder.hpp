// es_bulk_encoder.hpp — events to an Elasticsearch bulk request body (NDJSON).
//
// For each event the encoder writes two lines, each ending in "\n" (so the
// body always ends with the newline the bulk API requires):
//
//   {"create":{"_index":"logs-<dataset>-<namespace>","_id":"<event id>"}}
//   {"@timestamp":"…", <the event's fields>, "data_stream":{…}}
//
// `create` (never `index`): data streams accept only create, and a create
// of an _id that exists fails with 409 instead of writing a second copy, so
// resending is idempotent. _id is Event::id(), deterministic per event.
//
// Which data stream (ECS data-stream naming, type "logs"):
//   dataset   = the string at [event][dataset] ("mysql.slowlog",
//               "nginx.access", "apache.access"); when absent, the one at
//               [data_stream][dataset]; when absent too, "generic" (the
//               data set Elastic uses for logs of unknown origin).
//               Sanitised for index names: lower-cased, any byte outside
//               [a-z0-9._] becomes '_', at most 100 bytes.
//   namespace = the namespace configured for the event's tenant (the string
//               at [logpost][tenant]), else the default namespace.
// The document gets a "data_stream" object {type, dataset, namespace}
// matching the index, as Elastic's own shippers write, unless the event
// already has a top-level "data_stream" field (then it is left alone).
//
// An event with an empty id() is skipped (contributes no bytes): sending it
// without an _id would store it without idempotency. The sink rejects such
// events itself.
//
// JSON encoding is common/json.hpp's: deterministic, any bytes (invalid
// UTF-8 becomes U+FFFD), "@metadata" never leaves the process.
//
// Errors: create() validates namespaces (lower case, no '-', no index-name
// specials, 1..100 bytes) and returns ErrorCode::config naming the culprit.
// Encoding itself cannot fail.
// Cost: one pass per event through common/json.hpp's JsonWriter into a
// caller-owned buffer that grows geometrically; the action line's index
// name is reused while it repeats. Throughput is bound by reading the
// events' scattered heap memory more than by encoding: docs/BENCHMARKS.md
// ("Elasticsearch sink") has the numbers, below the 1M documents/s target.
// Thread-safety: a const EsBulkEncoder may be shared; the cache is per call.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.hpp"
#include "common/result.hpp"

namespace logpost::ingester {

struct EsBulkEncoderOptions {
  std::string default_namespace = "default";
  std::map<std::string, std::string, std::less<>> tenant_namespaces;  // tenant -> namespace
};

class EsBulkEncoder {
 public:
  static Result<EsBulkEncoder> create(EsBulkEncoderOptions options);

  // Appends the action line and the source line of `event`. For many
  // events use encode(): append() sizes its buffer for one event.
  void append(std::string& out, const Event& event) const;

  // Encodes a whole batch; offsets (when given) receives, per event, the
  // offset where its action line starts, plus a final entry = out.size(),
  // so [offsets[i], offsets[j]) is the body of events i..j-1.
  void encode(std::span<const Event> events, std::string& out, std::vector<size_t>* offsets = nullptr) const;

  // "logs-<dataset>-<namespace>" for this event.
  [[nodiscard]] std::string data_stream_for(const Event& event) const;

  // The sanitised dataset and the namespace the event goes to.
  [[nodiscard]] std::string dataset_of(const Event& event) const;
  [[nodiscard]] const std::string& namespace_of(const Event& event) const;

 private:
  explicit EsBulkEncoder(EsBulkEncoderOptions options) : m_options(std::move(options)) {}
  EsBulkEncoderOptions m_options;
};

// Checks a data-stream namespace against Elasticsearch's naming rules.
Result<void> validate_es_namespace(std::string_view ns);

// The dataset value as it may appear in an index name (see above).
std::string sanitize_es_dataset(std::string_view dataset);

}  // namespace logpost::ingester
