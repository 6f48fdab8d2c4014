// sqlite_sink.hpp — the embedded store: events in one SQLite file.
//
// Table `events` holds one row per event id: the full document as JSON
// (`doc`, as common/json.hpp encodes it: deterministic) plus columns
// extracted for the reports, with partial indexes over slow-log rows
// (fingerprint IS NOT NULL) so that access-log rows cost no index upkeep:
//   id (PK), ts_us (@timestamp), dataset, tenant (logpost.tenant),
//   host (host.name), shipment_id, part, log_offset, fingerprint
//   (mysql.slowlog.query_fingerprint), digest (mysql.slowlog.query_digest),
//   duration_ns (event.duration), lock_time_sec, rows_sent, rows_examined,
//   user_name (user.name), schema_name (mysql.slowlog.schema), mail_name.
// Fields are read as nested objects ([mysql][slowlog][rows_sent]) or, failing
// that, as a dotted top-level name ("mysql.slowlog.rows_sent"); numbers given
// as strings are converted.
//
// write(): one transaction per batch, `INSERT ... ON CONFLICT(id) DO
// NOTHING` (an id already present is `delivered`: exactly once across
// duplicate mails, re-sent parts and re-runs after a crash); each row's
// mail_name is its own event's mail (a batch may hold several mails), and
// every mail of the batch is counted in the `mails` table (events of this
// batch, batches += 1) in the same transaction. WAL,
// synchronous=FULL: when write() returns, the batch is durable.
// Failure mapping: locked/busy, disk full, I/O error -> Error temporary
// (whole batch retried); read-only database -> Error permanent (the core
// stops); an event SQLite refuses (too big) -> that item rejected.
//
// Thread-safety: one thread.
#pragma once

#include <filesystem>
#include <memory>

#include "common/sqlite_db.hpp"
#include "ingester/sink.hpp"

namespace logpost::ingester {

class SqliteSink final : public Sink {
 public:
  // Opens or creates the store (events + ledger tables).
  static Result<std::unique_ptr<SqliteSink>> open(const std::filesystem::path& path, int busy_timeout_ms = 5000);

  Result<std::vector<ItemOutcome>> write(std::span<const Event> events, const BatchSources& sources) override;
  [[nodiscard]] std::string name() const override { return "sqlite"; }

  // The schema of the events table (also used by tests and logpost-query).
  static Result<void> ensure_schema(SqliteDb& db);

 private:
  SqliteSink(SqliteDb db, SqliteStatement insert, SqliteStatement mail);
  SqliteDb m_db;
  SqliteStatement m_insert;
  SqliteStatement m_mail;
  std::string m_doc;  // reused encoding buffer
};

}  // namespace logpost::ingester
