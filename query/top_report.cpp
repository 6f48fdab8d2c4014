// top_report.cpp — the profile query.
#include "query/top_report.hpp"

#include <cinttypes>
#include <cstdio>

#include "common/json.hpp"
#include "common/value.hpp"

namespace logpost::query {

std::optional<TopOrder> parse_top_order(std::string_view name) {
  if (name == "total") return TopOrder::total;
  if (name == "count") return TopOrder::count;
  if (name == "avg") return TopOrder::avg;
  if (name == "p95") return TopOrder::p95;
  if (name == "max") return TopOrder::max;
  if (name == "rows-examined") return TopOrder::rows_examined;
  return std::nullopt;
}

namespace {
const char* order_column(TopOrder order) {
  switch (order) {
    case TopOrder::total: return "total";
    case TopOrder::count: return "cnt";
    case TopOrder::avg: return "avg_ns";
    case TopOrder::p95: return "p95";
    case TopOrder::max: return "mx";
    case TopOrder::rows_examined: return "rx";
  }
  return "total";
}

std::string seconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(ns) / 1e9);
  return buf;
}

std::string one_line(std::string_view text, size_t max) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
    if (out.size() >= max) {
      out += "...";
      break;
    }
  }
  return out;
}
}  // namespace

Result<std::vector<QueryClass>> top_queries(SqliteDb& db, const TopOptions& o) {
  // Only the filters in use appear in the SQL, so SQLite can pick the
  // matching partial index (a "?1 IS NULL OR ..." form would defeat it).
  std::string where = "fingerprint IS NOT NULL AND duration_ns IS NOT NULL";
  if (o.since_us) where += " AND ts_us >= ?1";
  if (o.host) where += " AND host = ?2";
  if (o.schema) where += " AND schema_name = ?3";
  if (o.user) where += " AND user_name = ?4";
  if (o.tenant) where += " AND tenant = ?5";
  std::string sql =
      "WITH f AS (SELECT id, fingerprint, digest, duration_ns, lock_time_sec, rows_sent, rows_examined "
      "FROM events WHERE " + where + "), "
      "r AS (SELECT f.*, ROW_NUMBER() OVER (PARTITION BY fingerprint ORDER BY duration_ns, id) AS rn, "
      "COUNT(*) OVER (PARTITION BY fingerprint) AS n FROM f), "
      "g AS (SELECT fingerprint, MAX(digest) AS digest, COUNT(*) AS cnt, SUM(duration_ns) AS total, "
      "SUM(duration_ns) / COUNT(*) AS avg_ns, "
      // nearest rank: the smallest value whose rank is >= ceil(0.95 n)
      "MIN(CASE WHEN rn >= (n * 95 + 99) / 100 THEN duration_ns END) AS p95, "
      "MAX(duration_ns) AS mx, TOTAL(lock_time_sec) AS lock, TOTAL(rows_sent) AS rs, TOTAL(rows_examined) AS rx, "
      "MAX(CASE WHEN rn = n THEN id END) AS worst FROM r GROUP BY fingerprint) "
      "SELECT fingerprint, digest, cnt, total, avg_ns, p95, mx, lock, rs, rx, worst, "
      "TOTAL(total) OVER () AS grand FROM g ORDER BY " +
      std::string(order_column(o.order)) + " DESC, fingerprint LIMIT ?6";
  auto st = db.prepare(sql);
  if (!st) {
    if (st.error().message.find("no such table") != std::string::npos)
      return fail(ErrorCode::not_found, db.path().string() + " is not a logpost store (no events table)");
    return tl::unexpected(st.error());
  }
  if (o.since_us) st->bind_int(1, *o.since_us);
  if (o.host) st->bind_text(2, *o.host);
  if (o.schema) st->bind_text(3, *o.schema);
  if (o.user) st->bind_text(4, *o.user);
  if (o.tenant) st->bind_text(5, *o.tenant);
  st->bind_int(6, o.limit);
  std::vector<QueryClass> out;
  for (;;) {
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    QueryClass c;
    c.rank = static_cast<int64_t>(out.size()) + 1;
    c.fingerprint = st->column_text(0);
    c.query_id = st->column_text(1);
    c.count = st->column_int(2);
    c.total_ns = st->column_int(3);
    c.avg_ns = st->column_int(4);
    c.p95_ns = st->column_int(5);
    c.max_ns = st->column_int(6);
    c.lock_sec = st->column_double(7);
    c.rows_sent = static_cast<int64_t>(st->column_double(8));
    c.rows_examined = static_cast<int64_t>(st->column_double(9));
    c.example_id = st->column_text(10);
    double grand = st->column_double(11);
    c.share = grand > 0 ? static_cast<double>(c.total_ns) / grand : 0;
    out.push_back(std::move(c));
  }
  auto ex = db.prepare(
      "SELECT COALESCE(json_extract(doc, '$.mysql.slowlog.query'), json_extract(doc, '$.\"mysql.slowlog.query\"'), "
      "json_extract(doc, '$.message')) FROM events WHERE id = ?1");
  if (!ex) return tl::unexpected(ex.error());
  for (auto& c : out) {
    ex->reset();
    ex->bind_text(1, c.example_id);
    auto row = ex->step();
    if (!row) return tl::unexpected(row.error());
    if (*row) c.example = ex->column_text(0);
  }
  return out;
}

std::string format_top_table(const std::vector<QueryClass>& classes) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "# %4s %-18s %12s %6s %8s %9s %9s %9s %11s %13s\n", "Rank", "Query ID",
                "Total(s)", "Share", "Count", "Avg(s)", "P95(s)", "Max(s)", "Rows sent", "Rows exam");
  out += line;
  out += "# ==== ================== ============ ====== ======== ========= ========= ========= =========== "
         "=============\n";
  for (const auto& c : classes) {
    std::string id = c.query_id.empty() ? "-" : c.query_id.substr(0, 18);
    std::snprintf(line, sizeof line, "# %4" PRId64 " %-18s %12s %5.1f%% %8" PRId64 " %9s %9s %9s %11" PRId64
                  " %13" PRId64 "\n",
                  c.rank, id.c_str(), seconds(c.total_ns).c_str(), c.share * 100.0, c.count,
                  seconds(c.avg_ns).c_str(), seconds(c.p95_ns).c_str(), seconds(c.max_ns).c_str(), c.rows_sent,
                  c.rows_examined);
    out += line;
  }
  for (const auto& c : classes) {
    out += "\n# Query " + std::to_string(c.rank) + ": " + (c.query_id.empty() ? "-" : c.query_id) + "\n";
    out += "#   fingerprint: " + one_line(c.fingerprint, 400) + "\n";
    out += "#   example:     " + one_line(c.example, 400) + "\n";
  }
  return out;
}

std::string format_top_json(const std::vector<QueryClass>& classes) {
  Array arr;
  for (const auto& c : classes) {
    Object o;
    o.set("rank", c.rank);
    o.set("query_id", c.query_id);
    o.set("fingerprint", c.fingerprint);
    o.set("count", c.count);
    o.set("total_s", static_cast<double>(c.total_ns) / 1e9);
    o.set("share", c.share);
    o.set("avg_s", static_cast<double>(c.avg_ns) / 1e9);
    o.set("p95_s", static_cast<double>(c.p95_ns) / 1e9);
    o.set("max_s", static_cast<double>(c.max_ns) / 1e9);
    o.set("lock_s", c.lock_sec);
    o.set("rows_sent", c.rows_sent);
    o.set("rows_examined", c.rows_examined);
    o.set("example", c.example);
    o.set("example_id", c.example_id);
    arr.emplace_back(std::move(o));
  }
  std::string out;
  append_json(out, Value(std::move(arr)));
  out += '\n';
  return out;
}

}  // namespace logpost::query
