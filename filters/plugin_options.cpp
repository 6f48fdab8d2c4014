#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

const char* kind_name(OptionValue::Kind k) {
  switch (k) {
    case OptionValue::Kind::string: return "a string";
    case OptionValue::Kind::number: return "a number";
    case OptionValue::Kind::boolean: return "a boolean";
    case OptionValue::Kind::array: return "an array";
    case OptionValue::Kind::hash: return "a hash";
  }
  return "?";
}

}  // namespace

OptionReader::OptionReader(const PluginBlock& block, std::initializer_list<std::string_view> declared)
    : m_block(block), m_declared(declared) {}

const OptionValue* OptionReader::raw(std::string_view name) const {
  for (const auto& [key, value] : m_block.options)
    if (key == name) return &value;
  return nullptr;
}

void OptionReader::error(const SourceLocation& where, std::string message) {
  m_errors.push_back(where.to_string() + ": " + m_block.name + ": " + std::move(message));
}

void OptionReader::error(std::string_view option, std::string message) {
  const OptionValue* v = raw(option);
  error(v ? v->where : m_block.where, std::string(option) + ": " + std::move(message));
}

std::optional<std::string> OptionReader::string(std::string_view name) {
  const OptionValue* v = raw(name);
  if (!v) return std::nullopt;
  if (v->kind == OptionValue::Kind::string || v->kind == OptionValue::Kind::number) return v->string;
  if (v->kind == OptionValue::Kind::boolean) return std::string(v->boolean ? "true" : "false");
  error(name, std::string("expected a string, got ") + kind_name(v->kind));
  return std::nullopt;
}

std::optional<bool> OptionReader::boolean(std::string_view name) {
  const OptionValue* v = raw(name);
  if (!v) return std::nullopt;
  if (v->kind == OptionValue::Kind::boolean) return v->boolean;
  if (v->kind == OptionValue::Kind::string && (v->string == "true" || v->string == "false")) return v->string == "true";
  error(name, std::string("expected a boolean, got ") + kind_name(v->kind));
  return std::nullopt;
}

std::optional<double> OptionReader::number(std::string_view name) {
  const OptionValue* v = raw(name);
  if (!v) return std::nullopt;
  if (v->kind == OptionValue::Kind::number) return v->number;
  error(name, std::string("expected a number, got ") + kind_name(v->kind));
  return std::nullopt;
}

std::vector<std::string> OptionReader::string_list(std::string_view name) {
  std::vector<std::string> out;
  const OptionValue* v = raw(name);
  if (!v) return out;
  if (v->kind == OptionValue::Kind::string) {
    out.push_back(v->string);
    return out;
  }
  if (v->kind != OptionValue::Kind::array) {
    error(name, std::string("expected a string or an array of strings, got ") + kind_name(v->kind));
    return out;
  }
  for (const auto& item : v->array) {
    if (item.kind == OptionValue::Kind::string || item.kind == OptionValue::Kind::number) out.push_back(item.string);
    else error(item.where, std::string(name) + ": array items must be strings, got " + kind_name(item.kind));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> OptionReader::string_hash(std::string_view name) {
  std::vector<std::pair<std::string, std::string>> out;
  const OptionValue* v = raw(name);
  if (!v) return out;
  if (v->kind == OptionValue::Kind::array) {
    // Logstash also accepts ["k1", "v1", "k2", "v2"] for hashes.
    if (v->array.size() % 2 != 0) {
      error(name, "an array used as a hash needs an even number of items");
      return out;
    }
    for (size_t i = 0; i + 1 < v->array.size(); i += 2) out.emplace_back(v->array[i].string, v->array[i + 1].string);
    return out;
  }
  if (v->kind != OptionValue::Kind::hash) {
    error(name, std::string("expected a hash, got ") + kind_name(v->kind));
    return out;
  }
  for (const auto& [key, value] : v->hash) {
    if (value.kind == OptionValue::Kind::string || value.kind == OptionValue::Kind::number ||
        value.kind == OptionValue::Kind::boolean)
      out.emplace_back(key.string, value.kind == OptionValue::Kind::boolean ? (value.boolean ? "true" : "false")
                                                                            : value.string);
    else
      error(value.where, std::string(name) + ": values must be strings, got " + kind_name(value.kind));
  }
  return out;
}

std::vector<std::pair<std::string, std::vector<std::string>>> OptionReader::field_patterns(std::string_view name) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  const OptionValue* v = raw(name);
  if (!v) return out;
  if (v->kind == OptionValue::Kind::array) {
    if (v->array.size() < 2) {
      error(name, "expected [ \"field\", \"pattern\", ... ]");
      return out;
    }
    std::vector<std::string> patterns;
    for (size_t i = 1; i < v->array.size(); ++i) patterns.push_back(v->array[i].string);
    out.emplace_back(v->array[0].string, std::move(patterns));
    return out;
  }
  if (v->kind != OptionValue::Kind::hash) {
    error(name, std::string("expected a hash of field => pattern(s), got ") + kind_name(v->kind));
    return out;
  }
  for (const auto& [key, value] : v->hash) {
    std::vector<std::string> patterns;
    if (value.kind == OptionValue::Kind::string) {
      patterns.push_back(value.string);
    } else if (value.kind == OptionValue::Kind::array) {
      for (const auto& item : value.array) {
        if (item.kind == OptionValue::Kind::string) patterns.push_back(item.string);
        else error(item.where, std::string(name) + ": patterns must be strings");
      }
    } else {
      error(value.where, std::string(name) + ": expected a pattern or an array of patterns");
      continue;
    }
    out.emplace_back(key.string, std::move(patterns));
  }
  return out;
}

Result<void> OptionReader::finish() {
  for (const auto& [key, value] : m_block.options) {
    bool known = false;
    for (auto d : m_declared) known = known || d == key;
    if (!known) {
      std::string list;
      for (auto d : m_declared) list += (list.empty() ? "" : ", ") + std::string(d);
      m_errors.push_back(value.where.to_string() + ": " + m_block.name + ": unknown option '" + key +
                         "' (known: " + list + ")");
    }
  }
  if (m_errors.empty()) return {};
  std::string message;
  for (const auto& e : m_errors) message += (message.empty() ? "" : "\n") + e;
  return fail(ErrorCode::config, std::move(message));
}

}  // namespace logpost::filters
