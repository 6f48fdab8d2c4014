// date_format.hpp — the date filter's formats: Joda-style patterns plus the
// named formats ISO8601, UNIX, UNIX_MS and TAI64N, compiled once and parsed
// per event into microseconds since the Unix epoch (UTC).
//
// Joda letters: y Y (year; "yy" is two digits, placed in [now - 80, now + 19]
// as Joda does), M (1-2 digits; MMM/MMMM month names, short or full, either accepted),
// d, D (day of year), H (0-23), k (1-24), h (1-12), K (0-11), m, s,
// S (fraction of a second: up to 9 digits, kept to the microsecond),
// a (AM/PM), E (day name, checked and ignored), e (day number, ignored),
// Z / ZZ (offset: Z, +HH, +HHMM, +HH:MM), ZZZ (zone id, "Europe/Paris"),
// z (UTC, GMT, UT and the North American abbreviations). 'text' is literal,
// '' a quote; other non-letters are literal. Numeric fields take as many
// digits as they can, except before another numeric field, where they take
// exactly their letter count ("yyyyMMdd").
//
// Named formats:
//   ISO8601  [+-]YYYY[-MM[-DD]][(T|' ')HH[:mm[:ss[(.|,)fraction]]]][Z|+HH[[:]MM]]
//   UNIX     seconds with an optional fraction; values beyond 2^31-1 seconds
//            are refused (as Logstash does), so ["UNIX", "UNIX_MS"] tells
//            seconds from milliseconds
//   UNIX_MS  integer milliseconds
//   TAI64N   "@" + 24 hex digits (TAI64 label and nanoseconds), TAI-10s = UTC
//
// Time zones. A parsed offset or zone id wins. Otherwise the local time is
// resolved in the filter's time zone (IANA name, OS tz database): in a DST
// overlap the earlier instant (the first occurrence) is taken; a local time
// inside a DST gap does not exist and fails to parse, as in Logstash (Joda).
//
// Missing fields default to January, the 1st, 00:00:00.000000. A format
// without a year takes the current year, unless that puts the date more than
// one day in the future, then the previous year: syslog lines from December
// read in January land in December of the year before.
//
// Locales: en, fr, de, es, it, nl, pt (language part of "fr-FR", "fr_FR").
//
// Errors: compile() fails (ErrorCode::config) on an unknown letter or named
// format, an unterminated quote, an unsupported locale. parse() returns
// nullopt when the text does not match (the filter tags the event).
// Cost: parse() is one pass over the text, no allocation; a time-zone
// lookup (binary search in the zone's transitions) for local times.
// Thread-safety: immutable after compile; parse from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace date {
class time_zone;
}

namespace logpost::filters {

struct DateLocale {
  std::string_view tag;
  std::string_view months_full[12];
  std::string_view months_short[12];
  std::string_view days_full[7];   // Monday first
  std::string_view days_short[7];
  std::string_view am;
  std::string_view pm;

  // "en", "en-US", "fr_FR" -> the locale of the language; null if unknown.
  static const DateLocale* find(std::string_view tag);
  static const DateLocale& english();
};

class DateFormat {
 public:
  static Result<DateFormat> compile(std::string_view format, const DateLocale& locale);

  // Parses the whole of `text`. `zone` resolves local times (null: UTC);
  // `now_us` anchors two-digit and missing years.
  [[nodiscard]] std::optional<int64_t> parse(std::string_view text, const date::time_zone* zone, int64_t now_us) const;

  [[nodiscard]] const std::string& source() const { return m_source; }
  // Whether parse() reads now_us: formats without a year or with a
  // two-digit one. The others are pure functions of (text, zone).
  [[nodiscard]] bool uses_clock() const;

 private:
  enum class Kind { joda, iso8601, unix_seconds, unix_ms, tai64n };
  struct Token {
    char letter = 0;  // 0: literal
    int count = 0;
    int max_digits = 0;
    std::string literal;
  };
  std::optional<int64_t> parse_joda(std::string_view text, const date::time_zone* zone, int64_t now_us) const;

  Kind m_kind = Kind::joda;
  std::string m_source;
  std::vector<Token> m_tokens;
  const DateLocale* m_locale = nullptr;
  bool m_has_year = false;
};

// Local civil time -> UTC microseconds in `zone` (null: UTC); nullopt in a
// DST gap. Shared by the date parser and tests.
std::optional<int64_t> local_to_utc_us(int year, unsigned month, unsigned day, int64_t us_of_day,
                                       const date::time_zone* zone);

}  // namespace logpost::filters
