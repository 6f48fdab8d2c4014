// field_ref.hpp — a field reference as the filter engine uses it: a FieldPath
// parsed once at build time, plus the special case of @timestamp.
//
// "[a][b]" and "name" address event fields (common/event.hpp). "@timestamp"
// is not a field but the event's typed timestamp: reading it yields its
// RFC 3339 text ("2024-05-01T12:00:00.000Z"), writing it parses RFC 3339 text
// (or takes a number of seconds since the epoch); it cannot be removed.
// Everything under "@metadata" is an ordinary field that sinks never store.
//
// Errors: parse() fails (ErrorCode::config) on "", "[a", "[]".
// Cost: find/set walk one object per segment (linear scan of a few members);
// no parsing, no allocation except for @timestamp reads and new fields.
// Thread-safety: immutable after parse; use from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/event.hpp"
#include "common/result.hpp"
#include "common/value.hpp"

namespace logpost::filters {

class FieldRef {
 public:
  FieldRef() = default;
  static Result<FieldRef> parse(std::string_view reference);

  [[nodiscard]] bool is_timestamp() const { return m_timestamp; }
  [[nodiscard]] const FieldPath& path() const { return m_path; }
  // The reference as written ("[a][b]", "name").
  [[nodiscard]] const std::string& text() const { return m_text; }

  // The field's value, or null when absent. For @timestamp the formatted
  // text is built into `scratch` and a pointer to it returned.
  const Value* find(const Event& event, Value& scratch) const;
  // Mutable access to a real field (null for @timestamp or when absent).
  Value* find_mutable(Event& event) const;
  [[nodiscard]] bool exists(const Event& event) const;
  // Sets the field; for @timestamp the value must be RFC 3339 text or a
  // number of epoch seconds, else nothing changes and false is returned.
  bool set(Event& event, Value value) const;
  // Removes the field; false when absent (always false for @timestamp).
  bool remove(Event& event) const;

 private:
  FieldPath m_path;
  std::string m_text;
  bool m_timestamp = false;
};

}  // namespace logpost::filters
