// mysql_slowlog_parser.hpp — one MySQL/MariaDB/Percona slow-log entry, taken
// apart into its header attributes, `use`/`SET` lines and statement.
//
// An entry is what common/log_splitter.hpp cuts a slow log into: from a
// "# Time:" or "# User@Host:" line to the next one. Every variant written by
// MySQL 5.1 to 8.x, MariaDB 10.x/11.x and Percona Server is read by the same
// rules, the ones pt-query-digest's SlowLogParser applies, so that both
// tools see the same statement (and therefore the same query class):
//
//   - Header lines are the leading lines that start with "#", "use " or
//     "SET last_insert_id" / "SET insert_id" / "SET timestamp".
//   - "# Time: <text>": the first one gives `time` (e.g. "2024-03-04T00:00:00.283469Z"
//     on MySQL 5.7+, "071015 21:43:52" on 5.1-5.6 and MariaDB). Old Percona
//     logs put "# User@Host:" on the same line; that is read too.
//   - "# User@Host: user[current_user] @ host [ip]  Id: N": the first one
//     gives user, current_user, host, ip; "Id: N" becomes attribute "Id".
//   - "# administrator command: Quit;": the statement is
//     "administrator command: Quit" and `admin_command` is set.
//   - Any other "# Key: value  Key2: value2" line (Query_time, Lock_time,
//     Rows_sent, Thread_id, Schema, QC_Hit, InnoDB_*, MySQL 8's
//     log_slow_extra Start/End/Bytes_received/..., MariaDB's Pages_*):
//     every "Key: value" pair, in order, into `attributes`. A key followed
//     directly by another key has an empty value ("Schema:  QC_hit: No").
//   - Other "#" lines ("# No InnoDB statistics ...", "# explain: ...") are
//     skipped.
//   - "use db;" (the first one) gives `use_schema`; "SET timestamp=N;" (the
//     first SET line) gives `set_timestamp`.
//   - The statement is everything from the first non-header line to the end
//     of the entry, less the final line end and one final ";".
//
// parse never fails: a text that is not a slow-log entry yields a record
// with no header (`looks_like_entry()` false) and the whole text as
// statement.
//
// Cost: one pass over the header lines, no allocation beyond `attributes`.
// The record's string_views point into the parsed text.
// Thread-safety: pure function.
#pragma once

#include <string_view>
#include <vector>

namespace logpost::filters {

struct SlowLogAttribute {
  std::string_view key;    // "Query_time"
  std::string_view value;  // "0.000123"; may be empty
};

struct SlowLogRecord {
  std::string_view time;          // "# Time:" text, trimmed; empty when absent
  bool has_user_host = false;
  std::string_view user;          // "shop_app"; may be empty ("[SQL_SLAVE] @ []")
  std::string_view current_user;  // the bracketed name after the user
  std::string_view host;          // may be empty (skip-name-resolve)
  std::string_view ip;            // may be empty
  std::vector<SlowLogAttribute> attributes;
  std::string_view use_schema;    // from "use db;"
  std::string_view set_timestamp; // from "SET timestamp=N;"; empty when absent
  std::string_view statement;     // empty when the entry has none
  bool admin_command = false;
  bool has_statement = false;

  // True when at least one header line was recognised (Time, User@Host or
  // a Key: value line).
  [[nodiscard]] bool looks_like_entry() const {
    return !time.empty() || has_user_host || !attributes.empty() || admin_command;
  }
  // The value of the first attribute named `key`, or nullptr.
  [[nodiscard]] const std::string_view* attribute(std::string_view key) const;
};

// pt-query-digest reads a slow log as records ending in ";\n#": a statement
// line ending in ";" followed by a "#" line always starts a new entry, even
// without a "# Time:" or "# User@Host:" line (Percona's test logs, and logs
// cut by hand, have such entries). Returns the first such event of `rest`
// (with its ";\n") and advances `rest` past it; the whole of `rest` when
// there is no such boundary.
std::string_view next_slowlog_event(std::string_view& rest);

// Parses `text` into `record` (cleared first; its vector's capacity is
// reused, so a caller parsing many entries can keep one record).
void parse_slowlog_entry(std::string_view text, SlowLogRecord& record);

}  // namespace logpost::filters
