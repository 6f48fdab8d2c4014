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
// Cost: rows go in k_rows_per_insert per statement (one row at a time for
// the remainder, and for a group in which SQLite refused a row); the
// document is encoded once per event into a reused buffer.
// Failure mapping: locked/busy, disk full, I/O error -> Error temporary
// (whole batch retried); read-only database -> Error permanent (the core
// stops); an event SQLite refuses (too big) -> that item rejected.
//
// Thread-safety: one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
  // Rows per multi-row INSERT (18 parameters each: 576 stays under the
  // 999-parameter limit of old SQLite builds).
  static constexpr size_t k_rows_per_insert = 32;

  SqliteSink(SqliteDb db, SqliteStatement insert, SqliteStatement insert_many, SqliteStatement mail);
  // Inserts one event; a row SQLite refuses (data error) sets `outcome` to
  // rejected and returns success, any other failure is returned.
  Result<void> insert_one(const Event& ev, std::string_view mail_name, ItemOutcome& outcome);
  SqliteDb m_db;
  SqliteStatement m_insert;       // one row
  SqliteStatement m_insert_many;  // k_rows_per_insert rows
  SqliteStatement m_mail;
  std::vector<std::string> m_docs;  // reused encoding buffers, one per row of m_insert_many
  std::string m_scratch;            // numbers bound as text (copied by SQLite)
};

}  // namespace logpost::ingester
