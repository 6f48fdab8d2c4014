// interpolation.hpp — Logstash "sprintf" templates: "%{[a][b]} and %{name}".
//
// A Template is compiled once from an option value and rendered per event:
//   %{name} / %{[a][b]}   the field's value as text: strings as they are,
//                         numbers and booleans printed, arrays joined with ","
//                         (as Logstash does), objects as JSON;
//   %{@timestamp}         the timestamp in RFC 3339 (UTC, milliseconds);
//   %{+FORMAT}            the timestamp formatted with a Joda-style pattern,
//                         in UTC: yyyy YYYY yy MM dd HH mm ss SSS, 'literal';
//   %{+%s}                the timestamp as epoch seconds.
// A reference to an absent field (or an unset timestamp) is left in the
// output as written, e.g. "%{missing}" — Logstash's behaviour, which makes
// the miss visible downstream.
//
// Errors: compile() fails (ErrorCode::config) on an unterminated "%{", an
// empty or malformed reference ("%{[a}"), an unknown Joda letter.
// Cost: render() appends to a caller-owned string: no parsing, no allocation
// beyond the output's growth (and number formatting).
// Thread-safety: immutable after compile; render from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/event.hpp"
#include "common/result.hpp"
#include "filters/field_ref.hpp"

namespace logpost::filters {

class Template {
 public:
  Template() = default;
  static Result<Template> compile(std::string_view text);

  // True when the template has no references: literal() is the whole text.
  [[nodiscard]] bool is_constant() const { return m_parts.size() <= 1 && (m_parts.empty() || m_parts[0].kind == Kind::literal); }
  [[nodiscard]] const std::string& source() const { return m_source; }
  [[nodiscard]] const std::string& literal() const { return m_source; }

  void render(const Event& event, std::string& out) const;
  [[nodiscard]] std::string render(const Event& event) const;

 private:
  enum class Kind { literal, field, timestamp_format, epoch_seconds };
  struct FormatToken {
    char letter = 0;       // 'y', 'M', ... or 0 for literal text
    int count = 0;         // how many times the letter repeats ("yyyy" -> 4)
    std::string literal;   // letter == 0
  };
  struct Part {
    Kind kind = Kind::literal;
    std::string text;      // literal text, or the reference as written (for misses)
    FieldRef field;        // Kind::field
    std::vector<FormatToken> format;  // Kind::timestamp_format
  };
  static void render_format(const Part& part, int64_t us, std::string& out);

  std::vector<Part> m_parts;
  std::string m_source;
};

// Appends a value the way %{field} renders it.
void append_interpolated(const Value& value, std::string& out);

}  // namespace logpost::filters
