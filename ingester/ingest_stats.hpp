// ingest_stats.hpp — counters per stage of logpost-ingest.
//
// mails_seen (mails taken from new/ for processing; a deferred mail counts
// again on every attempt), mails_ingested, mails_quarantined,
// mails_deferred (left in new/ for later: store unavailable), mails_skipped_done
// (found in new/ but already in the ledger: only moved), events_in (entries
// read from parts), events_stored (delivered by the sink), events_dead_lettered,
// events_dropped (by a pipeline), banners_skipped, retries (batch or item
// rewrites), batches, oldest_mail_age_s (age of the oldest mail left in new/
// at the end of the last complete scan).
// format() prints them as "key=value" pairs on one line (logfmt), the
// same form logpost-ingest --stats writes; the Prometheus rendering is in
// metrics_exposition.hpp.
//
// Thread-safety: one writer (the ingester thread), any number of readers.
// Each field is a relaxed atomic, so a reader on another thread (the
// metrics endpoint) never sees a torn value, and the writer pays what a
// plain increment costs (a load and a store, no locked instruction). Fields
// are read one by one: a concurrent reader may see events_stored already
// counted and mails_ingested not yet, never a value going backwards.
// Copying an IngestStats takes such a field-by-field snapshot.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace logpost::ingester {

// One statistic: written by one thread only, readable from any.
template <class T>
class StatValue {
 public:
  StatValue() = default;
  // Implicit on purpose: a statistic reads like the plain integer it replaced.
  StatValue(T v) : m_value(v) {}
  StatValue(const StatValue& other) : m_value(other.load()) {}
  StatValue& operator=(const StatValue& other) {
    store(other.load());
    return *this;
  }
  StatValue& operator=(T v) {
    store(v);
    return *this;
  }
  ~StatValue() = default;

  // Writer side (the owning thread only: load + store is not an atomic add).
  StatValue& operator++() {
    store(load() + 1);
    return *this;
  }
  StatValue& operator+=(T n) {
    store(load() + n);
    return *this;
  }

  [[nodiscard]] T load() const { return m_value.load(std::memory_order_relaxed); }
  operator T() const { return load(); }

 private:
  void store(T v) { m_value.store(v, std::memory_order_relaxed); }
  std::atomic<T> m_value{0};
};

using StatCounter = StatValue<uint64_t>;
using StatGauge = StatValue<int64_t>;

struct IngestStats {
  StatCounter mails_seen;
  StatCounter mails_ingested;
  StatCounter mails_quarantined;
  StatCounter mails_deferred;
  StatCounter mails_skipped_done;
  StatCounter events_in;
  StatCounter events_stored;
  StatCounter events_dead_lettered;
  StatCounter events_dropped;
  StatCounter banners_skipped;
  StatCounter retries;
  StatCounter batches;
  StatGauge oldest_mail_age_s;

  [[nodiscard]] std::string format() const;
};

}  // namespace logpost::ingester
