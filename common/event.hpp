// event.hpp — one log event as filters and sinks see it.
//
// An Event is an ordered object of fields plus a typed @timestamp with
// microsecond precision (Unix epoch, UTC). Tags live in the "tags" field, an
// array of strings, as in Logstash. Fields under "@metadata" travel with the
// event through the pipeline but are never serialised or stored.
//
// Field references use Logstash syntax: "[a][b]" is field b inside object a;
// a bare "name" is a top-level field (a dot is part of the name, not a path).
// FieldPath parses a reference once, when a pipeline is built, so the
// per-event path does no parsing.
//
// Thread-safety: value type; an event belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/value.hpp"

namespace logpost {

class FieldPath {
 public:
  FieldPath() = default;
  // "[a][b]", "a", "[a]" -> path; "" or "[a" are errors.
  static Result<FieldPath> parse(std::string_view reference);
  // A top-level field name taken literally (no bracket parsing).
  static FieldPath top(std::string_view name);

  [[nodiscard]] const std::vector<std::string>& segments() const { return m_segments; }
  [[nodiscard]] bool is_timestamp() const { return m_segments.size() == 1 && m_segments[0] == "@timestamp"; }
  [[nodiscard]] std::string to_string() const;  // canonical "[a][b]"
  bool operator==(const FieldPath& other) const = default;

 private:
  std::vector<std::string> m_segments;
};

class Event {
 public:
  Event() = default;
  explicit Event(std::string message);

  // Field access through a path. find() returns null when any segment is
  // missing or a non-object stands in the way.
  [[nodiscard]] const Value* find(const FieldPath& path) const;
  Value* find(const FieldPath& path);
  // Sets a field, creating (or replacing non-object) parents as needed.
  Value& set(const FieldPath& path, Value value);
  // The field's value for writing in place (Value::assign_*): the existing
  // one, or a new null member, parents made (or replaced) as set() does.
  // set(path, v) is slot(path) = v without a temporary passed down.
  Value& slot(const FieldPath& path);
  // The object holding the path's last segment, made like slot() makes
  // parents (for a caller writing several siblings: one walk for all).
  Object& parent_of(const FieldPath& path);
  // Removes a field; returns whether it existed.
  bool remove(const FieldPath& path);

  // Shorthands for top-level fields.
  [[nodiscard]] const Value* get(std::string_view top_level_name) const { return m_fields.find(top_level_name); }
  Value& set(std::string_view top_level_name, Value value) { return m_fields.set(top_level_name, std::move(value)); }

  // The "message" field as text, or "" when absent or not a string.
  [[nodiscard]] std::string_view message() const;

  void add_tag(std::string_view tag);       // no duplicates
  bool remove_tag(std::string_view tag);
  [[nodiscard]] bool has_tag(std::string_view tag) const;

  // Microseconds since the Unix epoch, UTC; nullopt until something sets it.
  [[nodiscard]] std::optional<int64_t> timestamp_us() const { return m_timestamp_us; }
  void set_timestamp_us(int64_t us) { m_timestamp_us = us; }

  [[nodiscard]] const Object& fields() const { return m_fields; }
  Object& fields() { return m_fields; }

  // The deterministic id sinks index on (see ingester): empty until assigned.
  [[nodiscard]] const std::string& id() const { return m_id; }
  void set_id(std::string id) { m_id = std::move(id); }

  bool operator==(const Event& other) const = default;

 private:
  Object m_fields;
  std::optional<int64_t> m_timestamp_us;
  std::string m_id;
};

// "2024-05-01T12:00:00.123Z" (milliseconds when the sub-millisecond part is
// zero, else microseconds: "…00.123456Z"). Years 0000-9999.
std::string format_timestamp_us(int64_t us);
// The same into buf (room for 40 bytes); returns the length written.
size_t format_timestamp_us(int64_t us, char* buf);
// Parses an RFC 3339 / ISO 8601 UTC or offset timestamp into microseconds.
Result<int64_t> parse_timestamp_us(std::string_view text);

}  // namespace logpost
