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
//      run through the pipeline of their kind (EventTransform), and go to
//      the sink in batches of at most batch_events / batch_bytes. Per item,
//      `retry` is rewritten after a capped, jittered backoff, `rejected`
//      goes to the dead-letter table with the store's reason.
//   4. When every event is delivered or dead-lettered, the ledger records
//      the mail (and its part, for gaps) and the mail is renamed to cur/.
//   Exactly once: the store ignores ids it already holds, so re-running a
//   mail after any crash, a duplicate SMTP delivery, or a part re-sent by
//   the shipper stores nothing twice; a mail leaves new/ only after its
//   events are durable, so nothing is lost.
//   Stop requests are honoured between batches: the current batch finishes,
//   the mail stays in new/ and the next run resumes it (idempotently).
// ERRORS
//   run_once() returns an Error when the store failed for good
//   (ErrorCode::config/permanent: read-only database, bad credentials) or
//   stayed unavailable past retry_give_up (ErrorCode::temporary); mails not
//   yet ingested stay in new/.
// SECURITY
//   Trusts only signed mails of configured tenants (unless configured
//   otherwise); everything in a mail is data. Reads new/ only; writes cur/,
//   the quarantine folder and the store. Opens no network socket of its own
//   (an Elasticsearch sink connects out).
// Thread-safety: one thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
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

enum class MailOutcome { ingested, quarantined, already_done, vanished };

class Ingester {
 public:
  Ingester(const IngestSettings& settings, Maildir& maildir, Sink& sink, IngestLedger& ledger, StopSource& stop,
           EventTransform transform = {});

  // Processes every mail now in new/, then expires old mails in cur/.
  Result<void> run_once();
  // Processes one mail of new/.
  Result<MailOutcome> process_mail(const std::string& name);

  [[nodiscard]] const IngestStats& stats() const { return m_stats; }
  [[nodiscard]] bool stopped() { return m_stop.stop_requested(); }

 private:
  Result<void> flush(std::vector<Event>& batch, const BatchSource& source);
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
};

}  // namespace logpost::ingester
