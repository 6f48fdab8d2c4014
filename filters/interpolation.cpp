#include "filters/interpolation.hpp"

#include <chrono>
#include <cstdio>

#include "common/json.hpp"

namespace logpost::filters {
namespace {

void append_padded(std::string& out, int64_t value, int width) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(value));
  if (n > 0) out.append(buf, static_cast<size_t>(n));
}

}  // namespace

void append_interpolated(const Value& value, std::string& out) {
  switch (value.kind()) {
    case Value::Kind::string: out += value.as_string(); return;
    case Value::Kind::array: {
      // Logstash joins arrays with "," in sprintf, not JSON.
      bool first = true;
      for (const auto& item : value.as_array()) {
        if (!first) out += ',';
        first = false;
        append_interpolated(item, out);
      }
      return;
    }
    case Value::Kind::object: append_json(out, value); return;
    default: out += value.to_text(); return;
  }
}

Result<Template> Template::compile(std::string_view text) {
  Template t;
  t.m_source = std::string(text);
  std::string literal;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '%' || i + 1 >= text.size() || text[i + 1] != '{') {
      literal += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos)
      return fail(ErrorCode::config, "template '" + std::string(text) + "': unterminated '%{'");
    std::string_view ref = text.substr(i + 2, close - i - 2);
    // "%{[a][b]}" contains no '}' so find() above is exact.
    if (ref.empty()) return fail(ErrorCode::config, "template '" + std::string(text) + "': empty reference '%{}'");
    if (!literal.empty()) {
      t.m_parts.push_back(Part{Kind::literal, std::move(literal), {}, {}});
      literal.clear();
    }
    Part part;
    part.text = std::string(text.substr(i, close - i + 1));
    if (ref.front() == '+') {
      std::string_view fmt = ref.substr(1);
      if (fmt == "%s") {
        part.kind = Kind::epoch_seconds;
      } else {
        part.kind = Kind::timestamp_format;
        size_t j = 0;
        while (j < fmt.size()) {
          char c = fmt[j];
          if (c == '\'') {
            size_t end = fmt.find('\'', j + 1);
            if (end == std::string_view::npos)
              return fail(ErrorCode::config, "template '" + std::string(text) + "': unterminated quote in date format");
            // '' is a literal quote in Joda.
            FormatToken tok;
            tok.literal = end == j + 1 ? std::string("'") : std::string(fmt.substr(j + 1, end - j - 1));
            part.format.push_back(std::move(tok));
            j = end + 1;
          } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            if (std::string_view("yYMdHmsS").find(c) == std::string_view::npos)
              return fail(ErrorCode::config, "template '" + std::string(text) + "': unsupported date format letter '" +
                                                 std::string(1, c) + "' (supported: yyyy YYYY yy MM dd HH mm ss SSS)");
            int count = 0;
            while (j < fmt.size() && fmt[j] == c) ++count, ++j;
            part.format.push_back(FormatToken{c, count, {}});
          } else {
            FormatToken tok;
            tok.literal = std::string(1, c);
            part.format.push_back(std::move(tok));
            ++j;
          }
        }
      }
    } else {
      auto field = FieldRef::parse(ref);
      if (!field) return fail(ErrorCode::config, "template '" + std::string(text) + "': " + field.error().message);
      part.kind = Kind::field;
      part.field = std::move(*field);
    }
    t.m_parts.push_back(std::move(part));
    i = close + 1;
  }
  if (!literal.empty()) t.m_parts.push_back(Part{Kind::literal, std::move(literal), {}, {}});
  return t;
}

void Template::render_format(const Part& part, int64_t us, std::string& out) {
  using namespace std::chrono;
  int64_t secs = us / 1'000'000;
  int64_t frac = us % 1'000'000;
  if (frac < 0) frac += 1'000'000, secs -= 1;
  sys_seconds tp{seconds(secs)};
  sys_days day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss<seconds> hms{tp - day};
  for (const auto& tok : part.format) {
    switch (tok.letter) {
      case 0: out += tok.literal; break;
      case 'y':
      case 'Y':
        if (tok.count == 2) append_padded(out, static_cast<int>(ymd.year()) % 100, 2);
        else append_padded(out, static_cast<int>(ymd.year()), tok.count);
        break;
      case 'M': append_padded(out, static_cast<unsigned>(ymd.month()), tok.count); break;
      case 'd': append_padded(out, static_cast<unsigned>(ymd.day()), tok.count); break;
      case 'H': append_padded(out, hms.hours().count(), tok.count); break;
      case 'm': append_padded(out, hms.minutes().count(), tok.count); break;
      case 's': append_padded(out, hms.seconds().count(), tok.count); break;
      case 'S': {
        // Fraction of second, truncated to `count` digits.
        char digits[7];
        std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(frac));
        for (int k = 0; k < tok.count; ++k) out += k < 6 ? digits[k] : '0';
        break;
      }
      default: break;
    }
  }
}

void Template::render(const Event& event, std::string& out) const {
  Value scratch;
  for (const auto& part : m_parts) {
    switch (part.kind) {
      case Kind::literal: out += part.text; break;
      case Kind::field: {
        const Value* v = part.field.find(event, scratch);
        if (v) append_interpolated(*v, out);
        else out += part.text;
        break;
      }
      case Kind::timestamp_format:
        if (auto ts = event.timestamp_us()) render_format(part, *ts, out);
        else out += part.text;
        break;
      case Kind::epoch_seconds:
        if (auto ts = event.timestamp_us()) {
          int64_t s = *ts / 1'000'000 - (*ts % 1'000'000 < 0 ? 1 : 0);
          out += std::to_string(s);
        } else {
          out += part.text;
        }
        break;
    }
  }
}

std::string Template::render(const Event& event) const {
  if (is_constant()) return m_source;
  std::string out;
  render(event, out);
  return out;
}

}  // namespace logpost::filters
