#include "common/config.hpp"

#include <charconv>
#include <cstdlib>
#include <iostream>

#include "common/atomic_file.hpp"

namespace logpost {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Does `name` match the declared `pattern` (one optional '*' segment)?
bool name_matches(std::string_view pattern, std::string_view name, std::string_view* wildcard = nullptr) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == name;
  std::string_view prefix = pattern.substr(0, star);
  std::string_view suffix = pattern.substr(star + 1);
  if (name.size() <= prefix.size() + suffix.size()) return false;
  if (name.substr(0, prefix.size()) != prefix) return false;
  if (name.substr(name.size() - suffix.size()) != suffix) return false;
  std::string_view middle = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  for (char c : middle)
    if (!is_identifier_char(c)) return false;
  if (wildcard) *wildcard = middle;
  return true;
}

Result<int64_t> parse_int(std::string_view text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty())
    return fail(ErrorCode::config, "'" + std::string(text) + "' is not an integer");
  return v;
}

Result<void> validate(const ConfigKey& key, std::string_view value) {
  switch (key.type) {
    case ConfigType::string:
    case ConfigType::path:
    case ConfigType::list:
      return {};
    case ConfigType::integer:
      if (auto r = parse_int(value); !r) return tl::unexpected(r.error());
      return {};
    case ConfigType::boolean:
      if (auto r = parse_bool(value); !r) return tl::unexpected(r.error());
      return {};
    case ConfigType::size:
      if (auto r = parse_size(value); !r) return tl::unexpected(r.error());
      return {};
    case ConfigType::duration:
      if (auto r = parse_duration(value); !r) return tl::unexpected(r.error());
      return {};
    case ConfigType::choice: {
      std::string_view rest = key.choices;
      while (true) {
        size_t bar = rest.find('|');
        if (rest.substr(0, bar) == value) return {};
        if (bar == std::string_view::npos) break;
        rest.remove_prefix(bar + 1);
      }
      return fail(ErrorCode::config, "'" + std::string(value) + "' is not one of " + std::string(key.choices));
    }
  }
  return {};
}

const char* type_name(ConfigType t) {
  switch (t) {
    case ConfigType::string: return "string";
    case ConfigType::path: return "path";
    case ConfigType::integer: return "integer";
    case ConfigType::boolean: return "boolean";
    case ConfigType::size: return "size";
    case ConfigType::duration: return "duration";
    case ConfigType::list: return "list";
    case ConfigType::choice: return "choice";
  }
  return "?";
}

}  // namespace

Result<bool> parse_bool(std::string_view t) {
  if (t == "yes" || t == "true" || t == "on" || t == "1") return true;
  if (t == "no" || t == "false" || t == "off" || t == "0") return false;
  return fail(ErrorCode::config, "'" + std::string(t) + "' is not a boolean (yes/no)");
}

Result<uint64_t> parse_size(std::string_view t) {
  uint64_t mult = 1;
  std::string_view digits = t;
  if (!t.empty()) {
    switch (t.back()) {
      case 'k': case 'K': mult = 1024; break;
      case 'M': mult = 1024ull * 1024; break;
      case 'G': mult = 1024ull * 1024 * 1024; break;
      default: break;
    }
    if (mult != 1) digits.remove_suffix(1);
  }
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty() || v > UINT64_MAX / mult)
    return fail(ErrorCode::config, "'" + std::string(t) + "' is not a size (bytes, or with k/M/G)");
  return v * mult;
}

Result<std::chrono::milliseconds> parse_duration(std::string_view t) {
  std::string_view digits = t;
  int64_t mult_ms = 1000;
  auto ends_with = [&](std::string_view s) { return t.size() > s.size() && t.substr(t.size() - s.size()) == s; };
  if (ends_with("ms")) { mult_ms = 1; digits.remove_suffix(2); }
  else if (ends_with("s")) { digits.remove_suffix(1); }
  else if (ends_with("m")) { mult_ms = 60'000; digits.remove_suffix(1); }
  else if (ends_with("h")) { mult_ms = 3'600'000; digits.remove_suffix(1); }
  else if (ends_with("d")) { mult_ms = 86'400'000; digits.remove_suffix(1); }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty() || v < 0)
    return fail(ErrorCode::config, "'" + std::string(t) + "' is not a duration (e.g. 30s, 5m, 2h, 7d, 250ms)");
  return std::chrono::milliseconds(v * mult_ms);
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ',' || text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ',' && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

Config::Config(std::span<const ConfigKey> keys) : m_keys(keys) {
  for (const auto& key : keys) {
    if (key.name.find('*') != std::string_view::npos) continue;  // families have no default entries
    m_values[std::string(key.name)] = Setting{std::string(key.default_value), "default"};
  }
}

const ConfigKey* Config::find_key(std::string_view name) const {
  for (const auto& key : m_keys)
    if (name_matches(key.name, name)) return &key;
  return nullptr;
}

Result<Config> Config::load_file(const std::filesystem::path& file, std::span<const ConfigKey> keys) {
  auto text = read_small_file(file, 1u << 20);
  if (!text) return tl::unexpected(Error{ErrorCode::config, "cannot read configuration: " + text.error().message});
  return load_string(*text, file.string(), keys);
}

Result<Config> Config::load_string(std::string_view text, std::string_view origin, std::span<const ConfigKey> keys) {
  Config config(keys);
  std::string errors;
  std::map<std::string, std::string, std::less<>> seen;  // name -> where first set
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    std::string where = std::string(origin) + ":" + std::to_string(line_no);
    std::string_view body = trim(line);
    if (body.empty() || body.front() == '#') continue;
    size_t eq = body.find('=');
    if (eq == std::string_view::npos) {
      errors += where + ": expected 'key = value'\n";
      continue;
    }
    std::string_view name = trim(body.substr(0, eq));
    std::string_view value = trim(body.substr(eq + 1));
    // A value may carry a trailing comment only after whitespace, so '#' can appear in values.
    for (size_t i = 1; i < value.size(); ++i) {
      if (value[i] == '#' && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
        value = trim(value.substr(0, i));
        break;
      }
    }
    const ConfigKey* key = config.find_key(name);
    if (!key) {
      errors += where + ": unknown key '" + std::string(name) + "'\n";
      continue;
    }
    if (auto it = seen.find(name); it != seen.end()) {
      errors += where + ": key '" + std::string(name) + "' already set at " + it->second + "\n";
      continue;
    }
    if (auto ok = validate(*key, value); !ok) {
      errors += where + ": " + std::string(name) + ": " + ok.error().message + "\n";
      continue;
    }
    seen.emplace(std::string(name), where);
    config.m_values[std::string(name)] = Setting{std::string(value), where};
  }
  if (!errors.empty()) {
    errors.pop_back();
    return fail(ErrorCode::config, std::move(errors));
  }
  return config;
}

Result<void> Config::set(std::string_view name, std::string_view value, std::string_view origin) {
  const ConfigKey* key = find_key(name);
  if (!key) return fail(ErrorCode::config, std::string(origin) + ": unknown key '" + std::string(name) + "'");
  if (auto ok = validate(*key, value); !ok)
    return fail(ErrorCode::config, std::string(origin) + ": " + std::string(name) + ": " + ok.error().message);
  m_values[std::string(name)] = Setting{std::string(value), std::string(origin)};
  return {};
}

const std::string& Config::raw(std::string_view name) const {
  auto it = m_values.find(name);
  if (it == m_values.end()) {
    if (!find_key(name)) {
      std::cerr << "logpost: BUG: configuration key '" << name << "' is not declared\n";
      std::abort();
    }
    static const std::string empty;
    return empty;
  }
  return it->second.value;
}

std::string Config::get_string(std::string_view name) const { return raw(name); }
std::filesystem::path Config::get_path(std::string_view name) const { return raw(name); }
int64_t Config::get_int(std::string_view name) const { return parse_int(raw(name)).value_or(0); }
bool Config::get_bool(std::string_view name) const { return parse_bool(raw(name)).value_or(false); }
uint64_t Config::get_size(std::string_view name) const { return parse_size(raw(name)).value_or(0); }
std::chrono::milliseconds Config::get_duration(std::string_view name) const {
  return parse_duration(raw(name)).value_or(std::chrono::milliseconds(0));
}
std::vector<std::string> Config::get_list(std::string_view name) const { return split_list(raw(name)); }

std::map<std::string, std::string> Config::get_family(std::string_view pattern) const {
  std::map<std::string, std::string> out;
  for (const auto& [name, setting] : m_values) {
    std::string_view wildcard;
    if (name_matches(pattern, name, &wildcard)) out.emplace(std::string(wildcard), setting.value);
  }
  return out;
}

std::string Config::origin_of(std::string_view name) const {
  auto it = m_values.find(name);
  return it == m_values.end() ? "default" : it->second.origin;
}

std::string Config::describe(std::span<const ConfigKey> keys) {
  std::string out;
  for (const auto& key : keys) {
    out += std::string(key.name) + " (" + type_name(key.type);
    if (key.type == ConfigType::choice) out += ": " + std::string(key.choices);
    out += ", default '" + std::string(key.default_value) + "')\n    " + std::string(key.description) + "\n";
  }
  return out;
}

}  // namespace logpost
