// top_report.hpp — the slow-query profile: the worst query classes, like
// pt-query-digest's "Profile", from a SQLite store's events table.
//
// A class is one mysql.slowlog.query_fingerprint (its Query ID is the
// mysql.slowlog.query_digest). Per class: count, total / avg / p95 / max of
// event.duration, its share of the total over all classes matched, lock
// time, rows sent and examined, and one example: the query text of the
// slowest sample (mysql.slowlog.query, else the event's message).
//
// p95 is the nearest-rank percentile: with the class's n durations sorted
// ascending, the value at rank ceil(0.95 * n) (1-based). It is always an
// observed duration; for n < 20 it is the maximum. Computed in SQL with
// window functions over the partial index (fingerprint, duration_ns).
//
// Filters: since (events at or after a time), host, schema, user, tenant;
// rows without a fingerprint or duration are not slow-log classes and are
// ignored. Order: total (default), count, avg, p95, max, rows-examined;
// ties by fingerprint, so the output is deterministic.
//
// Errors: SQLite errors (ErrorCode::data for a file that is not a logpost
// store, ErrorCode::not_found when it has no events table).
// Cost: one scan of the matching slow-log rows, then one lookup per listed
// class for its example. Thread-safety: one thread per SqliteDb.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/sqlite_db.hpp"

namespace logpost::query {

enum class TopOrder { total, count, avg, p95, max, rows_examined };
std::optional<TopOrder> parse_top_order(std::string_view name);

struct TopOptions {
  std::optional<int64_t> since_us;  // events with @timestamp >= this
  std::optional<std::string> host;
  std::optional<std::string> schema;
  std::optional<std::string> user;
  std::optional<std::string> tenant;
  TopOrder order = TopOrder::total;
  int64_t limit = 20;
};

struct QueryClass {
  int64_t rank = 0;
  std::string query_id;     // digest, "" when the pipeline set none
  std::string fingerprint;
  int64_t count = 0;
  int64_t total_ns = 0;
  double share = 0;         // of the total over every matching class, 0..1
  int64_t avg_ns = 0;
  int64_t p95_ns = 0;
  int64_t max_ns = 0;
  double lock_sec = 0;
  int64_t rows_sent = 0;
  int64_t rows_examined = 0;
  std::string example;
  std::string example_id;   // event id of the example
};

Result<std::vector<QueryClass>> top_queries(SqliteDb& db, const TopOptions& options);

// The pt-query-digest-like table (text) and a JSON array.
std::string format_top_table(const std::vector<QueryClass>& classes);
std::string format_top_json(const std::vector<QueryClass>& classes);

}  // namespace logpost::query
