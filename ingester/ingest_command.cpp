// ingest_command.cpp — argument parsing, daemon loop.
#include "ingester/ingest_command.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "ingester/elasticsearch_sink.hpp"
#include "ingester/es_setup.hpp"
#include "ingester/ingester.hpp"
#include "ingester/log_line.hpp"
#include "ingester/maildir_watcher.hpp"
#include "ingester/metrics_exposition.hpp"
#include "ingester/metrics_server.hpp"
#include "ingester/pipeline_set.hpp"
#include "ingester/sink_factory.hpp"

namespace logpost::ingester {

namespace {

constexpr std::string_view k_usage =
    "usage: logpost-ingest [--config FILE] --maildir DIR --store sqlite:PATH [--once] [--stats] [--verbose]\n"
    "       logpost-ingest setup-elasticsearch --store URL\n"
    "       logpost-ingest --config-keys\n";

int usage(std::string_view why) {
  std::cerr << "logpost-ingest: " << why << "\n" << k_usage;
  return exit_code::usage;
}

int report(const Error& e, std::string_view what) {
  log_event(LogLevel::error, what, {{"code", error_code_name(e.code)}, {"reason", e.message}});
  return exit_code_for(e.code);
}

// The endpoint reads the ingester's counters (atomic fields) and measures
// new/ itself at each scrape, through its own copy of the Maildir (a Maildir
// object belongs to one thread).
Result<std::unique_ptr<MetricsServer>> start_metrics(const std::string& listen, const Ingester& ingester,
                                                     const Maildir& maildir) {
  auto address = parse_loopback_listen_address(listen);
  if (!address) return tl::unexpected(address.error().with_context("metrics_listen"));
  const int64_t start_time_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return MetricsServer::start(*address, [&ingester, probe = maildir, start_time_s] {
    MaildirBacklog backlog;
    if (auto names = probe.list_new()) backlog.mails = names->size();
    if (auto age = probe.oldest_new_age()) backlog.oldest_age_s = age->count();
    return format_exposition(ingest_metric_samples(ingester.stats(), backlog, start_time_s));
  });
}

}  // namespace

int ingest_main(std::span<const std::string_view> args) {
  std::optional<std::filesystem::path> config_file;
  std::optional<std::string> maildir_path;
  std::optional<std::string> store;
  bool once = false;
  bool print_stats = false;
  bool setup_es = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&](std::string_view name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)name;
      return std::string(args[++i]);
    };
    if (a == "--config") {
      auto v = value(a);
      if (!v) return usage("--config needs a file");
      config_file = *v;
    } else if (a == "--maildir") {
      maildir_path = value(a);
      if (!maildir_path) return usage("--maildir needs a directory");
    } else if (a == "--store") {
      store = value(a);
      if (!store) return usage("--store needs a value");
    } else if (a == "--once") {
      once = true;
    } else if (a == "--stats") {
      print_stats = true;
    } else if (a == "--verbose" || a == "-v") {
      set_log_level(LogLevel::debug);
    } else if (a == "--quiet" || a == "-q") {
      set_log_level(LogLevel::warn);
    } else if (a == "--config-keys") {
      std::cout << Config::describe(ingest_config_keys());
      return exit_code::ok;
    } else if (a == "--help" || a == "-h") {
      std::cout << k_usage;
      return exit_code::ok;
    } else if (a == "setup-elasticsearch" && i == 0) {
      setup_es = true;
    } else {
      return usage("unknown argument '" + std::string(a) + "'");
    }
  }
  if (!store) return usage("--store is required");
  auto spec = parse_store(*store);
  if (!spec) return report(spec.error(), "bad_store");
  if (setup_es) {
    if (spec->kind != StoreSpec::Kind::elasticsearch) return usage("setup-elasticsearch needs --store http(s)://...");
    auto settings = load_ingest_settings(config_file);
    if (!settings) {
      std::cerr << "logpost-ingest: configuration errors:\n" << settings.error().message << "\n";
      return exit_code::config;
    }
    auto options = elasticsearch_options_from_config(*settings->config, spec->location, settings->config_dir);
    if (!options) return report(options.error(), "setup_failed");
    auto changes = setup_elasticsearch(*options, std::cout);
    if (!changes) return report(changes.error(), "setup_failed");
    return exit_code::ok;
  }
  if (!maildir_path) return usage("--maildir is required");

  auto settings = load_ingest_settings(config_file);
  if (!settings) {
    std::cerr << "logpost-ingest: configuration errors:\n" << settings.error().message << "\n";
    return exit_code::config;
  }
  auto pipelines = PipelineSet::load(*settings);
  if (!pipelines) {
    std::cerr << "logpost-ingest: pipeline errors:\n" << pipelines.error().message << "\n";
    return exit_code::config;
  }
  // Signals are blocked before anything else could start a thread.
  auto stop = SignalStopSource::create();
  if (!stop) return report(stop.error(), "startup_failed");
  auto maildir = Maildir::open(*maildir_path, settings->quarantine_folder);
  if (!maildir) return report(maildir.error(), "startup_failed");
  auto opened = open_store(*spec, *settings, *maildir_path);
  if (!opened) return report(opened.error(), "store_open_failed");
  auto ledger = IngestLedger::open(opened->ledger_path, static_cast<int>(settings->sqlite_busy_timeout.count()));
  if (!ledger) return report(ledger.error(), "store_open_failed");

  Ingester ingester(*settings, *maildir, *opened->sink, *ledger, *stop, pipelines->transform());
  auto finish = [&](int code) {
    if (print_stats) std::cout << ingester.stats().format() << std::endl;
    log_event(LogLevel::info, "stopped", {{"exit", code}});
    return code;
  };
  log_event(LogLevel::info, "started",
            {{"maildir", *maildir_path}, {"store", *store}, {"mode", once ? "once" : "daemon"},
             {"pipelines", pipelines->describe()}});

  if (once) {
    auto r = ingester.run_once();
    if (!r && !ingester.stopped()) return finish(exit_code_for(r.error().code));
    return finish(exit_code::ok);
  }

  auto watcher = MaildirWatcher::open(maildir->new_dir());
  if (!watcher) return finish(report(watcher.error(), "startup_failed"));
  // Daemon only: a --once run is over before anyone could scrape it.
  std::unique_ptr<MetricsServer> metrics;
  if (!settings->metrics_listen.empty()) {
    auto server = start_metrics(settings->metrics_listen, ingester, *maildir);
    if (!server) return finish(report(server.error(), "startup_failed"));
    metrics = std::move(*server);
    log_event(LogLevel::info, "metrics_listening", {{"address", metrics->address().text()}, {"path", "/metrics"}});
  }
  RetryPolicy backoff(settings->retry_initial, settings->retry_max, settings->retry_give_up);
  unsigned failures = 0;
  auto last_stats = std::chrono::steady_clock::now();
  for (;;) {
    auto r = ingester.scan();
    if (ingester.stopped()) break;
    std::chrono::milliseconds wait = settings->rescan_interval;
    // A partly filled batch waits for more mail only as long as its linger.
    if (auto left = ingester.linger_left()) wait = std::min(wait, *left);
    if (!r) {
      if (r.error().code == ErrorCode::config || r.error().code == ErrorCode::permanent ||
          r.error().code == ErrorCode::internal)
        return finish(report(r.error(), "store_failed"));
      // Store unavailable: keep the daemon up, try again after a backoff.
      wait = std::min(wait, backoff.delay(failures++));
    } else {
      failures = 0;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_stats >= settings->stats_interval) {
      log_event(LogLevel::info, "stats", {{"counters", ingester.stats().format()}});
      last_stats = now;
    }
    auto wake = watcher->wait(*stop, wait);
    if (wake == MaildirWatcher::Wake::stop) break;
    if (wake == MaildirWatcher::Wake::overflow) log_event(LogLevel::warn, "inotify_overflow", {});
  }
  // Stopping: write what is pending (one attempt; if the store fails, its
  // mails stay in new/ for the next start).
  if (auto w = ingester.write_pending(); !w)
    log_event(LogLevel::warn, "pending_batch_not_written", {{"reason", w.error().message}});
  return finish(exit_code::ok);
}

}  // namespace logpost::ingester
