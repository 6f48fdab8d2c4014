// sqlite_sink.cpp — events into SQLite, one transaction per batch.
#include "ingester/sqlite_sink.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include "common/json.hpp"
#include "ingester/ingest_ledger.hpp"

namespace logpost::ingester {

namespace {

// A field by nested path, else by its dotted top-level name: pipelines may
// produce either shape.
const Value* field(const Event& ev, std::initializer_list<std::string_view> segments) {
  const Value* v = nullptr;
  const Object* obj = &ev.fields();
  for (auto seg : segments) {
    if (!obj) {
      v = nullptr;
      break;
    }
    v = obj->find(seg);
    if (!v) break;
    obj = v->is_object() ? &v->as_object() : nullptr;
  }
  if (v) return v;
  std::string dotted;
  for (auto seg : segments) {
    if (!dotted.empty()) dotted += '.';
    dotted += seg;
  }
  return ev.fields().find(dotted);
}

std::optional<std::string> text_of(const Value* v) {
  if (!v || v->is_null() || v->is_object() || v->is_array()) return std::nullopt;
  return v->to_text();
}

std::optional<double> number_of(const Value* v) {
  if (!v) return std::nullopt;
  if (v->is_number()) return v->as_double();
  if (v->is_string()) {
    const std::string& s = v->as_string();
    double d = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(d)) return d;
  }
  return std::nullopt;
}

void bind_opt_int(SqliteStatement& st, int index, std::optional<double> v) {
  if (v) st.bind_int(index, static_cast<int64_t>(std::llround(*v)));
  else st.bind_null(index);
}
void bind_opt_double(SqliteStatement& st, int index, std::optional<double> v) {
  if (v) st.bind_double(index, *v);
  else st.bind_null(index);
}

}  // namespace

Result<void> SqliteSink::ensure_schema(SqliteDb& db) {
  auto r = IngestLedger::ensure_schema(db);
  if (!r) return r;
  return db.exec(R"sql(
CREATE TABLE IF NOT EXISTS events(
  id TEXT NOT NULL PRIMARY KEY,
  ts_us INTEGER,
  dataset TEXT,
  tenant TEXT,
  host TEXT,
  shipment_id TEXT,
  part INTEGER,
  log_offset INTEGER,
  fingerprint TEXT,
  digest TEXT,
  duration_ns INTEGER,
  lock_time_sec REAL,
  rows_sent INTEGER,
  rows_examined INTEGER,
  user_name TEXT,
  schema_name TEXT,
  mail_name TEXT,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_slow_time ON events(ts_us) WHERE fingerprint IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_slow_class ON events(fingerprint, duration_ns) WHERE fingerprint IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_slow_host ON events(host, ts_us) WHERE fingerprint IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_slow_tenant ON events(tenant, ts_us) WHERE fingerprint IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_slow_digest ON events(digest) WHERE fingerprint IS NOT NULL;
)sql");
}

SqliteSink::SqliteSink(SqliteDb db, SqliteStatement insert, SqliteStatement mail)
    : m_db(std::move(db)), m_insert(std::move(insert)), m_mail(std::move(mail)) {}

Result<std::unique_ptr<SqliteSink>> SqliteSink::open(const std::filesystem::path& path, int busy_timeout_ms) {
  auto db = SqliteDb::open(path, SqliteDb::Mode::read_write_create, busy_timeout_ms);
  if (!db) return tl::unexpected(db.error());
  auto r = ensure_schema(*db);
  if (!r) return tl::unexpected(r.error());
  auto insert = db->prepare(
      "INSERT INTO events(id, ts_us, dataset, tenant, host, shipment_id, part, log_offset, fingerprint, digest, "
      "duration_ns, lock_time_sec, rows_sent, rows_examined, user_name, schema_name, mail_name, doc) "
      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18) ON CONFLICT(id) DO NOTHING");
  if (!insert) return tl::unexpected(insert.error());
  auto mail = db->prepare(
      "INSERT INTO mails(name, shipment_id, part, events, batches) VALUES(?1, ?2, ?3, ?4, 1) "
      "ON CONFLICT(name) DO UPDATE SET events = events + ?4, batches = batches + 1");
  if (!mail) return tl::unexpected(mail.error());
  return std::unique_ptr<SqliteSink>(new SqliteSink(std::move(*db), std::move(*insert), std::move(*mail)));
}

Result<std::vector<ItemOutcome>> SqliteSink::write(std::span<const Event> events, const BatchSource& source) {
  auto tx = SqliteTransaction::begin(m_db);
  if (!tx) return tl::unexpected(tx.error());
  std::vector<ItemOutcome> outcomes(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& ev = events[i];
    if (ev.id().empty()) {
      outcomes[i] = {ItemStatus::rejected, "event has no id"};
      continue;
    }
    m_doc.clear();
    append_json(m_doc, ev);
    SqliteStatement& st = m_insert;
    st.reset();
    st.bind_text(1, ev.id());
    if (auto ts = ev.timestamp_us()) st.bind_int(2, *ts);
    st.bind_optional_text(3, text_of(field(ev, {"event", "dataset"})));
    st.bind_optional_text(4, text_of(field(ev, {"logpost", "tenant"})));
    st.bind_optional_text(5, text_of(field(ev, {"host", "name"})));
    st.bind_optional_text(6, text_of(field(ev, {"logpost", "shipment_id"})));
    bind_opt_int(st, 7, number_of(field(ev, {"logpost", "part"})));
    bind_opt_int(st, 8, number_of(field(ev, {"log", "offset"})));
    st.bind_optional_text(9, text_of(field(ev, {"mysql", "slowlog", "query_fingerprint"})));
    st.bind_optional_text(10, text_of(field(ev, {"mysql", "slowlog", "query_digest"})));
    bind_opt_int(st, 11, number_of(field(ev, {"event", "duration"})));
    bind_opt_double(st, 12, number_of(field(ev, {"mysql", "slowlog", "lock_time", "sec"})));
    bind_opt_int(st, 13, number_of(field(ev, {"mysql", "slowlog", "rows_sent"})));
    bind_opt_int(st, 14, number_of(field(ev, {"mysql", "slowlog", "rows_examined"})));
    st.bind_optional_text(15, text_of(field(ev, {"user", "name"})));
    st.bind_optional_text(16, text_of(field(ev, {"mysql", "slowlog", "schema"})));
    st.bind_text(17, source.mail_name);
    st.bind_text(18, m_doc);
    auto r = st.run();
    if (!r) {
      // Data errors concern this one event (e.g. larger than SQLite's
      // limit); anything else (locked, full, read-only) concerns the batch.
      if (r.error().code == ErrorCode::data) {
        outcomes[i] = {ItemStatus::rejected, r.error().message};
        continue;
      }
      return tl::unexpected(r.error());
    }
    outcomes[i] = {ItemStatus::delivered, {}};
  }
  if (!source.mail_name.empty()) {
    m_mail.reset();
    m_mail.bind_text(1, source.mail_name);
    m_mail.bind_text(2, source.shipment_id);
    m_mail.bind_int(3, source.part);
    m_mail.bind_int(4, static_cast<int64_t>(events.size()));
    auto r = m_mail.run();
    if (!r) return tl::unexpected(r.error());
  }
  auto c = tx->commit();
  if (!c) return tl::unexpected(c.error());
  return outcomes;
}

}  // namespace logpost::ingester
