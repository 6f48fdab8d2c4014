// log_line.hpp — logpost-ingest's diagnostics: one event per line on stderr,
// key=value pairs (logfmt), so `grep`, `awk` and log shippers parse them.
//
//   ts=2026-11-21T06:25:01.123Z level=warn event=mail_quarantined mail=1763.M1P2.rx reason="bad gzip: ..."
//
// Values that contain a space, '"', '=' or a control byte are quoted with
// backslash escapes; every other byte passes through.
// Thread-safety: each line is written with one write(2) call.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace logpost::ingester {

enum class LogLevel { debug, info, warn, error };

struct LogField {
  std::string_view key;
  std::string value;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, int64_t v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, unsigned v) : key(k), value(std::to_string(v)) {}
};

// Formats one line (without writing it): used by log_event and tests.
std::string format_log_line(LogLevel level, std::string_view event, std::initializer_list<LogField> fields);
void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});
// Lines below `level` are dropped (default: info).
void set_log_level(LogLevel level);

}  // namespace logpost::ingester
