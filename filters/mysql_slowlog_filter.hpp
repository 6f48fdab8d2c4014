// mysql_slowlog_filter.hpp — `mysql_slowlog { }` (ours): one MySQL/MariaDB/
// Percona slow-log entry in `message` -> the fields of Filebeat's MySQL
// slow-log schema.
//
//   mysql_slowlog {
//     source   => "message"      # the entry text (default)
//     timezone => "UTC"          # zone of "# Time:" values without an offset
//                                # when [event][timezone] is absent
//     tag_on_failure => ["_mysqlslowlogparsefailure"]
//   }
//
// The entry is read by filters/mysql_slowlog_parser.hpp (every header
// variant, the rules pt-query-digest applies). Fields set:
//   user.name, mysql.slowlog.current_user, source.domain, source.ip   (# User@Host)
//   mysql.thread_id                      (Id: / Thread_id:)
//   event.duration                       (Query_time, nanoseconds, rounded to the microsecond)
//   mysql.slowlog.lock_time.sec          (Lock_time, seconds as a double)
//   mysql.slowlog.rows_sent, rows_examined, rows_affected, bytes_sent, tmp_tables,
//     tmp_disk_tables, tmp_table_sizes, merge_passes, last_errno (also MySQL 8's
//     Errno), killed, log_slow_rate_limit            (integers)
//   mysql.slowlog.query_cache_hit, full_scan, full_join, tmp_table, tmp_table_on_disk,
//     filesort, filesort_on_disk, priority_queue     (Yes/No -> booleans)
//   mysql.slowlog.innodb.trx_id, io_r_ops, io_r_bytes, io_r_wait.sec,
//     rec_lock_wait.sec, queue_wait.sec, pages_distinct (Percona InnoDB lines)
//   mysql.slowlog.schema                 (Schema:, overridden by `use db;`)
//   mysql.slowlog.<key in lower case>    any other attribute (MySQL 8 log_slow_extra:
//                                        start, end, bytes_received, read_first, ...;
//                                        MariaDB: pages_accessed, ...): integer,
//                                        double, boolean (Yes/No) or string by its text
//   mysql.slowlog.query                  the statement, without its final ";"
//   mysql.slowlog.admin_command: true    for "# administrator command: X" entries
//   @timestamp                           SET timestamp=N (the statement's start);
//                                        without it, "# Time:" (ISO 8601 with Z or an
//                                        offset; or local time, "YYMMDD H:MM:SS" /
//                                        "YYYY-MM-DD HH:MM:SS", in the zone named by
//                                        [event][timezone] (the shipment's), else the
//                                        `timezone` option); without both, unchanged.
//
// Outcome: failure (tagged) when the text is no slow-log entry (no Time,
// User@Host, attribute or administrator-command line) or a typed value does
// not parse (e.g. "Rows_sent: x"): then the fields that did parse are set,
// and `message` stays (the pipeline's remove_field runs only on success).
// An entry without a statement gets tag "_mysqlslowlog_nostatement" and
// succeeds. An entry holding several statements with their own header
// lines but no "# Time:"/"# User@Host:" between them (pt-query-digest's
// ";\n#" boundary; hand-cut logs) is read up to the first one and fails
// with tag "_mysqlslowlog_merged" as well, so its message is kept whole.
//
// Errors (build): unknown option, unknown time zone, bad field reference.
// Cost: one pass over the header lines; a few dozen field insertions.
// Thread-safety: one thread at a time (caches the last time zone).
#pragma once

#include <memory>

#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

Result<std::unique_ptr<Filter>> make_mysql_slowlog_filter(const PluginBlock& block, const BuildContext& context);

}  // namespace logpost::filters
