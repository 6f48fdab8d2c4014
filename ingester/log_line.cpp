// log_line.cpp — logfmt lines on stderr.
#include "ingester/log_line.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>

#include "common/event.hpp"

namespace logpost::ingester {

namespace {
std::atomic<int> g_min_level{static_cast<int>(LogLevel::info)};

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

void append_value(std::string& out, std::string_view value) {
  bool quote = value.empty();
  for (unsigned char c : value)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) quote = true;
  if (!quote) {
    out += value;
    return;
  }
  out += '"';
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static constexpr char k_hex[] = "0123456789abcdef";
          out += "\\x";
          out += k_hex[c >> 4];
          out += k_hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}
}  // namespace

std::string format_log_line(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::string line = "ts=" + format_timestamp_us(now) + " level=" + level_name(level) + " event=";
  append_value(line, event);
  for (const auto& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    append_value(line, f.value);
  }
  line += '\n';
  return line;
}

void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) return;
  std::string line = format_log_line(level, event, fields);
  // One write per line so concurrent writers (and a reader tailing) never see
  // interleaved halves; a failed write to stderr has nowhere to be reported.
  ssize_t n = ::write(2, line.data(), line.size());
  (void)n;
}

void set_log_level(LogLevel level) { g_min_level.store(static_cast<int>(level), std::memory_order_relaxed); }

}  // namespace logpost::ingester
