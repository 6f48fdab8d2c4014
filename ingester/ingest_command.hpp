// ingest_command.hpp — logpost-ingest's command line and run loop, as a
// library function so tests drive exactly what the binary does.
//
//   logpost-ingest [--config FILE] --maildir DIR --store sqlite:PATH [--once] [--stats] [--verbose]
//   logpost-ingest setup-elasticsearch --store URL
//   logpost-ingest --config-keys      (prints the configuration reference)
//
// Without --once it is a daemon: rescan at start-up, then wait on inotify /
// the rescan timer / SIGTERM; on SIGTERM (or SIGINT) it finishes the
// current batch and exits 0. --once ingests what is in new/ and exits.
// --stats prints the counters (ingest_stats.hpp) as one key=value line on
// stdout at exit; the daemon also logs them every stats_interval and, with
// metrics_listen set, serves them on a loopback port (metrics_server.hpp;
// never with --once).
//
// Exit codes (sysexits): 0 done; 64 usage; 66 not a Maildir; 75 the store
// stayed unavailable (mails remain in new/) or the metrics port is in use;
// 69 the store refuses for good (read-only database); 78 configuration.
// SECURITY: see ingester.hpp; the metrics endpoint's in metrics_server.hpp.
#pragma once

#include <span>
#include <string_view>

namespace logpost::ingester {

// Returns the process exit status.
int ingest_main(std::span<const std::string_view> args);

}  // namespace logpost::ingester
