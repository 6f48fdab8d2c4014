// ingest_ledger.hpp — what the ingester remembers between runs, in SQLite:
// which mails are fully ingested (so a mail found in new/ again after a
// crash between "stored" and "moved to cur/" is only moved), which shipment
// parts have arrived (for `logpost-query gaps`), and the dead letters
// (events a store rejected for good, with its reason).
//
// For a SQLite store these tables live in the store's own database file
// (one file to back up); for other stores in the `state_db` file.
//
// Tables (created when absent; docs/ingester.md has the full schema):
//   mails(name PK, shipment_id, part, events, batches, done_us)
//   parts(shipment_id, part PK pair, part_count, tenant, host, kind, source,
//         offset, length, entries, flags, first_mail, received_us)
//   dead_letters(event_id PK, mail_name, shipment_id, part, reason, doc, at_us)
//
// Errors: SQLite errors mapped by common/sqlite_db.hpp (a locked database is
// ErrorCode::temporary, a read-only one ::permanent).
// Cost: one short transaction per call; every commit is durable
// (WAL, synchronous=FULL).
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "common/envelope.hpp"
#include "common/event.hpp"
#include "common/result.hpp"
#include "common/sqlite_db.hpp"
#include "ingester/sink.hpp"

namespace logpost::ingester {

struct DeadLetter {
  const Event* event = nullptr;
  std::string reason;
  const BatchSource* source = nullptr;  // the event's own mail; nullptr = none known
};

class IngestLedger {
 public:
  static Result<IngestLedger> open(const std::filesystem::path& db_path, int busy_timeout_ms = 5000);

  // Creates the ledger tables and sets WAL + synchronous=FULL on `db`.
  static Result<void> ensure_schema(SqliteDb& db);

  // Whether `mail_name` was fully ingested before.
  Result<bool> mail_done(const std::string& mail_name);
  // Records that every event of the mail is stored or dead-lettered, and
  // the part's arrival. One transaction.
  Result<void> record_mail_done(const std::string& mail_name, const ShipmentHeaders& headers, uint64_t events);
  // Stores rejected events with their reasons and each event's own mail,
  // shipment and part (idempotent on the event id). One transaction.
  Result<void> add_dead_letters(std::span<const DeadLetter> letters);
  // Number of dead letters stored (stats, tests).
  Result<int64_t> dead_letter_count();

  SqliteDb& db() { return m_db; }

 private:
  explicit IngestLedger(SqliteDb db) : m_db(std::move(db)) {}
  SqliteDb m_db;
};

int64_t now_us();

}  // namespace logpost::ingester
