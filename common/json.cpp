#include "common/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace logpost {
namespace {

using json_detail::k_ones;
using json_detail::needs_attention;

// Length of the valid UTF-8 sequence at s[0], or 0 when it is not valid
// (overlongs, surrogates and code points above U+10FFFF are invalid).
size_t valid_utf8_length(const unsigned char* s, size_t avail) {
  unsigned char c = s[0];
  if (c < 0xC2) return 0;
  if (c < 0xE0) return avail >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && s[1] >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c < 0xF5) {
    if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0;   // overlong
    if (c == 0xF4 && s[1] >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// How many bytes form the maximal invalid subpart starting at s[0]: the lead
// byte plus the continuation bytes that could still have completed it.
size_t invalid_subpart_length(const unsigned char* s, size_t avail) {
  unsigned char c = s[0];
  size_t need = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 1;
  size_t n = 1;
  while (n < need && n < avail) {
    unsigned char lo = 0x80, hi = 0xBF;
    if (n == 1) {
      if (c == 0xE0) lo = 0xA0;
      else if (c == 0xED) hi = 0x9F;
      else if (c == 0xF0) lo = 0x90;
      else if (c == 0xF4) hi = 0x8F;
    }
    if (s[n] < lo || s[n] > hi) break;
    ++n;
  }
  return n;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : m_text(text) {}

  Result<Value> parse_document() {
    auto v = parse_value(0);
    if (!v) return v;
    skip_ws();
    if (m_pos != m_text.size()) return error("trailing characters");
    return v;
  }

 private:
  tl::unexpected<Error> error(const std::string& what) const {
    return fail(ErrorCode::data, "JSON: " + what + " at byte " + std::to_string(m_pos));
  }
  void skip_ws() {
    while (m_pos < m_text.size() &&
           (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n' || m_text[m_pos] == '\r'))
      ++m_pos;
  }
  bool consume(std::string_view word) {
    if (m_text.substr(m_pos, word.size()) == word) {
      m_pos += word.size();
      return true;
    }
    return false;
  }

  Result<Value> parse_value(int depth) {
    if (depth > 512) return error("nesting deeper than 512");
    skip_ws();
    if (m_pos >= m_text.size()) return error("unexpected end");
    char c = m_text[m_pos];
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') {
      auto s = parse_string();
      if (!s) return tl::unexpected(s.error());
      return Value(std::move(*s));
    }
    if (consume("true")) return Value(true);
    if (consume("false")) return Value(false);
    if (consume("null")) return Value();
    return parse_number();
  }

  Result<Value> parse_object(int depth) {
    ++m_pos;
    Object obj;
    skip_ws();
    if (m_pos < m_text.size() && m_text[m_pos] == '}') {
      ++m_pos;
      return Value(std::move(obj));
    }
    for (;;) {
      skip_ws();
      if (m_pos >= m_text.size() || m_text[m_pos] != '"') return error("expected a string key");
      auto key = parse_string();
      if (!key) return tl::unexpected(key.error());
      skip_ws();
      if (m_pos >= m_text.size() || m_text[m_pos] != ':') return error("expected ':'");
      ++m_pos;
      auto v = parse_value(depth + 1);
      if (!v) return v;
      obj.set(*key, std::move(*v));
      skip_ws();
      if (m_pos < m_text.size() && m_text[m_pos] == ',') {
        ++m_pos;
        continue;
      }
      if (m_pos < m_text.size() && m_text[m_pos] == '}') {
        ++m_pos;
        return Value(std::move(obj));
      }
      return error("expected ',' or '}'");
    }
  }

  Result<Value> parse_array(int depth) {
    ++m_pos;
    Array arr;
    skip_ws();
    if (m_pos < m_text.size() && m_text[m_pos] == ']') {
      ++m_pos;
      return Value(std::move(arr));
    }
    for (;;) {
      auto v = parse_value(depth + 1);
      if (!v) return v;
      arr.push_back(std::move(*v));
      skip_ws();
      if (m_pos < m_text.size() && m_text[m_pos] == ',') {
        ++m_pos;
        continue;
      }
      if (m_pos < m_text.size() && m_text[m_pos] == ']') {
        ++m_pos;
        return Value(std::move(arr));
      }
      return error("expected ',' or ']'");
    }
  }

  Result<unsigned> parse_hex4() {
    if (m_pos + 4 > m_text.size()) return error("short \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = m_text[m_pos++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else return error("bad \\u escape");
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  Result<std::string> parse_string() {
    ++m_pos;  // opening quote
    std::string out;
    for (;;) {
      size_t start = m_pos;
      while (m_pos < m_text.size() && m_text[m_pos] != '"' && m_text[m_pos] != '\\' &&
             static_cast<unsigned char>(m_text[m_pos]) >= 0x20)
        ++m_pos;
      out.append(m_text.substr(start, m_pos - start));
      if (m_pos >= m_text.size()) return error("unterminated string");
      char c = m_text[m_pos++];
      if (c == '"') return out;
      if (c != '\\') return error("control character in string");
      if (m_pos >= m_text.size()) return error("unterminated escape");
      char e = m_text[m_pos++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          auto cp = parse_hex4();
          if (!cp) return tl::unexpected(cp.error());
          unsigned code = *cp;
          if (code >= 0xD800 && code <= 0xDBFF && m_text.substr(m_pos, 2) == "\\u") {
            m_pos += 2;
            auto lo = parse_hex4();
            if (!lo) return tl::unexpected(lo.error());
            if (*lo >= 0xDC00 && *lo <= 0xDFFF) code = 0x10000 + ((code - 0xD800) << 10) + (*lo - 0xDC00);
            else code = 0xFFFD;
          } else if (code >= 0xD800 && code <= 0xDFFF) {
            code = 0xFFFD;  // lone surrogate
          }
          append_utf8(out, code);
          break;
        }
        default: return error("bad escape");
      }
    }
  }

  Result<Value> parse_number() {
    size_t start = m_pos;
    bool is_float = false;
    if (m_pos < m_text.size() && m_text[m_pos] == '-') ++m_pos;
    while (m_pos < m_text.size()) {
      char c = m_text[m_pos];
      if (c >= '0' && c <= '9') {
        ++m_pos;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        is_float = true;
        ++m_pos;
      } else {
        break;
      }
    }
    std::string_view num = m_text.substr(start, m_pos - start);
    if (num.empty() || num == "-") return error("unexpected character");
    if (!is_float) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
      if (ec == std::errc() && ptr == num.data() + num.size()) return Value(v);
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), d);
    if (ec != std::errc() || ptr != num.data() + num.size()) return error("bad number");
    return Value(d);
  }

  std::string_view m_text;
  size_t m_pos = 0;
};

}  // namespace

void JsonWriter::grow(size_t n) {
  // resize() zero-fills what it adds (std::string has no way around it), so
  // the slack is modest: x1.5 for big bodies, 256 bytes for one document
  // written into a cleared string (capacity is kept: no allocation).
  size_t written = pos();
  m_out.resize(std::max(m_out.size() + m_out.size() / 2, written + n + 256));
  m_cur = m_out.data() + written;
  m_end = m_out.data() + m_out.size();
}

namespace {

#if defined(__SSE2__)
// Bit i set when byte i of the 16 at p needs more than a copy (see
// needs_attention): a signed compare catches both controls (< 0x20) and
// bytes >= 0x80, which are negative as signed chars.
inline unsigned attention_mask16(const unsigned char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i special = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
  special = _mm_or_si128(special, _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
  return static_cast<unsigned>(_mm_movemask_epi8(special));
}
#endif

// Writes the escaped form of the byte(s) at p (p < end; *p needs attention)
// to d; returns the new d and advances p.
inline char* escape_one(const unsigned char*& p, const unsigned char* end, char* d) {
  unsigned char c = *p;
  if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
    *d++ = static_cast<char>(c);
    ++p;
    return d;
  }
  if (c < 0x80) {
    *d++ = '\\';
    switch (c) {
      case '"': *d++ = '"'; break;
      case '\\': *d++ = '\\'; break;
      case '\n': *d++ = 'n'; break;
      case '\r': *d++ = 'r'; break;
      case '\t': *d++ = 't'; break;
      case '\b': *d++ = 'b'; break;
      case '\f': *d++ = 'f'; break;
      default: {
        static const char hex[] = "0123456789abcdef";
        *d++ = 'u';
        *d++ = '0';
        *d++ = '0';
        *d++ = hex[c >> 4];
        *d++ = hex[c & 15];
      }
    }
    ++p;
    return d;
  }
  size_t avail = static_cast<size_t>(end - p);
  if (size_t len = valid_utf8_length(p, avail)) {
    std::memcpy(d, p, len);
    d += len;
    p += len;
  } else {
    std::memcpy(d, "\xEF\xBF\xBD", 3);  // U+FFFD
    d += 3;
    p += invalid_subpart_length(p, avail);
  }
  return d;
}

}  // namespace

void JsonWriter::long_string(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  raw('"');
  const unsigned char* const end = p + n;
  while (p < end) {
    // Chunks bound the room reserved for the worst case (six output bytes
    // per input byte: \u00XX) whatever the string's size; a UTF-8 sequence
    // may run past `stop` (not past `end`), at most six bytes per started
    // input byte still hold.
    const unsigned char* const stop = p + std::min<size_t>(static_cast<size_t>(end - p), 4096);
    char* const base = room(6 * static_cast<size_t>(stop - p) + 16);
    char* d = base;
    while (p < stop) {
#if defined(__SSE2__)
      while (stop - p >= 16) {
        unsigned mask = attention_mask16(p);
        if (mask != 0) {
          auto clean = static_cast<size_t>(__builtin_ctz(mask));
          std::memcpy(d, p, 16);  // the clean prefix; the rest is rewritten
          p += clean;
          d += clean;
          d = escape_one(p, end, d);
          continue;
        }
        std::memcpy(d, p, 16);
        p += 16;
        d += 16;
      }
      // The last < 16 bytes of a long string: test the final 16 bytes of
      // the chunk as one block. When all are clean, the ones already done
      // were copied verbatim too, so the block lands right behind them.
      if (p < stop && stop - p < 16 && n >= 16 && stop == end) {
        const unsigned char* last = end - 16;
        if (attention_mask16(last) == 0) {
          auto done = static_cast<size_t>(p - last);
          std::memcpy(d - done, last, 16);
          d += 16 - done;
          p = end;
          break;
        }
      }
#endif
      while (stop - p >= 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        if (needs_attention(word)) break;
        std::memcpy(d, p, 8);
        p += 8;
        d += 8;
      }
      if (p >= stop) break;
      d = escape_one(p, end, d);
    }
    m_cur += d - base;
  }
  raw('"');
}

void JsonWriter::integer(int64_t v) {
  char* d = room(24);
  auto [ptr, ec] = std::to_chars(d, d + 24, v);
  m_cur = ptr;
}

void JsonWriter::timestamp(int64_t us) {
  char* d = room(48);
  d[0] = '"';
  size_t n = format_timestamp_us(us, d + 1);
  d[n + 1] = '"';
  m_cur += n + 2;
}

void JsonWriter::real(double v) {
  if (!std::isfinite(v)) {
    raw("null");
    return;
  }
  char* out = room(68);
  // Fast path for the common case (coordinates, seconds, ratios): a value
  // in [0.001, 1e7) with at most 8 decimals. The smallest k for which
  // m = round(|v|·10^k) gives m / 10^k == |v| exactly (one correctly
  // rounded division) is the shortest decimal that reads back as v; in
  // this range 10^k·ulp(v) < 0.1, so m is the only candidate with k
  // decimals, which is also the one std::to_chars picks, and fixed
  // notation is never longer than scientific there. The differential test
  // in json_test compares both on random values.
  double magnitude = std::fabs(v);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    static constexpr double k_scale[] = {1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    static constexpr uint64_t k_iscale[] = {10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    for (int k = 0; k < 8; ++k) {
      double m = std::nearbyint(magnitude * k_scale[k]);
      if (m / k_scale[k] != magnitude) continue;
      auto digits = static_cast<uint64_t>(m);
      uint64_t whole = digits / k_iscale[k];
      uint64_t fraction = digits % k_iscale[k];
      if (fraction == 0) break;  // integral after all: leave it to to_chars
      char* d = out;
      if (v < 0) *d++ = '-';
      d = std::to_chars(d, d + 24, whole).ptr;
      *d++ = '.';
      int places = k + 1;
      for (int i = places - 1; i >= 0; --i) {
        d[i] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
      }
      d += places;
      // Trailing zeros cannot occur: a shorter k would have matched.
      m_cur = d;
      return;
    }
  }
  auto [ptr, ec] = std::to_chars(out, out + 64, v);
  std::string_view text(out, static_cast<size_t>(ptr - out));
  m_cur = ptr;
  // Keep doubles recognisable as floating point (1.0, not 1), so a
  // round trip through JSON preserves the kind.
  if (text.find_first_of(".eE") == std::string_view::npos) raw(".0");
}

void JsonWriter::value(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::null: raw("null"); return;
    case Value::Kind::boolean: raw(value.as_bool() ? std::string_view("true") : std::string_view("false")); return;
    case Value::Kind::integer: integer(value.as_int()); return;
    case Value::Kind::real: real(value.as_double()); return;
    case Value::Kind::string: string(value.as_string()); return;
    case Value::Kind::array: {
      raw('[');
      bool first = true;
      for (const auto& item : value.as_array()) {
        if (!first) raw(',');
        first = false;
        this->value(item);
      }
      raw(']');
      return;
    }
    case Value::Kind::object: {
      raw('{');
      bool first = true;
      for (const auto& [key, item] : value.as_object()) {
        member_name(key, first);
        first = false;
        this->value(item);
      }
      raw('}');
      return;
    }
  }
}

bool JsonWriter::event_members(const Event& event) {
  bool first = true;
  if (auto ts = event.timestamp_us()) {
    raw("\"@timestamp\":");
    timestamp(*ts);
    first = false;
  }
  for (const auto& [key, item] : event.fields()) {
    // First-byte test before the comparisons: this loop runs per field.
    if (!key.empty() && key[0] == '@' && (key == "@metadata" || key == "@timestamp")) continue;
    member_name(key, first);
    first = false;
    value(item);
  }
  return !first;
}

void append_json_string(std::string& out, std::string_view text) { JsonWriter(out).string(text); }

void append_json(std::string& out, const Value& value) { JsonWriter(out).value(value); }

void append_json(std::string& out, const Event& event) {
  JsonWriter w(out);
  w.raw('{');
  w.event_members(event);
  w.raw('}');
}

std::string to_json(const Value& value) {
  std::string out;
  append_json(out, value);
  return out;
}

std::string to_json(const Event& event) {
  std::string out;
  append_json(out, event);
  return out;
}

Result<Value> parse_json(std::string_view text) { return Parser(text).parse_document(); }

Result<Event> event_from_json(std::string_view text) {
  auto v = parse_json(text);
  if (!v) return tl::unexpected(v.error());
  if (!v->is_object()) return fail(ErrorCode::data, "JSON event: not an object");
  Event event;
  for (auto& [key, item] : v->as_object()) {
    if (key == "@timestamp" && item.is_string()) {
      auto ts = parse_timestamp_us(item.as_string());
      if (!ts) return tl::unexpected(ts.error());
      event.set_timestamp_us(*ts);
      continue;
    }
    event.fields().set(key, std::move(item));
  }
  return event;
}

}  // namespace logpost
