#include "common/log_splitter.hpp"

#include <cstring>

namespace logpost {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view without_eol(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool is_banner_line(std::string_view line) {
  line = without_eol(line);
  if (line.size() > 4096) return false;
  if (starts_with(line, "Tcp port: ")) return true;
  // MySQL pads this header with spaces, MariaDB 10.11 with tabs:
  // "Time\t\t    Id Command\tArgument".
  if ((starts_with(line, "Time ") || starts_with(line, "Time\t")) && line.find(" Id ") != std::string_view::npos &&
      line.find("Command") != std::string_view::npos && line.find("Argument") != std::string_view::npos)
    return true;
  return !line.empty() && line.front() == '/' && line.find(", Version: ") != std::string_view::npos &&
         line.size() >= 13 && line.substr(line.size() - 13) == "started with:";
}

}  // namespace

std::optional<LogKind> parse_log_kind(std::string_view name) {
  if (name == "mysql-slow") return LogKind::mysql_slow;
  if (name == "nginx-access") return LogKind::nginx_access;
  if (name == "apache-access") return LogKind::apache_access;
  if (name == "raw") return LogKind::raw;
  return std::nullopt;
}

std::string_view log_kind_name(LogKind kind) {
  switch (kind) {
    case LogKind::mysql_slow: return "mysql-slow";
    case LogKind::nginx_access: return "nginx-access";
    case LogKind::apache_access: return "apache-access";
    case LogKind::raw: return "raw";
  }
  return "raw";
}

std::string_view log_kind_dataset(LogKind kind) {
  switch (kind) {
    case LogKind::mysql_slow: return "mysql.slowlog";
    case LogKind::nginx_access: return "nginx.access";
    case LogKind::apache_access: return "apache.access";
    case LogKind::raw: return "logpost.raw";
  }
  return "logpost.raw";
}

LogSplitter::LogSplitter(LogKind kind, size_t max_entry_bytes)
    : m_kind(kind), m_max(max_entry_bytes < 64 ? 64 : max_entry_bytes) {}

void LogSplitter::feed(std::string_view chunk, const EntrySink& sink) {
  if (m_kind == LogKind::mysql_slow) feed_slow(chunk, sink);
  else feed_lines(chunk, sink);
  m_fed += chunk.size();
}

// Emits m_pending[0, length) and keeps the rest. `cut` marks a piece cut at
// the size limit (more of the same entry follows).
void LogSplitter::emit_pending(size_t length, const EntrySink& sink, bool cut, bool banner) {
  if (length == 0) return;
  LogEntry e;
  e.text = std::string_view(m_pending).substr(0, length);
  e.offset = m_pending_offset;
  e.continuation = m_next_is_continuation;
  e.continues = cut;
  e.banner = banner;
  sink(e);
  m_next_is_continuation = cut;
  m_pending.erase(0, length);
  m_pending_offset += length;
}

void LogSplitter::feed_lines(std::string_view chunk, const EntrySink& sink) {
  uint64_t offset = m_fed;
  while (!chunk.empty()) {
    const char* nl = static_cast<const char*>(std::memchr(chunk.data(), '\n', chunk.size()));
    if (!nl) {
      // Partial line: keep it, cutting at the size limit.
      if (m_pending.empty()) m_pending_offset = offset;
      while (!chunk.empty()) {
        size_t room = m_max - m_pending.size();
        size_t take = chunk.size() < room ? chunk.size() : room;
        m_pending.append(chunk.data(), take);
        chunk.remove_prefix(take);
        offset += take;
        if (m_pending.size() >= m_max) emit_pending(m_pending.size(), sink, true);
      }
      return;
    }
    size_t len = static_cast<size_t>(nl - chunk.data()) + 1;
    if (m_pending.empty() && len <= m_max) {
      LogEntry e;
      e.text = chunk.substr(0, len);
      e.offset = offset;
      e.continuation = m_next_is_continuation;
      m_next_is_continuation = false;
      sink(e);
    } else {
      if (m_pending.empty()) m_pending_offset = offset;
      std::string_view line = chunk.substr(0, len);
      while (m_pending.size() + line.size() > m_max) {
        size_t take = m_max - m_pending.size();
        m_pending.append(line.data(), take);
        line.remove_prefix(take);
        emit_pending(m_pending.size(), sink, true);
      }
      m_pending.append(line);
      emit_pending(m_pending.size(), sink, false);
    }
    chunk.remove_prefix(len);
    offset += len;
  }
}

// Slow log: m_pending holds the current entry; its last line (from
// m_line_start) may be incomplete.
void LogSplitter::feed_slow(std::string_view chunk, const EntrySink& sink) {
  uint64_t offset = m_fed;
  while (!chunk.empty()) {
    if (m_pending.empty()) {
      m_pending_offset = offset;
      m_line_start = 0;
      m_pending_has_body = false;
    }
    const char* nl = static_cast<const char*>(std::memchr(chunk.data(), '\n', chunk.size()));
    size_t len = nl ? static_cast<size_t>(nl - chunk.data()) + 1 : chunk.size();
    std::string_view piece = chunk.substr(0, len);
    // Respect the size limit even inside one line.
    while (m_pending.size() + piece.size() > m_max) {
      size_t take = m_max - m_pending.size();
      m_pending.append(piece.data(), take);
      piece.remove_prefix(take);
      offset += take;
      emit_pending(m_pending.size(), sink, true);
      m_pending_offset = offset;
      m_line_start = 0;
      m_pending_has_body = true;  // a continuation never counts as only a "# Time:" line
      m_line_is_continuation = true;
    }
    m_pending.append(piece);
    offset += piece.size();
    chunk.remove_prefix(len);
    if (nl) complete_slow_line(sink);
  }
}

void LogSplitter::complete_slow_line(const EntrySink& sink) {
  std::string_view line = std::string_view(m_pending).substr(m_line_start);
  bool continuation = m_line_is_continuation;
  m_line_is_continuation = false;
  bool starts_entry = false;
  bool banner = false;
  if (!continuation) {
    if (is_banner_line(line)) {
      banner = true;
    } else if (starts_with(line, "# Time:")) {
      starts_entry = true;
    } else if (starts_with(line, "# User@Host:")) {
      // "# Time:" then "# User@Host:" is one entry; a second User@Host starts another.
      starts_entry = m_pending_has_body;
    }
  }
  if ((starts_entry || banner) && m_line_start > 0) {
    emit_pending(m_line_start, sink, false);
    m_line_start = 0;
    m_pending_has_body = false;
  }
  if (banner) {
    emit_pending(m_pending.size(), sink, false, true);
    m_line_start = 0;
    m_pending_has_body = false;
    return;
  }
  if (!starts_with(line, "# Time:")) m_pending_has_body = true;
  m_line_start = m_pending.size();
}

void LogSplitter::finish(const EntrySink& sink) {
  if (m_kind == LogKind::mysql_slow && m_line_start < m_pending.size()) {
    // A last line without newline: classify it as a complete line.
    complete_slow_line(sink);
  }
  emit_pending(m_pending.size(), sink, false);
  m_line_start = 0;
  m_pending_has_body = false;
}

}  // namespace logpost
