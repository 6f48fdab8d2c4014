// metrics_exposition.cpp — Prometheus text format 0.0.4.
#include "ingester/metrics_exposition.hpp"

#include <charconv>
#include <cmath>

namespace logpost::ingester {

namespace {

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buffer[64];
  std::to_chars_result r{};
  // Counters and second-resolution times are integers: print them as such
  // ("1763700000", not "1.7637e+09"), exactly while a double holds them.
  if (v == std::trunc(v) && std::fabs(v) <= 9007199254740992.0)
    r = std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(v));
  else
    r = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, r.ptr);
}

void append_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

}  // namespace

std::string format_exposition(std::span<const MetricSample> samples) {
  std::string out;
  out.reserve(samples.size() * 160);
  for (const MetricSample& s : samples) {
    out += "# HELP ";
    out += s.name;
    out += ' ';
    append_help(out, s.help);
    out += "\n# TYPE ";
    out += s.name;
    out += s.type == MetricType::counter ? " counter\n" : " gauge\n";
    out += s.name;
    out += ' ';
    append_value(out, s.value);
    out += '\n';
  }
  return out;
}

std::vector<MetricSample> ingest_metric_samples(const IngestStats& stats, const MaildirBacklog& backlog,
                                                int64_t start_time_s) {
  auto counter = [](std::string_view name, std::string_view help, const StatCounter& c) {
    return MetricSample{name, help, MetricType::counter, static_cast<double>(c.load())};
  };
  return {
      counter("logpost_ingest_mails_seen_total",
              "Mails taken from new/ for processing (a deferred mail counts again on every attempt).",
              stats.mails_seen),
      counter("logpost_ingest_mails_ingested_total", "Mails whose events are all stored or dead-lettered.",
              stats.mails_ingested),
      counter("logpost_ingest_mails_quarantined_total", "Mails that failed verification (moved to the quarantine folder).",
              stats.mails_quarantined),
      counter("logpost_ingest_mails_deferred_total",
              "Mail attempts given up because the store failed (the mail stays in new/).", stats.mails_deferred),
      counter("logpost_ingest_mails_skipped_done_total",
              "Mails found in new/ that the ledger already recorded as ingested (only moved to cur/).",
              stats.mails_skipped_done),
      counter("logpost_ingest_events_in_total", "Entries read from verified parts.", stats.events_in),
      counter("logpost_ingest_events_stored_total",
              "Events the store accepted (an id it already held counts as stored).", stats.events_stored),
      counter("logpost_ingest_events_dead_lettered_total", "Events the store refused, kept in dead_letters.",
              stats.events_dead_lettered),
      counter("logpost_ingest_events_dropped_total", "Events a pipeline dropped.", stats.events_dropped),
      counter("logpost_ingest_banners_skipped_total", "Server start-up banners skipped in slow logs.",
              stats.banners_skipped),
      counter("logpost_ingest_retries_total", "Batch or item rewrites after the store asked to retry.",
              stats.retries),
      counter("logpost_ingest_batches_total", "Write requests sent to the store, retries included.", stats.batches),
      MetricSample{"logpost_ingest_mails_waiting", "Mails in new/ when scraped.", MetricType::gauge,
                   static_cast<double>(backlog.mails)},
      MetricSample{"logpost_ingest_oldest_mail_age_seconds",
                   "Age (by mtime) of the oldest mail in new/ when scraped; 0 when new/ is empty.",
                   MetricType::gauge, static_cast<double>(backlog.oldest_age_s)},
      MetricSample{"logpost_ingest_start_time_seconds", "Unix time logpost-ingest started.", MetricType::gauge,
                   static_cast<double>(start_time_s)},
  };
}

}  // namespace logpost::ingester
