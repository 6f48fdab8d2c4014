// ingest_stats.cpp — logfmt rendering of the counters.
#include "ingester/ingest_stats.hpp"

namespace logpost::ingester {

std::string IngestStats::format() const {
  std::string out;
  auto add = [&](const char* key, const auto& stat) {
    if (!out.empty()) out += ' ';
    out += key;
    out += '=';
    out += std::to_string(stat.load());
  };
  add("mails_seen", mails_seen);
  add("mails_ingested", mails_ingested);
  add("mails_quarantined", mails_quarantined);
  add("mails_deferred", mails_deferred);
  add("mails_skipped_done", mails_skipped_done);
  add("events_in", events_in);
  add("events_stored", events_stored);
  add("events_dead_lettered", events_dead_lettered);
  add("events_dropped", events_dropped);
  add("banners_skipped", banners_skipped);
  add("retries", retries);
  add("batches", batches);
  add("oldest_mail_age_s", oldest_mail_age_s);
  return out;
}

}  // namespace logpost::ingester
