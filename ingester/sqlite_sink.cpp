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
// `root` and `depth`: the member found once per event that the nested path
// starts from (see ColumnRoots), and how many segments it covers; derived
// here from the segments, once.
enum class ColumnRoot { event, logpost, host, log, mysql_slowlog, user };

struct ColumnField {
  std::vector<std::string_view> segments;
  std::string dotted;
  ColumnRoot root = ColumnRoot::event;
  size_t depth = 1;
  ColumnField(std::initializer_list<std::string_view> s) : segments(s) {
    for (auto seg : segments) dotted += (dotted.empty() ? "" : ".") + std::string(seg);
    std::string_view first = segments.front();
    if (first == "mysql" && segments.size() > 2 && segments[1] == "slowlog") {
      root = ColumnRoot::mysql_slowlog;
      depth = 2;
    } else if (first == "logpost") {
      root = ColumnRoot::logpost;
    } else if (first == "host") {
      root = ColumnRoot::host;
    } else if (first == "log") {
      root = ColumnRoot::log;
    } else if (first == "user") {
      root = ColumnRoot::user;
    } else {
      root = ColumnRoot::event;  // "event": the only other first segment of the columns below
    }
  }
};

const ColumnField k_dataset{"event", "dataset"}, k_tenant{"logpost", "tenant"}, k_host{"host", "name"},
    k_shipment{"logpost", "shipment_id"}, k_part{"logpost", "part"}, k_offset{"log", "offset"},
    k_fingerprint{"mysql", "slowlog", "query_fingerprint"}, k_digest{"mysql", "slowlog", "query_digest"},
    k_duration{"event", "duration"}, k_lock{"mysql", "slowlog", "lock_time", "sec"},
    k_rows_sent{"mysql", "slowlog", "rows_sent"}, k_rows_examined{"mysql", "slowlog", "rows_examined"},
    k_user{"user", "name"}, k_schema{"mysql", "slowlog", "schema"};

const Value* member_of(const Value* v, std::string_view name) {
  return v && v->is_object() ? v->as_object().find(name) : nullptr;
}

// The top-level members the report columns start from, found in one pass
// over the event's fields (keys are unique), which also tells whether any
// top-level name has a dot.
struct ColumnRoots {
  const Value* event = nullptr;
  const Value* logpost = nullptr;
  const Value* host = nullptr;
  const Value* log = nullptr;
  const Value* mysql = nullptr;
  const Value* mysql_slowlog = nullptr;  // mysql.slowlog, set after the pass
  const Value* user = nullptr;
  bool dotted = false;

  [[nodiscard]] const Value* of(ColumnRoot root) const {
    switch (root) {
      case ColumnRoot::event: return event;
      case ColumnRoot::logpost: return logpost;
      case ColumnRoot::host: return host;
      case ColumnRoot::log: return log;
      case ColumnRoot::mysql_slowlog: return mysql_slowlog;
      case ColumnRoot::user: return user;
    }
    return nullptr;
  }
};

ColumnRoots find_column_roots(const Event& ev) {
  ColumnRoots r;
  for (const auto& [name, value] : ev.fields()) {
    if (name.find('.') != std::string::npos) {
      r.dotted = true;
      continue;
    }
    switch (name.size()) {
      case 3:
        if (name == "log") r.log = &value;
        break;
      case 4:
        if (name == "host") r.host = &value;
        else if (name == "user") r.user = &value;
        break;
      case 5:
        if (name == "event") r.event = &value;
        else if (name == "mysql") r.mysql = &value;
        break;
      case 7:
        if (name == "logpost") r.logpost = &value;
        break;
      default:
        break;
    }
  }
  r.mysql_slowlog = member_of(r.mysql, "slowlog");
  return r;
}

// A column's field: its nested path walked from its root (found once per
// event for all the columns sharing it), else, when the event has a
// top-level name with a dot at all (most have none), the member named by
// the dotted path: the same answer as walking every segment from the top.
const Value* lookup_field(const Event& ev, const ColumnRoots& roots, const ColumnField& f) {
  const Value* v = roots.of(f.root);
  for (size_t i = f.depth; v && i < f.segments.size(); ++i)
    v = v->is_object() ? v->as_object().find(f.segments[i]) : nullptr;
  if (v || !roots.dotted) return v;
  return ev.fields().find(f.dotted);
}

// The bind_* helpers below leave a parameter unbound for NULL: they are used
// on a statement just reset, whose parameters are all NULL.

// Binds a field as text: strings without a copy (the event outlives the
// step), numbers and booleans printed; absent, null, objects and arrays NULL.
void bind_field_text(SqliteStatement& st, int index, const Value* v, std::string& scratch) {
  if (!v || v->is_null() || v->is_object() || v->is_array()) return;
  if (v->is_string()) {
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
}
void bind_opt_double(SqliteStatement& st, int index, std::optional<double> v) {
  if (v) st.bind_double(index, *v);
}

constexpr std::string_view k_insert_columns =
    "INSERT INTO events(id, ts_us, dataset, tenant, host, shipment_id, part, log_offset, fingerprint, digest, "
    "duration_ns, lock_time_sec, rows_sent, rows_examined, user_name, schema_name, mail_name, doc) VALUES";
constexpr int k_columns = 18;

// "INSERT ... VALUES(?,...),(?,...)... ON CONFLICT(id) DO NOTHING" for
// `rows` rows: parameter k_columns * row + column + 1.
std::string insert_sql(size_t rows) {
  std::string sql(k_insert_columns);
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ",(";
    for (int c = 0; c < k_columns; ++c) sql += c == 0 ? "?" : ",?";
    sql += ')';
  }
  sql += " ON CONFLICT(id) DO NOTHING";
  return sql;
}

// Binds one event's row at parameters base+1 .. base+k_columns of a
// statement just reset. `doc` is bound without a copy: it must stay
// unchanged until the statement is reset.
void bind_row(SqliteStatement& st, int base, const Event& ev, std::string_view mail_name, const std::string& doc,
              std::string& scratch) {
  const ColumnRoots roots = find_column_roots(ev);
  auto field = [&](const ColumnField& f) { return lookup_field(ev, roots, f); };
  st.bind_text_nocopy(base + 1, ev.id());
  if (auto ts = ev.timestamp_us()) st.bind_int(base + 2, *ts);
  bind_field_text(st, base + 3, field(k_dataset), scratch);
  bind_field_text(st, base + 4, field(k_tenant), scratch);
  bind_field_text(st, base + 5, field(k_host), scratch);
  bind_field_text(st, base + 6, field(k_shipment), scratch);
  bind_opt_int(st, base + 7, number_of(field(k_part)));
  bind_opt_int(st, base + 8, number_of(field(k_offset)));
  bind_field_text(st, base + 9, field(k_fingerprint), scratch);
  bind_field_text(st, base + 10, field(k_digest), scratch);
  bind_opt_int(st, base + 11, number_of(field(k_duration)));
  bind_opt_double(st, base + 12, number_of(field(k_lock)));
  bind_opt_int(st, base + 13, number_of(field(k_rows_sent)));
  bind_opt_int(st, base + 14, number_of(field(k_rows_examined)));
  bind_field_text(st, base + 15, field(k_user), scratch);
  bind_field_text(st, base + 16, field(k_schema), scratch);
  st.bind_text_nocopy(base + 17, mail_name);
  st.bind_text_nocopy(base + 18, doc);
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

SqliteSink::SqliteSink(SqliteDb db, SqliteStatement insert, SqliteStatement insert_many, SqliteStatement mail)
    : m_db(std::move(db)),
      m_insert(std::move(insert)),
      m_insert_many(std::move(insert_many)),
      m_mail(std::move(mail)),
      m_docs(k_rows_per_insert) {}

Result<std::unique_ptr<SqliteSink>> SqliteSink::open(const std::filesystem::path& path, int busy_timeout_ms) {
  auto db = SqliteDb::open(path, SqliteDb::Mode::read_write_create, busy_timeout_ms);
  if (!db) return tl::unexpected(db.error());
  auto r = ensure_schema(*db);
  if (!r) return tl::unexpected(r.error());
  // Event ids are not monotonic as text, so inserts into the id index land
  // all over it: a 64 MiB page cache keeps it in memory (bounded RSS).
  r = db->exec("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
  if (!r) return tl::unexpected(r.error());
  auto insert = db->prepare(insert_sql(1));
  if (!insert) return tl::unexpected(insert.error());
  auto insert_many = db->prepare(insert_sql(k_rows_per_insert));
  if (!insert_many) return tl::unexpected(insert_many.error());
  auto mail = db->prepare(
      "INSERT INTO mails(name, shipment_id, part, events, batches) VALUES(?1, ?2, ?3, ?4, 1) "
      "ON CONFLICT(name) DO UPDATE SET events = events + ?4, batches = batches + 1");
  if (!mail) return tl::unexpected(mail.error());
  return std::unique_ptr<SqliteSink>(
      new SqliteSink(std::move(*db), std::move(*insert), std::move(*insert_many), std::move(*mail)));
}

Result<void> SqliteSink::insert_one(const Event& ev, std::string_view mail_name, ItemOutcome& outcome) {
  SqliteStatement& st = m_insert;
  st.reset();  // before the document changes: the previous row bound it without a copy
  std::string& doc = m_docs[0];
  doc.clear();
  append_json(doc, ev);
  bind_row(st, 0, ev, mail_name, doc, m_scratch);
  auto r = st.run();
  if (!r) {
    // Data errors concern this one event (e.g. larger than SQLite's
    // limit); anything else (locked, full, read-only) concerns the batch.
    if (r.error().code != ErrorCode::data) return r;
    outcome = {ItemStatus::rejected, r.error().message};
    return {};
  }
  outcome = {ItemStatus::delivered, {}};
  return {};
}

Result<std::vector<ItemOutcome>> SqliteSink::write(std::span<const Event> events, const BatchSources& sources) {
  auto tx = SqliteTransaction::begin(m_db);
  if (!tx) return tl::unexpected(tx.error());
  std::vector<ItemOutcome> outcomes(events.size());
  // The rows to insert, in event order, with their mail (slices are in event
  // order: walked alongside the events).
  struct Row {
    size_t index;
    std::string_view mail_name;
  };
  std::vector<Row> rows;
  rows.reserve(events.size());
  const auto& slices = sources.slices();
  size_t slice = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    while (slice < slices.size() && slices[slice].end <= i) ++slice;
    const BatchSource* source =
        slice < slices.size() && slices[slice].begin <= i ? &slices[slice].source : nullptr;
    if (events[i].id().empty()) {
      outcomes[i] = {ItemStatus::rejected, "event has no id"};
      continue;
    }
    rows.push_back({i, source ? std::string_view(source->mail_name) : std::string_view()});
  }

  // Full groups of k_rows_per_insert rows go in one statement: SQLite's
  // per-statement work (opening a cursor on the table and each of its
  // indexes, halting, resetting) is then shared by the group. Rows keep
  // their order, so they get the rowids one statement per row would give.
  size_t pos = 0;
  for (; pos + k_rows_per_insert <= rows.size(); pos += k_rows_per_insert) {
    SqliteStatement& st = m_insert_many;
    st.reset();  // before the documents change: they are bound without a copy
    for (size_t k = 0; k < k_rows_per_insert; ++k) {
      const Event& ev = events[rows[pos + k].index];
      m_docs[k].clear();
      append_json(m_docs[k], ev);
      bind_row(st, static_cast<int>(k) * k_columns, ev, rows[pos + k].mail_name, m_docs[k], m_scratch);
    }
    auto r = st.run();
    if (r) {
      for (size_t k = 0; k < k_rows_per_insert; ++k) outcomes[rows[pos + k].index] = {ItemStatus::delivered, {}};
      continue;
    }
    if (r.error().code != ErrorCode::data) return tl::unexpected(r.error());
    // SQLite refused one of the group's rows and undid the whole statement
    // (statement rollback; the transaction stays): one row at a time finds
    // which, and stores the others.
    for (size_t k = 0; k < k_rows_per_insert; ++k) {
      auto one = insert_one(events[rows[pos + k].index], rows[pos + k].mail_name, outcomes[rows[pos + k].index]);
      if (!one) return tl::unexpected(one.error());
    }
  }
  for (; pos < rows.size(); ++pos) {
    auto one = insert_one(events[rows[pos].index], rows[pos].mail_name, outcomes[rows[pos].index]);
    if (!one) return tl::unexpected(one.error());
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
