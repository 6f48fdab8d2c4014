// sink_factory.cpp — --store parsing and sink construction.
#include "ingester/sink_factory.hpp"

#include "ingester/elasticsearch_sink.hpp"
#include "ingester/log_line.hpp"
#include "ingester/sqlite_sink.hpp"

namespace logpost::ingester {

Result<StoreSpec> parse_store(std::string_view store) {
  if (store.substr(0, 7) == "sqlite:") {
    std::string path(store.substr(7));
    if (path.empty()) return fail(ErrorCode::config, "--store sqlite:PATH needs a path");
    return StoreSpec{StoreSpec::Kind::sqlite, path};
  }
  if (store.substr(0, 7) == "http://" || store.substr(0, 8) == "https://")
    return StoreSpec{StoreSpec::Kind::elasticsearch, std::string(store)};
  return fail(ErrorCode::config, "unknown --store '" + std::string(store) +
                                     "' (expected sqlite:PATH, http://HOST:PORT or https://HOST:PORT)");
}

Result<OpenedStore> open_store(const StoreSpec& spec, const IngestSettings& settings,
                               const std::filesystem::path& maildir) {
  int busy = static_cast<int>(settings.sqlite_busy_timeout.count());
  if (spec.kind == StoreSpec::Kind::sqlite) {
    auto sink = SqliteSink::open(spec.location, busy);
    if (!sink) return tl::unexpected(sink.error());
    return OpenedStore{std::move(*sink), spec.location};
  }
  auto options = elasticsearch_options_from_config(*settings.config, spec.location, settings.config_dir);
  if (!options) return tl::unexpected(options.error());
  if (!options->http.verify_tls) {
    bool https = false;
    for (const auto& host : options->hosts) https = https || host.starts_with("https://");
    if (https) {
      log_event(LogLevel::warn, "tls_verify_off",
                {{"reason", "elasticsearch.tls_verify = no: the server's certificate and host name are not checked; "
                            "anyone on the path can read and alter events and credentials"}});
    }
  }
  auto sink = make_elasticsearch_sink(*options);
  if (!sink) return tl::unexpected(sink.error());
  std::filesystem::path ledger =
      settings.state_db.empty() ? maildir / "logpost-ingest-state.sqlite" : settings.state_db;
  return OpenedStore{std::move(*sink), ledger};
}

}  // namespace logpost::ingester
