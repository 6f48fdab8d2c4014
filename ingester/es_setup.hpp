// es_setup.hpp — `logpost-ingest setup-elasticsearch`: installs, idempotently,
// what logpost's data streams need in an Elasticsearch cluster.
//
// Resources (generated once by deploy/elasticsearch/generate-templates.py
// from the ECS 9.4.0 field list and the Filebeat module field lists, kept
// in deploy/elasticsearch/*.json and embedded here, so nothing is read at run
// time):
//   ILM policy      logpost-logs                     (rollover 1d / 50gb, delete at 90d)
//   index template  logpost-logs-mysql.slowlog       logs-mysql.slowlog-*
//                   logpost-logs-nginx.access        logs-nginx.access-*
//                   logpost-logs-apache.access       logs-apache.access-*
// Each is a data-stream template (priority 250) with ECS mappings
// (geo_point source.geo.location, long-nanosecond event.duration, keyword
// mysql.slowlog.query_fingerprint / query_digest, ...) and strings mapped as
// keyword by default.
//
// For each resource, in order (policy first): GET it; absent (404) -> PUT,
// "created"; present with the same _meta.logpost_digest -> "unchanged"
// (nothing sent); otherwise -> PUT, "updated". One line per resource is
// printed to `out`, then a summary. Running it twice changes nothing the
// second time.
//
// Errors: ErrorCode::permanent on 401/403 (credentials or the
// manage_index_templates / manage_ilm privileges); ErrorCode::temporary when
// no host answers; ErrorCode::data when Elasticsearch refuses a resource
// (its reason in the message). Resources done before an error stay done;
// rerunning continues where it stopped.
// Thread-safety: one call at a time per transport.
#pragma once

#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "ingester/elasticsearch_sink.hpp"
#include "ingester/http_client.hpp"

namespace logpost::ingester {

struct EsResource {
  std::string_view kind;  // "ilm_policy" or "index_template"
  std::string_view name;
  std::string_view file;  // its file under deploy/elasticsearch/
  std::string_view json;  // the request body
};

// The embedded resources, in installation order.
std::span<const EsResource> es_setup_resources();

struct EsSetupChange {
  std::string kind;
  std::string name;
  std::string action;  // "created", "updated", "unchanged"
};

// `transport` null = a CurlEasy built from options.http.
Result<std::vector<EsSetupChange>> setup_elasticsearch(const ElasticsearchSinkOptions& options, std::ostream& out,
                                                       HttpTransport* transport = nullptr);

}  // namespace logpost::ingester
