// json.hpp — JSON encoding of values and events, and a strict parser.
//
// Encoding is deterministic and total: any bytes encode. Strings are UTF-8;
// each byte sequence that is not valid UTF-8 is replaced by U+FFFD, one
// replacement per maximal invalid subpart (the Unicode "best practice"), so
// the same input always produces the same document and Elasticsearch never
// rejects a document for its encoding. Control characters are escaped.
// Non-finite doubles encode as null.
//
// Events encode as {"@timestamp": ..., <fields in order>} without
// "@metadata"; "@timestamp" is omitted when unset.
//
// Cost: encoding appends to a caller-owned buffer, one pass, no allocation
// beyond the buffer's growth; strings are scanned a word at a time.
// Parsing is recursive descent with a depth limit of 512.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/event.hpp"
#include "common/result.hpp"
#include "common/value.hpp"

namespace logpost {

// A JSON writer appending to a caller-owned string through a raw cursor:
// the encoder of every document logpost emits (append_json below, the
// Elasticsearch bulk body, the SQLite store, logpost-pipeline), so its
// bytes are the same everywhere. Strings are scanned eight bytes at a time
// (plain ASCII is copied as is); escapes and UTF-8 validation follow the
// rules above. The string may be longer than what was written while the
// writer lives; the destructor (or finish()) trims it to the bytes written.
// Do not touch `out` through other means while a writer on it is alive.
namespace json_detail {
inline constexpr uint64_t k_ones = 0x0101010101010101ULL;
// Whether any of the eight bytes in x needs more than a copy: a control
// character (< 0x20), '"', '\\' or a byte of a multi-byte UTF-8 sequence
// (>= 0x80). The classic "has a byte less than n" and "has a zero byte"
// word tricks: exact as a yes/no answer for the whole word.
inline bool needs_attention(uint64_t x) {
  uint64_t control = (x - k_ones * 0x20) & ~x;
  uint64_t q = x ^ (k_ones * '"');
  uint64_t quote = (q - k_ones) & ~q;
  uint64_t b = x ^ (k_ones * '\\');
  uint64_t backslash = (b - k_ones) & ~b;
  return ((control | quote | backslash | x) & (k_ones * 0x80)) != 0;
}
}  // namespace json_detail

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : m_out(out), m_cur(out.data() + out.size()), m_end(m_cur) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  ~JsonWriter() { finish(); }

  // Trims `out` to what was written; the writer stays usable.
  void finish() {
    size_t written = pos();
    m_out.resize(written);
    m_cur = m_out.data() + written;
    m_end = m_cur;
  }
  // Bytes of `out` written so far (including what it held before).
  [[nodiscard]] size_t pos() const { return static_cast<size_t>(m_cur - m_out.data()); }

  // Bytes copied verbatim (the caller guarantees they are valid JSON text).
  void raw(std::string_view text) {
    std::memcpy(room(text.size()), text.data(), text.size());
    m_cur += text.size();
  }
  void raw(char c) {
    *room(1) = c;
    ++m_cur;
  }
  // Short clean strings (keys, methods, codes: most strings of a document)
  // are written inline; the rest goes through the scanning loop.
  [[gnu::always_inline]] void string(std::string_view text) {
    if (text.size() > 16 || !short_string(text)) long_string(text);
  }
  void value(const Value& value);
  void integer(int64_t v);
  // A double as the shortest text that reads back as the same double
  // (std::to_chars), with ".0" added to integral values so they stay
  // recognisably floating point; non-finite values as null.
  void real(double v);
  // "YYYY-MM-DDTHH:MM:SS.mmmZ" in quotes, as format_timestamp_us() spells it.
  void timestamp(int64_t us);
  // The members of an event's document without the braces: "@timestamp"
  // first when set, then the fields in order, never "@metadata". Returns
  // whether it wrote any member.
  bool event_members(const Event& event);

 private:
  char* room(size_t n) {
    if (static_cast<size_t>(m_end - m_cur) < n) grow(n);
    return m_cur;
  }
  void grow(size_t n);
  // Writes text (at most 16 bytes) quoted when no byte needs escaping,
  // with `before` / `after` (when not 0) around it: ',' and ':' for a
  // member's name, so a name costs one room check. Returns false (writing
  // nothing) otherwise. Fixed-size loads and stores only: a variable-length
  // memcpy is a call into libc.
  [[gnu::always_inline]] bool short_string(std::string_view text, char before = 0, char after = 0) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    char* d = room(n + 4 + 8);
    if (before) *d++ = before;
    if (n >= 8) {
      uint64_t head, tail;
      std::memcpy(&head, p, 8);
      std::memcpy(&tail, p + n - 8, 8);
      if (json_detail::needs_attention(head) || json_detail::needs_attention(tail)) return false;
      d[0] = '"';
      std::memcpy(d + 1, &head, 8);
      std::memcpy(d + 1 + n - 8, &tail, 8);
    } else {
      // The n bytes padded with 'a' (a byte that needs nothing), built from
      // overlapping loads that stay inside the string.
      uint64_t word = 0;
      if (n >= 4) {
        uint32_t lo, hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + n - 4, 4);
        word = lo | (static_cast<uint64_t>(hi) << (8 * (n - 4)));
      } else if (n > 0) {
        word = static_cast<uint64_t>(p[0]) | (static_cast<uint64_t>(p[n / 2]) << (8 * (n / 2))) |
               (static_cast<uint64_t>(p[n - 1]) << (8 * (n - 1)));
      }
      word |= (json_detail::k_ones * 'a') & ~((uint64_t{1} << (8 * n)) - 1);
      if (json_detail::needs_attention(word)) return false;
      d[0] = '"';
      std::memcpy(d + 1, &word, 8);  // the padding lands in reserved room
    }
    d[n + 1] = '"';
    d += n + 2;
    if (after) *d++ = after;
    m_cur = d;
    return true;
  }
  // A member's name: ',' unless first, the quoted name, ':'.
  [[gnu::always_inline]] void member_name(std::string_view name, bool first) {
    if (name.size() <= 16 && short_string(name, first ? 0 : ',', ':')) return;
    if (!first) raw(',');
    long_string(name);
    raw(':');
  }
  void long_string(std::string_view text);

  std::string& m_out;
  char* m_cur;  // next byte to write, inside m_out's buffer
  char* m_end;  // end of m_out's buffer (its size(), not its capacity)
};

void append_json_string(std::string& out, std::string_view text);
void append_json(std::string& out, const Value& value);
void append_json(std::string& out, const Event& event);

std::string to_json(const Value& value);
std::string to_json(const Event& event);

// Strict RFC 8259 parser; errors name the byte offset.
Result<Value> parse_json(std::string_view text);

// Builds an Event from a JSON object; "@timestamp" (an RFC 3339 string)
// becomes the event's timestamp.
Result<Event> event_from_json(std::string_view text);

}  // namespace logpost
