// ingest_ledger.cpp — the mails / parts / dead_letters tables.
#include "ingester/ingest_ledger.hpp"

#include <chrono>

#include "common/json.hpp"

namespace logpost::ingester {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<void> IngestLedger::ensure_schema(SqliteDb& db) {
  // WAL lets logpost-query read while we write; FULL makes every commit
  // survive a power loss, which is what allows moving the mail out of new/.
  // The page size only takes effect in a new, empty database (it is set
  // before WAL mode, which fixes it): 8 KiB pages hold ~11 access-log event
  // rows instead of ~5, so less of each page is left unused and the WAL and
  // checkpoint make half the write calls for the same rows. (16 KiB pages
  // save a little more CPU on large batches but make every small
  // transaction, e.g. a lingering daemon's, write twice the WAL bytes.)
  auto r = db.exec("PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  if (!r) return r;
  return db.exec(R"sql(
CREATE TABLE IF NOT EXISTS mails(
  name TEXT PRIMARY KEY,
  shipment_id TEXT NOT NULL,
  part INTEGER NOT NULL,
  events INTEGER NOT NULL DEFAULT 0,
  batches INTEGER NOT NULL DEFAULT 0,
  done_us INTEGER
);
CREATE TABLE IF NOT EXISTS parts(
  shipment_id TEXT NOT NULL,
  part INTEGER NOT NULL,
  part_count INTEGER NOT NULL,
  tenant TEXT NOT NULL,
  host TEXT NOT NULL,
  kind TEXT NOT NULL,
  source TEXT NOT NULL,
  source_offset INTEGER NOT NULL,
  length INTEGER NOT NULL,
  entries INTEGER NOT NULL,
  flags TEXT NOT NULL,
  first_mail TEXT NOT NULL,
  received_us INTEGER NOT NULL,
  PRIMARY KEY(shipment_id, part)
);
CREATE TABLE IF NOT EXISTS dead_letters(
  event_id TEXT PRIMARY KEY,
  mail_name TEXT NOT NULL,
  shipment_id TEXT NOT NULL,
  part INTEGER NOT NULL,
  reason TEXT NOT NULL,
  doc TEXT NOT NULL,
  at_us INTEGER NOT NULL
);
)sql");
}

Result<IngestLedger> IngestLedger::open(const std::filesystem::path& db_path, int busy_timeout_ms) {
  auto db = SqliteDb::open(db_path, SqliteDb::Mode::read_write_create, busy_timeout_ms);
  if (!db) return tl::unexpected(db.error());
  auto r = ensure_schema(*db);
  if (!r) return tl::unexpected(r.error());
  return IngestLedger(std::move(*db));
}

Result<bool> IngestLedger::mail_done(const std::string& mail_name) {
  auto st = m_db.prepare("SELECT done_us FROM mails WHERE name = ?1");
  if (!st) return tl::unexpected(st.error());
  st->bind_text(1, mail_name);
  auto row = st->step();
  if (!row) return tl::unexpected(row.error());
  return *row && !st->column_is_null(0);
}

Result<void> IngestLedger::record_mail_done(const std::string& mail_name, const ShipmentHeaders& h, uint64_t events) {
  auto tx = SqliteTransaction::begin(m_db);
  if (!tx) return tl::unexpected(tx.error());
  int64_t now = now_us();
  {
    auto st = m_db.prepare(
        "INSERT INTO mails(name, shipment_id, part, events, done_us) VALUES(?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT(name) DO UPDATE SET events = ?4, done_us = ?5");
    if (!st) return tl::unexpected(st.error());
    st->bind_text(1, mail_name);
    st->bind_text(2, h.shipment_id);
    st->bind_int(3, h.part);
    st->bind_int(4, static_cast<int64_t>(events));
    st->bind_int(5, now);
    auto r = st->run();
    if (!r) return r;
  }
  {
    std::string flags;
    for (const auto& f : h.flags) flags += (flags.empty() ? "" : ",") + f;
    auto st = m_db.prepare(
        "INSERT INTO parts(shipment_id, part, part_count, tenant, host, kind, source, source_offset, length, "
        "entries, flags, first_mail, received_us) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) "
        "ON CONFLICT(shipment_id, part) DO NOTHING");
    if (!st) return tl::unexpected(st.error());
    st->bind_text(1, h.shipment_id);
    st->bind_int(2, h.part);
    st->bind_int(3, h.part_count);
    st->bind_text(4, h.tenant);
    st->bind_text(5, h.host);
    st->bind_text(6, h.kind);
    st->bind_text(7, h.source);
    st->bind_int(8, static_cast<int64_t>(h.offset));
    st->bind_int(9, static_cast<int64_t>(h.length));
    st->bind_int(10, static_cast<int64_t>(h.entries));
    st->bind_text(11, flags);
    st->bind_text(12, mail_name);
    st->bind_int(13, now);
    auto r = st->run();
    if (!r) return r;
  }
  return tx->commit();
}

Result<void> IngestLedger::add_dead_letters(std::span<const DeadLetter> letters) {
  if (letters.empty()) return {};
  auto tx = SqliteTransaction::begin(m_db);
  if (!tx) return tl::unexpected(tx.error());
  auto st = m_db.prepare(
      "INSERT INTO dead_letters(event_id, mail_name, shipment_id, part, reason, doc, at_us) "
      "VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(event_id) DO UPDATE SET reason = ?5, at_us = ?7");
  if (!st) return tl::unexpected(st.error());
  int64_t now = now_us();
  std::string doc;
  const BatchSource unknown;
  for (const auto& letter : letters) {
    const BatchSource& source = letter.source ? *letter.source : unknown;
    doc.clear();
    append_json(doc, *letter.event);
    st->reset();
    st->bind_text(1, letter.event->id());
    st->bind_text(2, source.mail_name);
    st->bind_text(3, source.shipment_id);
    st->bind_int(4, source.part);
    st->bind_text(5, letter.reason);
    st->bind_text(6, doc);
    st->bind_int(7, now);
    auto r = st->run();
    if (!r) return r;
  }
  return tx->commit();
}

Result<int64_t> IngestLedger::dead_letter_count() {
  auto n = m_db.query_int("SELECT COUNT(*) FROM dead_letters");
  if (!n) return tl::unexpected(n.error());
  return n->value_or(0);
}

}  // namespace logpost::ingester
