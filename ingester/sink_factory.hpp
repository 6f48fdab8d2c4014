// sink_factory.hpp — the store named by --store, as a Sink, plus where the
// ledger (mails, parts, dead letters) lives for it.
//
//   sqlite:PATH            -> SqliteSink on PATH; the ledger is in PATH too.
//   http://... https://... -> ElasticsearchSink (ingester/elasticsearch_sink.hpp;
//                             options from the elasticsearch.* keys, the URL
//                             list replacing elasticsearch.hosts). The ledger
//                             is `state_db`, default <maildir>/logpost-ingest-state.sqlite.
//                             With elasticsearch.tls_verify = no and an https
//                             host, logs the warning `tls_verify_off`.
//
// Errors: ErrorCode::config for an unknown scheme or empty path; the sink's
// own open errors otherwise.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "ingester/ingest_settings.hpp"
#include "ingester/sink.hpp"

namespace logpost::ingester {

struct StoreSpec {
  enum class Kind { sqlite, elasticsearch } kind = Kind::sqlite;
  std::string location;  // the SQLite path or the URL
};

Result<StoreSpec> parse_store(std::string_view store);

struct OpenedStore {
  std::unique_ptr<Sink> sink;
  std::filesystem::path ledger_path;
};

Result<OpenedStore> open_store(const StoreSpec& spec, const IngestSettings& settings,
                               const std::filesystem::path& maildir);

}  // namespace logpost::ingester
