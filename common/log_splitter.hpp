// log_splitter.hpp — cutting a log stream into entries: lines for access
// logs and raw logs, multi-line entries for MySQL/MariaDB slow logs.
//
// The shipper uses it so that a mail part never splits an entry; the
// ingester uses it to turn a decompressed part into events; the tools use it
// for files. Feed the stream in chunks of any size; entries come out through
// a callback as soon as they are complete.
//
// Slow logs (MySQL 5.1 to 8.x, MariaDB 10.x/11.x, Percona Server): an entry
// starts at a "# Time:" line, or at a "# User@Host:" line unless the current
// entry holds only its "# Time:" line. Every other line, "#" comment lines
// included, belongs to the current entry. Server banner lines, which mysqld
// writes at start-up and after each FLUSH SLOW LOGS,
//     /usr/sbin/mariadbd, Version: 10.11.6-MariaDB-log (Debian 12). started with:
//     Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock
//     Time                 Id Command    Argument
// come out as entries of their own with `banner` set, so consumers skip them
// and account for every byte.
//
// Entry text includes its final newline (absent only for a last entry that
// the stream ends without one). CRLF line ends are kept as they are; the
// consumer strips a trailing "\r" if it wants to.
//
// Memory is bounded by max_entry_bytes (plus one line's worth of
// classification): an entry longer than that is emitted in pieces of at most
// max_entry_bytes, the first with `continues` set, the following with
// `continuation` set, so nothing is lost and the consumer can tag it.
//
// Cost: one pass; line kinds emit straight from the caller's chunk when no
// partial line is pending (no copy). Thread-safety: one splitter per stream.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace logpost {

enum class LogKind { mysql_slow, nginx_access, apache_access, raw };

std::optional<LogKind> parse_log_kind(std::string_view name);  // "mysql-slow", "nginx-access", ...
std::string_view log_kind_name(LogKind kind);
// The ECS-style dataset name an event of this kind belongs to:
// "mysql.slowlog", "nginx.access", "apache.access", "logpost.raw".
std::string_view log_kind_dataset(LogKind kind);

struct LogEntry {
  std::string_view text;      // valid only during the callback
  uint64_t offset = 0;        // of the first byte, from the start of the stream
  bool banner = false;        // slow-log server banner line: not an event
  bool continues = false;     // cut at max_entry_bytes: more of this entry follows
  bool continuation = false;  // the rest of an entry that was cut
};

class LogSplitter {
 public:
  using EntrySink = std::function<void(const LogEntry&)>;
  static constexpr size_t k_default_max_entry_bytes = 16u << 20;

  explicit LogSplitter(LogKind kind, size_t max_entry_bytes = k_default_max_entry_bytes);

  void feed(std::string_view chunk, const EntrySink& sink);
  // End of stream: emits what is pending.
  void finish(const EntrySink& sink);

  // Bytes fed so far.
  [[nodiscard]] uint64_t bytes_fed() const { return m_fed; }

 private:
  void feed_lines(std::string_view chunk, const EntrySink& sink);
  void feed_slow(std::string_view chunk, const EntrySink& sink);
  void complete_slow_line(const EntrySink& sink);
  void emit_pending(size_t length, const EntrySink& sink, bool cut, bool banner = false);

  LogKind m_kind;
  size_t m_max;
  uint64_t m_fed = 0;
  std::string m_pending;          // current entry (slow log) or partial line
  uint64_t m_pending_offset = 0;  // stream offset of m_pending[0]
  size_t m_line_start = 0;        // slow log: where the current line begins in m_pending
  bool m_pending_has_body = false;       // slow log: a non-"#" line or a User@Host line is in the entry
  bool m_next_is_continuation = false;   // the next emitted piece continues a cut entry
  bool m_line_is_continuation = false;   // the current line began in a piece already emitted
};

}  // namespace logpost
