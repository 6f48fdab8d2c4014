// sqlite_sink.cpp — events into SQLite, one transaction per batch.
#include "ingester/sqlite_sink.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

#include "common/json.hpp"
#include "ingester/ingest_ledger.hpp"

namespace logpost::ingester {

namespace {

// A report column's source field: read by nested path, else by its dotted
// top-level name (pipelines may produce either shape). The dotted name is
// built once, not per event.
struct ColumnField {
  std::vector<std::string_view> segments;
  std::string dotted;
  ColumnField(std::initializer_list<std::string_view> s) : segments(s) {
    for (auto seg : segments) dotted += (dotted.empty() ? "" : ".") + std::string(seg);
  }
};

const ColumnField k_dataset{"event", "dataset"}, k_tenant{"logpost", "tenant"}, k_host{"host", "name"},
    k_shipment{"logpost", "shipment_id"}, k_part{"logpost", "part"}, k_offset{"log", "offset"},
    k_fingerprint{"mysql", "slowlog", "query_fingerprint"}, k_digest{"mysql", "slowlog", "query_digest"},
    k_duration{"event", "duration"}, k_lock{"mysql", "slowlog", "lock_time", "sec"},
    k_rows_sent{"mysql", "slowlog", "rows_sent"}, k_rows_examined{"mysql", "slowlog", "rows_examined"},
    k_user{"user", "name"}, k_schema{"mysql", "slowlog", "schema"};

const Value* field(const Event& ev, const ColumnField& f) {
  const Object* obj = &ev.fields();
  const Value* v = nullptr;
  for (auto seg : f.segments) {
    v = obj ? obj->find(seg) : nullptr;
    if (!v) break;
    obj = v->is_object() ? &v->as_object() : nullptr;
  }
  if (v) return v;
  return ev.fields().find(f.dotted);
}

// Binds a field as text: strings without a copy (the event outlives the
// step), numbers and booleans printed; absent, null, objects and arrays NULL.
void bind_field_text(SqliteStatement& st, int index, const Value* v, std::string& scratch) {
  if (!v || v->is_null() || v->is_object() || v->is_array()) {
    st.bind_null(index);
  } else if (v->is_string()) {
    st.bind_text_nocopy(index, v->as_string());
  } else {
    scratch = v->to_text();
    st.bind_text(index, scratch);
  }
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
  // Event ids are not monotonic as text, so inserts into the id index land
  // all over it: a 64 MiB page cache keeps it in memory (bounded RSS).
  r = db->exec("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
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

Result<std::vector<ItemOutcome>> SqliteSink::write(std::span<const Event> events, const BatchSources& sources) {
  auto tx = SqliteTransaction::begin(m_db);
  if (!tx) return tl::unexpected(tx.error());
  std::vector<ItemOutcome> outcomes(events.size());
  std::string scratch;
  // Slices are in event order: walk them alongside the events.
  const auto& slices = sources.slices();
  size_t slice = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& ev = events[i];
    while (slice < slices.size() && slices[slice].end <= i) ++slice;
    const BatchSource* source =
        slice < slices.size() && slices[slice].begin <= i ? &slices[slice].source : nullptr;
    if (ev.id().empty()) {
      outcomes[i] = {ItemStatus::rejected, "event has no id"};
      continue;
    }
    SqliteStatement& st = m_insert;
    st.reset();  // before m_doc changes: the previous row bound it without a copy
    m_doc.clear();
    append_json(m_doc, ev);
    st.bind_text_nocopy(1, ev.id());
    if (auto ts = ev.timestamp_us()) st.bind_int(2, *ts);
    bind_field_text(st, 3, field(ev, k_dataset), scratch);
    bind_field_text(st, 4, field(ev, k_tenant), scratch);
    bind_field_text(st, 5, field(ev, k_host), scratch);
    bind_field_text(st, 6, field(ev, k_shipment), scratch);
    bind_opt_int(st, 7, number_of(field(ev, k_part)));
    bind_opt_int(st, 8, number_of(field(ev, k_offset)));
    bind_field_text(st, 9, field(ev, k_fingerprint), scratch);
    bind_field_text(st, 10, field(ev, k_digest), scratch);
    bind_opt_int(st, 11, number_of(field(ev, k_duration)));
    bind_opt_double(st, 12, number_of(field(ev, k_lock)));
    bind_opt_int(st, 13, number_of(field(ev, k_rows_sent)));
    bind_opt_int(st, 14, number_of(field(ev, k_rows_examined)));
    bind_field_text(st, 15, field(ev, k_user), scratch);
    bind_field_text(st, 16, field(ev, k_schema), scratch);
    st.bind_text_nocopy(17, source ? std::string_view(source->mail_name) : std::string_view());
    st.bind_text_nocopy(18, m_doc);
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
  for (const auto& s : slices) {
    size_t end = std::min(s.end, events.size());
    if (s.source.mail_name.empty() || s.begin >= end) continue;
    m_mail.reset();
    m_mail.bind_text(1, s.source.mail_name);
    m_mail.bind_text(2, s.source.shipment_id);
    m_mail.bind_int(3, s.source.part);
    m_mail.bind_int(4, static_cast<int64_t>(end - s.begin));
    auto r = m_mail.run();
    if (!r) return tl::unexpected(r.error());
  }
  auto c = tx->commit();
  if (!c) return tl::unexpected(c.error());
  return outcomes;
}

}  // namespace logpost::ingester
