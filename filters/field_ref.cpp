#include "filters/field_ref.hpp"

#include <cmath>

namespace logpost::filters {

Result<FieldRef> FieldRef::parse(std::string_view reference) {
  auto path = FieldPath::parse(reference);
  if (!path) return tl::unexpected(path.error());
  FieldRef ref;
  ref.m_path = std::move(*path);
  ref.m_text = std::string(reference);
  ref.m_timestamp = ref.m_path.is_timestamp();
  return ref;
}

const Value* FieldRef::find(const Event& event, Value& scratch) const {
  if (!m_timestamp) return event.find(m_path);
  auto ts = event.timestamp_us();
  if (!ts) return nullptr;
  scratch = Value(format_timestamp_us(*ts));
  return &scratch;
}

Value* FieldRef::find_mutable(Event& event) const { return m_timestamp ? nullptr : event.find(m_path); }

bool FieldRef::exists(const Event& event) const {
  return m_timestamp ? event.timestamp_us().has_value() : event.find(m_path) != nullptr;
}

bool FieldRef::set(Event& event, Value value) const {
  if (!m_timestamp) {
    event.set(m_path, std::move(value));
    return true;
  }
  if (value.is_string()) {
    auto us = parse_timestamp_us(value.as_string());
    if (!us) return false;
    event.set_timestamp_us(*us);
    return true;
  }
  if (value.is_number()) {
    double seconds = value.as_double();
    // Beyond ±2^53 µs a double no longer holds whole microseconds; such a
    // value is garbage rather than a timestamp.
    if (!std::isfinite(seconds) || std::fabs(seconds) > 9.0e9) return false;
    event.set_timestamp_us(static_cast<int64_t>(std::llround(seconds * 1e6)));
    return true;
  }
  return false;
}

bool FieldRef::remove(Event& event) const { return m_timestamp ? false : event.remove(m_path); }

}  // namespace logpost::filters
