// metrics_exposition.hpp — logpost-ingest's counters in the Prometheus text
// exposition format, version 0.0.4.
//
// For every sample, in the order given:
//   # HELP <name> <help, with '\' and newline escaped>
//   # TYPE <name> counter|gauge
//   <name> <value>
// Lines end with '\n' (the format requires it, the last line included).
// Values print as integers when they are integral (exact up to 2^53), else
// in shortest round-trip form; NaN and infinities as NaN, +Inf, -Inf.
// Counters are named logpost_ingest_<IngestStats field>_total
// (logpost_ingest_events_stored_total, ...); the gauges are
// logpost_ingest_mails_waiting, logpost_ingest_oldest_mail_age_seconds (both
// measured on new/ when scraped, so they move even while a store outage keeps
// every scan failing) and logpost_ingest_start_time_seconds.
//
// Cost: one string, a few hundred bytes. Thread-safety: pure functions;
// ingest_metric_samples() reads `stats` field by field (ingest_stats.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingester/ingest_stats.hpp"

namespace logpost::ingester {

// The Content-Type of format_exposition()'s output.
inline constexpr std::string_view k_exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { counter, gauge };

struct MetricSample {
  std::string_view name;  // a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string_view help;
  MetricType type = MetricType::gauge;
  double value = 0;
};

std::string format_exposition(std::span<const MetricSample> samples);

// What the metrics endpoint measures on new/ at scrape time.
struct MaildirBacklog {
  uint64_t mails = 0;        // files waiting in new/
  int64_t oldest_age_s = 0;  // age of the oldest one by mtime, 0 when none
};

// The samples of logpost-ingest: every counter of `stats` (not its
// oldest_mail_age_s, which is only as fresh as the last complete scan: the
// gauge comes from `backlog`), the backlog gauges and the start time (Unix
// seconds).
std::vector<MetricSample> ingest_metric_samples(const IngestStats& stats, const MaildirBacklog& backlog,
                                                int64_t start_time_s);

}  // namespace logpost::ingester
