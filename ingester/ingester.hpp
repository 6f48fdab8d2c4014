// ingester.hpp — logpost-ingest's core: Maildir mails in, events stored,
// exactly once.
//
// NAME
//   Ingester — turns every mail in <maildir>/new into stored events.
// DESCRIPTION
//   For each mail in new/ (oldest name first):
//   1. If the ledger says the mail was fully ingested (a crash hit between
//      the last commit and the move), it is only moved to cur/.
//   2. It is read (O_NOFOLLOW, size-capped) and verified whole
//      (shipment_part.hpp). A mail that fails is quarantined with its
//      reason and counted; it is never partly stored.
//   3. Its entries become events (provenance fields, deterministic id),
//      run through the pipeline of their kind (EventTransform), and join the
//      current batch. A batch holds the events of one or more mails (those
//      of one mail contiguous, each event's mail known to the sink through
//      BatchSources) and is written when it is full (batch_events /
//      batch_bytes), when its oldest event has waited batch_linger, when a
//      scan of new/ ends and batch_linger is 0, at the end of run_once(),
//      and when a stop is requested (write_pending()). Per item, `retry` is
//      rewritten after a capped, jittered backoff, `rejected` goes to the
//      dead-letter table with the store's reason and its own mail.
//   4. When every event of a mail is delivered or dead-lettered, i.e. once
//      the batch holding its last events is written, the ledger records the
//      mail (and its part, for gaps) and the mail is renamed to cur/. Until
//      then it stays in new/ (scans skip the mails waiting in the batch).
//   Exactly once: the store ignores ids it already holds, so re-running a
//   mail after any crash, a duplicate SMTP delivery, or a part re-sent by
//   the shipper stores nothing twice; a mail leaves new/ only after all of
//   its events are durable, so nothing is lost. If writing a batch fails,
//   every mail with events in it stays in new/ (the batch is dropped from
//   memory) and is read again by a later scan; a crash loses only memory.
//   Stop requests are honoured between batches and between mails: the
//   mail being read stays in new/ (its events written so far are stored
//   and are skipped, idempotently, when it is resumed), the pending batch
//   is written by write_pending() and its mails move to cur/.
//   Memory: one batch (bounded by batch_events / batch_bytes) plus one
//   small record per mail waiting in it.
// ERRORS
//   run_once(), scan() and write_pending() return an Error when the store
//   failed for good (ErrorCode::config/permanent: read-only database, bad
//   credentials) or stayed unavailable past retry_give_up
//   (ErrorCode::temporary); mails not yet ingested stay in new/. Any error
//   drops the pending batch (its mails stay in new/ for the next scan).
// COST
//   Per mail: two gunzip passes (verify, read) and, per batch, one store
//   write; batch_linger trades that much latency for fewer, fuller writes.
// SECURITY
//   Trusts only signed mails of configured tenants (unless configured
//   otherwise); everything in a mail is data. Reads new/ only; writes cur/,
//   the quarantine folder and the store. Opens no network socket of its own
//   (an Elasticsearch sink connects out).
// Thread-safety: one thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/event.hpp"
#include "common/log_splitter.hpp"
#include "common/result.hpp"
#include "ingester/ingest_ledger.hpp"
#include "ingester/ingest_settings.hpp"
#include "ingester/ingest_stats.hpp"
#include "ingester/maildir.hpp"
#include "ingester/retry_policy.hpp"
#include "ingester/shipment_part.hpp"
#include "ingester/sink.hpp"
#include "ingester/stop_source.hpp"

namespace logpost::ingester {

// The pipeline hook: turns one event into zero or more (appended to `out`).
// The default passes events through unchanged.
using EventTransform = std::function<void(LogKind kind, Event&& event, std::vector<Event>& out)>;

// `batched`: read whole, its last events wait in the pending batch.
enum class MailOutcome { ingested, batched, quarantined, already_done, vanished };

class Ingester {
 public:
  Ingester(const IngestSettings& settings, Maildir& maildir, Sink& sink, IngestLedger& ledger, StopSource& stop,
           EventTransform transform = {});

  // --once and tests: processes every mail now in new/, writes the pending
  // batch whatever its age (also after a stop request), then expires old
  // mails in cur/.
  Result<void> run_once();
  // The daemon's step: processes every mail now in new/ (but those waiting
  // in the pending batch); writes a partial batch only when its linger is
  // over or batch_linger is 0; expires old mails in cur/. Between scans,
  // wait at most linger_left().
  Result<void> scan();
  // Writes the pending batch now and completes its mails (stop, --once).
  Result<void> write_pending();
  // Time until the pending batch is due (zero when overdue); nullopt when
  // no batch is pending.
  [[nodiscard]] std::optional<std::chrono::milliseconds> linger_left() const;
  // Processes one mail of new/ and writes whatever is pending (no linger).
  Result<MailOutcome> process_mail(const std::string& name);

  [[nodiscard]] const IngestStats& stats() const { return m_stats; }
  [[nodiscard]] bool stopped() { return m_stop.stop_requested(); }

 private:
  // A mail read to its end whose last events wait in the pending batch.
  struct WaitingMail {
    std::string name;
    ShipmentHeaders headers;
    uint64_t events = 0;  // handed to the sink, after the pipeline
    PartEventCounts counts;
  };

  Result<void> scan_new(bool honour_linger);
  void finish_scan();  // backlog age, expiry of cur/
  Result<MailOutcome> ingest_mail(const std::string& name);
  [[nodiscard]] bool linger_due() const;
  // Writes m_batch (with its retries), then completes every waiting mail.
  // On failure the batch and the waiting list are dropped.
  Result<void> write_batch();
  Result<void> write_with_retries(std::vector<Event>& batch, BatchSources& sources);
  Result<void> complete_mail(const std::string& name, const ShipmentHeaders& h, uint64_t events,
                             const PartEventCounts& counts);
  void drop_pending();
  Result<void> quarantine(const std::string& name, const Error& why);

  const IngestSettings& m_settings;
  Maildir& m_maildir;
  Sink& m_sink;
  IngestLedger& m_ledger;
  StopSource& m_stop;
  EventTransform m_transform;
  RetryPolicy m_retry;
  IngestStats m_stats;
  VerifyPolicy m_verify;
  // The pending batch: events of the mails in m_waiting and, while a mail
  // is read, of that mail (its slice is added when the batch is written or
  // the mail ends).
  std::vector<Event> m_batch;
  BatchSources m_sources;
  uint64_t m_batch_bytes = 0;
  std::chrono::steady_clock::time_point m_batch_since;  // its oldest event's arrival
  std::vector<WaitingMail> m_waiting;
  std::unordered_set<std::string> m_waiting_names;
};

}  // namespace logpost::ingester
