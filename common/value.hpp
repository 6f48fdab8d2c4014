// value.hpp — the JSON-shaped value that events are made of.
//
// A Value is null, bool, 64-bit integer, double, string, array or object.
// Objects keep insertion order and are a flat vector of (key, value) pairs:
// log events have a handful of fields per level, where a linear scan beats a
// hash map and serialisation order stays stable (tests and golden files
// compare bytes).
//
// Thread-safety: a value type; no sharing.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace logpost {

class Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;

// An insertion-ordered object with unique keys.
class Object {
 public:
  [[nodiscard]] Value* find(std::string_view key);
  [[nodiscard]] const Value* find(std::string_view key) const;
  // The member's value; throws std::out_of_range naming the key when it is
  // absent (for callers that know it is there: tests, fixed documents).
  [[nodiscard]] const Value& at(std::string_view key) const;
  // Returns the member's value, creating it (as null) when absent.
  Value& operator[](std::string_view key);
  // Sets or replaces a member.
  Value& set(std::string_view key, Value value);
  // Appends a member the caller knows is absent (it just looked): set()
  // without its search. Adding a key twice breaks the object's invariant.
  Value& add_absent(std::string_view key, Value value);
  // The same with a null value to fill in place (Value::assign_*): no
  // temporary Value to move and destroy.
  Value& add_absent(std::string_view key);
  // Removes a member; returns whether it existed.
  bool erase(std::string_view key);

  [[nodiscard]] bool empty() const { return m_members.empty(); }
  [[nodiscard]] size_t size() const { return m_members.size(); }
  void reserve(size_t n) { m_members.reserve(n); }
  auto begin() { return m_members.begin(); }
  auto end() { return m_members.end(); }
  [[nodiscard]] auto begin() const { return m_members.begin(); }
  [[nodiscard]] auto end() const { return m_members.end(); }
  bool operator==(const Object& other) const;

 private:
  std::vector<Member> m_members;
};

class Value {
 public:
  enum class Kind { null, boolean, integer, real, string, array, object };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : m_v(b) {}
  Value(int v) : m_v(static_cast<int64_t>(v)) {}
  Value(int64_t v) : m_v(v) {}
  Value(uint64_t v) : m_v(static_cast<int64_t>(v)) {}
  Value(double v) : m_v(v) {}
  Value(const char* s) : m_v(std::string(s)) {}
  Value(std::string s) : m_v(std::move(s)) {}
  Value(std::string_view s) : m_v(std::string(s)) {}
  Value(Array a) : m_v(std::move(a)) {}
  Value(Object o) : m_v(std::move(o)) {}

  [[nodiscard]] Kind kind() const { return static_cast<Kind>(m_v.index()); }
  [[nodiscard]] bool is_null() const { return kind() == Kind::null; }
  [[nodiscard]] bool is_bool() const { return kind() == Kind::boolean; }
  [[nodiscard]] bool is_int() const { return kind() == Kind::integer; }
  [[nodiscard]] bool is_double() const { return kind() == Kind::real; }
  [[nodiscard]] bool is_number() const { return is_int() || is_double(); }
  [[nodiscard]] bool is_string() const { return kind() == Kind::string; }
  [[nodiscard]] bool is_array() const { return kind() == Kind::array; }
  [[nodiscard]] bool is_object() const { return kind() == Kind::object; }

  // Accessors: the caller checks the kind first (std::get throws otherwise).
  [[nodiscard]] bool as_bool() const { return std::get<bool>(m_v); }
  [[nodiscard]] int64_t as_int() const { return std::get<int64_t>(m_v); }
  [[nodiscard]] double as_double() const { return is_int() ? static_cast<double>(as_int()) : std::get<double>(m_v); }
  [[nodiscard]] const std::string& as_string() const { return std::get<std::string>(m_v); }
  std::string& as_string() { return std::get<std::string>(m_v); }
  [[nodiscard]] const Array& as_array() const { return std::get<Array>(m_v); }
  Array& as_array() { return std::get<Array>(m_v); }
  [[nodiscard]] const Object& as_object() const { return std::get<Object>(m_v); }
  Object& as_object() { return std::get<Object>(m_v); }

  // In-place replacement by a string, an integer or an empty object: what
  // `*this = Value(x)` does, without building, moving and destroying a
  // temporary (hot paths that store many fields per event).
  std::string& assign_string(std::string_view s) { return m_v.emplace<std::string>(s); }
  void assign_int(int64_t v) { m_v.emplace<int64_t>(v); }
  void assign_double(double v) { m_v.emplace<double>(v); }
  Object& assign_object() { return m_v.emplace<Object>(); }

  // The value as text, the way Logstash interpolates %{field}: strings as
  // they are, numbers and booleans printed, arrays and objects as JSON.
  [[nodiscard]] std::string to_text() const;

  bool operator==(const Value& other) const { return m_v == other.m_v; }

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> m_v;
};

namespace value_detail {
// Equality of n bytes at a and b with fixed-size loads for the short keys
// field names are (no call into libc's memcmp).
inline bool equal_bytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    uint64_t ah, at, bh, bt;
    std::memcpy(&ah, a, 8);
    std::memcpy(&at, a + n - 8, 8);
    std::memcpy(&bh, b, 8);
    std::memcpy(&bt, b + n - 8, 8);
    return ((ah ^ bh) | (at ^ bt)) == 0;
  }
  if (n >= 4) {
    uint32_t ah, at, bh, bt;
    std::memcpy(&ah, a, 4);
    std::memcpy(&at, a + n - 4, 4);
    std::memcpy(&bh, b, 4);
    std::memcpy(&bt, b + n - 4, 4);
    return ((ah ^ bh) | (at ^ bt)) == 0;
  }
  // n <= 3: the first, middle and last byte are all of them.
  return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}
inline bool same_key(const std::string& member, std::string_view key) {
  return member.size() == key.size() && equal_bytes(member.data(), key.data(), key.size());
}
}  // namespace value_detail

// Defined here, where Value is complete: every field access of every
// filter goes through find(), so it is inlined at the call sites.
inline Value* Object::find(std::string_view key) {
  for (auto& member : m_members)
    if (value_detail::same_key(member.first, key)) return &member.second;
  return nullptr;
}

inline const Value* Object::find(std::string_view key) const {
  for (const auto& member : m_members)
    if (value_detail::same_key(member.first, key)) return &member.second;
  return nullptr;
}

}  // namespace logpost
