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
// beyond the buffer's growth. Parsing is recursive descent with a depth
// limit of 512.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/event.hpp"
#include "common/result.hpp"
#include "common/value.hpp"

namespace logpost {

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
