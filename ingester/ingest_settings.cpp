// ingest_settings.cpp — the key table of logpost-ingest and its reading.
#include "ingester/ingest_settings.hpp"

#include "common/envelope.hpp"

#include <array>
#include <vector>

#include "common/atomic_file.hpp"
#include "common/log_splitter.hpp"
#include "ingester/elasticsearch_sink.hpp"
#include "ingester/listen_address.hpp"

#ifndef LOGPOST_DEFAULT_PIPELINES_DIR
#define LOGPOST_DEFAULT_PIPELINES_DIR "/usr/share/logpost/pipelines"
#endif
#ifndef LOGPOST_DEFAULT_PATTERNS_DIR
#define LOGPOST_DEFAULT_PATTERNS_DIR "/usr/share/logpost/grok-patterns"
#endif

namespace logpost::ingester {

namespace {
constexpr std::array k_keys{
    ConfigKey{"tenant.*.signing_key_file", ConfigType::path, "",
              "File holding tenant <name>'s HMAC-SHA256 signing key (the bytes, trailing newline stripped). "
              "Declares the tenant."},
    ConfigKey{"require_signature", ConfigType::boolean, "yes",
              "Quarantine mails that carry no valid X-Logpost-Signature from a declared tenant."},
    ConfigKey{"accept_unknown_tenants", ConfigType::boolean, "no",
              "Accept mails of tenants without a signing_key_file (only with require_signature = no)."},
    ConfigKey{"quarantine_folder", ConfigType::string, ".Quarantine",
              "Maildir++ folder (under the Maildir) for mails that fail verification; a reason file "
              "goes to <folder>/reasons/."},
    ConfigKey{"processed_retention", ConfigType::duration, "7d",
              "How long ingested mails stay in cur/ before deletion (0 = delete at once)."},
    ConfigKey{"max_mail_size", ConfigType::size, "64M", "Larger mails are quarantined unread."},
    ConfigKey{"max_part_bytes", ConfigType::size, "1G",
              "Largest decompressed part accepted (a gzip bomb stops here)."},
    ConfigKey{"max_entry_bytes", ConfigType::size, "4M",
              "Longer log entries are stored in pieces tagged _logpost_entry_split."},
    ConfigKey{"batch_events", ConfigType::integer, "5000", "Events per store transaction / bulk request."},
    ConfigKey{"batch_bytes", ConfigType::size, "8M", "Message bytes per batch, whichever limit comes first."},
    ConfigKey{"batch_linger", ConfigType::duration, "1s",
              "Longest time an event waits in a partly filled batch for the events of further mails before the "
              "batch is written (a batch may hold several mails; each leaves new/ once its batch is stored). "
              "0 = write as soon as a scan of new/ finds no more mail; --once writes at the end of its run."},
    ConfigKey{"rescan_interval", ConfigType::duration, "60s",
              "Daemon: rescan new/ this often even without inotify events."},
    ConfigKey{"retry_initial", ConfigType::duration, "200ms", "First backoff after a store asked to retry."},
    ConfigKey{"retry_max", ConfigType::duration, "30s", "Cap of the exponential, jittered backoff."},
    ConfigKey{"retry_give_up", ConfigType::duration, "10m",
              "Stop retrying a mail after this long (it stays in new/ for the next run; exit 75 with --once)."},
    ConfigKey{"stats_interval", ConfigType::duration, "5m", "Daemon: log a stats line this often."},
    ConfigKey{"sqlite_busy_timeout", ConfigType::duration, "5s", "Wait this long on a locked SQLite store."},
    ConfigKey{"state_db", ConfigType::path, "",
              "SQLite file for the mail ledger and dead letters when the store is not SQLite "
              "(default: <maildir>/logpost-ingest-state.sqlite). SQLite stores keep them inside."},
    ConfigKey{"pipelines_dir", ConfigType::path, LOGPOST_DEFAULT_PIPELINES_DIR,
              "Directory of the built-in pipelines <kind>.conf."},
    ConfigKey{"pipeline.*", ConfigType::path, "",
              "Pipeline file for log kind <kind> (mysql-slow, nginx-access, apache-access, raw); "
              "default <pipelines_dir>/<kind>.conf when it exists; an empty value = no pipeline."},
    ConfigKey{"patterns_dir", ConfigType::path, LOGPOST_DEFAULT_PATTERNS_DIR, "The grok pattern library."},
    ConfigKey{"geoip_dir", ConfigType::path, "/usr/share/GeoIP", "Default directory of .mmdb databases."},
    ConfigKey{"metrics_listen", ConfigType::string, "",
              "Daemon: serve Prometheus metrics (GET /metrics, text format 0.0.4) on this loopback address:port "
              "(127.0.0.1:9187, [::1]:9187, localhost:9187); unauthenticated, so other addresses are refused. "
              "Empty = no endpoint; --once never opens it."},
};

std::filesystem::path resolve(const std::filesystem::path& base, const std::filesystem::path& p) {
  if (p.empty() || p.is_absolute()) return p;
  return base / p;
}
}  // namespace

std::span<const ConfigKey> ingest_config_keys() {
  // One table for the whole file: unknown-key checking must see every key.
  static const std::vector<ConfigKey> all = [] {
    std::vector<ConfigKey> keys(k_keys.begin(), k_keys.end());
    auto es = elasticsearch_config_keys();
    keys.insert(keys.end(), es.begin(), es.end());
    return keys;
  }();
  return all;
}

Result<IngestSettings> settings_from_config(const Config& config, const std::filesystem::path& base_dir) {
  IngestSettings s;
  s.config = std::make_shared<Config>(config);
  s.config_dir = base_dir;
  std::string errors;
  auto problem = [&](std::string_view key, const std::string& what) {
    errors += config.origin_of(key) + ": " + std::string(key) + ": " + what + "\n";
  };
  for (const auto& [tenant, raw_path] : config.get_family("tenant.*.signing_key_file")) {
    std::string key_name = "tenant." + tenant + ".signing_key_file";
    auto key = read_signing_key_file(resolve(base_dir, raw_path));
    if (!key) {
      problem(key_name, key.error().message);
      continue;
    }
    s.tenant_keys[tenant] = std::move(*key);
  }
  s.require_signature = config.get_bool("require_signature");
  s.accept_unknown_tenants = config.get_bool("accept_unknown_tenants");
  if (s.accept_unknown_tenants && s.require_signature)
    problem("accept_unknown_tenants", "needs require_signature = no (an unknown tenant has no key to verify)");
  s.quarantine_folder = config.get_string("quarantine_folder");
  if (s.quarantine_folder.empty() || s.quarantine_folder.front() != '.' ||
      s.quarantine_folder.find('/') != std::string::npos || s.quarantine_folder == "." ||
      s.quarantine_folder == "..")
    problem("quarantine_folder", "must be a Maildir++ folder name: a dot, then no slash (\".Quarantine\")");
  s.processed_retention = config.get_duration("processed_retention");
  s.max_mail_size = config.get_size("max_mail_size");
  s.max_part_bytes = config.get_size("max_part_bytes");
  s.max_entry_bytes = config.get_size("max_entry_bytes");
  if (s.max_entry_bytes < 1024) problem("max_entry_bytes", "must be at least 1k");
  int64_t batch = config.get_int("batch_events");
  if (batch < 1 || batch > 1000000) problem("batch_events", "must be between 1 and 1000000");
  s.batch_events = static_cast<size_t>(batch < 1 ? 1 : batch);
  s.batch_bytes = config.get_size("batch_bytes");
  s.batch_linger = config.get_duration("batch_linger");
  if (s.batch_linger.count() < 0 || s.batch_linger > std::chrono::hours(1))
    problem("batch_linger", "must be between 0s and 1h");
  s.rescan_interval = config.get_duration("rescan_interval");
  if (s.rescan_interval.count() <= 0) problem("rescan_interval", "must be positive");
  s.retry_initial = config.get_duration("retry_initial");
  s.retry_max = config.get_duration("retry_max");
  s.retry_give_up = config.get_duration("retry_give_up");
  if (s.retry_initial.count() <= 0 || s.retry_max < s.retry_initial)
    problem("retry_max", "need 0 < retry_initial <= retry_max");
  s.stats_interval = config.get_duration("stats_interval");
  s.sqlite_busy_timeout = config.get_duration("sqlite_busy_timeout");
  s.state_db = resolve(base_dir, config.get_path("state_db"));
  s.pipelines_dir = resolve(base_dir, config.get_path("pipelines_dir"));
  s.patterns_dir = resolve(base_dir, config.get_path("patterns_dir"));
  s.geoip_dir = resolve(base_dir, config.get_path("geoip_dir"));
  auto family = config.get_family("pipeline.*");
  for (LogKind kind : {LogKind::mysql_slow, LogKind::nginx_access, LogKind::apache_access, LogKind::raw}) {
    std::string name(log_kind_name(kind));
    auto it = family.find(name);
    if (it != family.end()) {
      if (!it->second.empty()) {
        s.pipelines[name] = resolve(base_dir, it->second);
        s.explicit_pipelines[name] = true;
      }
    } else {
      s.pipelines[name] = s.pipelines_dir / (name + ".conf");
    }
  }
  for (const auto& [name, value] : family)
    if (!parse_log_kind(name)) problem("pipeline." + name, "unknown log kind '" + name + "'");
  s.metrics_listen = config.get_string("metrics_listen");
  if (!s.metrics_listen.empty()) {
    auto address = parse_loopback_listen_address(s.metrics_listen);
    if (!address) problem("metrics_listen", address.error().message);
  }
  if (!errors.empty()) {
    errors.pop_back();
    return fail(ErrorCode::config, errors);
  }
  return s;
}

Result<IngestSettings> load_ingest_settings(const std::optional<std::filesystem::path>& config_file) {
  if (!config_file) return settings_from_config(Config(ingest_config_keys()), std::filesystem::current_path());
  auto config = Config::load_file(*config_file, ingest_config_keys());
  if (!config) return tl::unexpected(config.error());
  auto base = config_file->parent_path();
  if (base.empty()) base = std::filesystem::current_path();
  return settings_from_config(*config, base);
}

}  // namespace logpost::ingester
