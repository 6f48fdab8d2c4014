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
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : m_out(out), m_pos(out.size()) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  ~JsonWriter() { finish(); }

  // Trims `out` to what was written; the writer stays usable.
  void finish() { m_out.resize(m_pos); }
  // Bytes of `out` written so far (including what it held before).
  [[nodiscard]] size_t pos() const { return m_pos; }

  // Bytes copied verbatim (the caller guarantees they are valid JSON text).
  void raw(std::string_view text) {
    std::memcpy(room(text.size()), text.data(), text.size());
    m_pos += text.size();
  }
  void raw(char c) {
    *room(1) = c;
    ++m_pos;
  }
  void string(std::string_view text);
  void value(const Value& value);
  void integer(int64_t v);
  // "YYYY-MM-DDTHH:MM:SS.mmmZ" in quotes, as format_timestamp_us() spells it.
  void timestamp(int64_t us);
  // The members of an event's document without the braces: "@timestamp"
  // first when set, then the fields in order, never "@metadata". Returns
  // whether it wrote any member.
  bool event_members(const Event& event);

 private:
  char* room(size_t n) {
    if (m_pos + n > m_out.size()) grow(n);
    return m_out.data() + m_pos;
  }
  void grow(size_t n);

  std::string& m_out;
  size_t m_pos;
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
