// ingest_settings.hpp — logpost-ingest's configuration: the declared key
// table (common/config.hpp) and the typed settings the core runs on.
//
// Relative paths in a configuration file resolve against the file's
// directory. Tenants are known by their key: `tenant.<name>.signing_key_file`
// declares tenant <name> and the HMAC key its shipments are signed with.
// Keys are read at load; a missing or empty key file is a config error.
//
// Errors: load_ingest_settings() returns ErrorCode::config with every
// problem of the file at once (exit 78).
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/config.hpp"
#include "common/result.hpp"

namespace logpost::ingester {

// logpost-ingest's keys followed by the Elasticsearch sink's (elasticsearch.*).
std::span<const ConfigKey> ingest_config_keys();

struct IngestSettings {
  std::map<std::string, std::string> tenant_keys;  // tenant -> HMAC key bytes
  bool require_signature = true;        // a mail without a valid signature is quarantined
  bool accept_unknown_tenants = false;  // tenants without a key are accepted (unsigned)
  std::string quarantine_folder = ".Quarantine";
  std::chrono::milliseconds processed_retention{std::chrono::hours(24 * 7)};
  uint64_t max_mail_size = 64ull << 20;
  uint64_t max_part_bytes = 1ull << 30;   // decompressed
  uint64_t max_entry_bytes = 4ull << 20;
  size_t batch_events = 5000;
  uint64_t batch_bytes = 8ull << 20;
  // How long a partly filled batch waits for the events of further mails.
  std::chrono::milliseconds batch_linger{std::chrono::seconds(1)};
  std::chrono::milliseconds rescan_interval{std::chrono::seconds(60)};
  std::chrono::milliseconds retry_initial{200};
  std::chrono::milliseconds retry_max{std::chrono::seconds(30)};
  std::chrono::milliseconds retry_give_up{std::chrono::minutes(10)};
  std::chrono::milliseconds stats_interval{std::chrono::minutes(5)};
  std::chrono::milliseconds sqlite_busy_timeout{std::chrono::seconds(5)};
  std::filesystem::path state_db;  // ledger for non-SQLite stores; empty = derive
  std::filesystem::path pipelines_dir;
  // kind -> pipeline file; an absent kind has no pipeline. `explicit_pipelines`
  // holds the kinds whose file was named in the configuration (a missing file
  // is then an error, not a silent pass-through).
  std::map<std::string, std::filesystem::path> pipelines;
  std::map<std::string, bool> explicit_pipelines;
  std::filesystem::path patterns_dir;
  std::filesystem::path geoip_dir;
  std::string metrics_listen;  // "127.0.0.1:9187" or empty
  // The loaded file, for the Elasticsearch sink's own keys, and the directory
  // its relative paths resolve against.
  std::shared_ptr<const Config> config;
  std::filesystem::path config_dir;
};

// Loads `config_file` (or the defaults when nullopt) into settings.
Result<IngestSettings> load_ingest_settings(const std::optional<std::filesystem::path>& config_file);
// Same, from a Config already loaded (tests); `base_dir` resolves relative paths.
Result<IngestSettings> settings_from_config(const Config& config, const std::filesystem::path& base_dir);

}  // namespace logpost::ingester
