#include "common/value.hpp"

#include <charconv>
#include <cstring>
#include <stdexcept>
#include <tuple>

#include "common/json.hpp"

namespace logpost {

const Value& Object::at(std::string_view key) const {
  if (const Value* v = find(key)) return *v;
  throw std::out_of_range("no member \"" + std::string(key) + "\"");
}

Value& Object::operator[](std::string_view key) {
  if (Value* v = find(key)) return *v;
  m_members.emplace_back(std::string(key), Value());
  return m_members.back().second;
}

Value& Object::set(std::string_view key, Value value) {
  if (Value* v = find(key)) {
    *v = std::move(value);
    return *v;
  }
  m_members.emplace_back(std::string(key), std::move(value));
  return m_members.back().second;
}

Value& Object::add_absent(std::string_view key, Value value) {
  m_members.emplace_back(std::string(key), std::move(value));
  return m_members.back().second;
}

Value& Object::add_absent(std::string_view key) {
  m_members.emplace_back(std::piecewise_construct, std::forward_as_tuple(key), std::forward_as_tuple());
  return m_members.back().second;
}

bool Object::erase(std::string_view key) {
  for (auto it = m_members.begin(); it != m_members.end(); ++it) {
    if (value_detail::same_key(it->first, key)) {
      m_members.erase(it);
      return true;
    }
  }
  return false;
}

bool Object::operator==(const Object& other) const { return m_members == other.m_members; }

std::string Value::to_text() const {
  switch (kind()) {
    case Kind::null: return "";
    case Kind::boolean: return as_bool() ? "true" : "false";
    case Kind::integer: return std::to_string(as_int());
    case Kind::real: {
      char buf[64];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, std::get<double>(m_v));
      return ec == std::errc() ? std::string(buf, ptr) : std::string("0");
    }
    case Kind::string: return as_string();
    case Kind::array:
    case Kind::object: return to_json(*this);
  }
  return "";
}

}  // namespace logpost
