// ingest_stats.hpp — counters per stage of logpost-ingest.
//
// mails_seen (files found in new/), mails_ingested, mails_quarantined,
// mails_deferred (left in new/ for later: store unavailable), mails_skipped_done
// (found in new/ but already in the ledger: only moved), events_in (entries
// read from parts), events_stored (delivered by the sink), events_dead_lettered,
// events_dropped (by a pipeline), banners_skipped, retries (batch or item
// rewrites), batches, oldest_mail_age_s (age of the oldest mail left in new/
// at the last scan).
// format() prints them as "key=value" pairs on one line (logfmt), the
// same form logpost-ingest --stats writes.
// Thread-safety: plain counters owned by the ingester thread.
#pragma once

#include <cstdint>
#include <string>

namespace logpost::ingester {

struct IngestStats {
  uint64_t mails_seen = 0;
  uint64_t mails_ingested = 0;
  uint64_t mails_quarantined = 0;
  uint64_t mails_deferred = 0;
  uint64_t mails_skipped_done = 0;
  uint64_t events_in = 0;
  uint64_t events_stored = 0;
  uint64_t events_dead_lettered = 0;
  uint64_t events_dropped = 0;
  uint64_t banners_skipped = 0;
  uint64_t retries = 0;
  uint64_t batches = 0;
  int64_t oldest_mail_age_s = 0;

  [[nodiscard]] std::string format() const;
};

}  // namespace logpost::ingester
