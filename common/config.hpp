// config.hpp — configuration files as declared key tables.
//
// Each program declares its keys once, in one table: name, type, default and
// description (the same table prints the reference docs). A file is a list of
//     key = value        # comments and blank lines are allowed
// lines, in the spirit of Postfix's main.cf. Unknown keys, bad values and
// duplicate keys are errors naming file:line; every error in a file is
// reported at once (the Error message holds one line per problem), and
// programs exit with EX_CONFIG (78).
//
// A declared name may contain one '*' segment ("tenant.*.key_file"): it
// matches any name with an identifier ([A-Za-z0-9_-]+) in that place, for
// per-tenant or per-kind families of keys.
//
// Types:  string, path, integer (signed 64-bit), boolean (yes/no/true/false/
//         on/off/1/0), size (bytes; suffixes k, M, G = 1024^n), duration
//         (integer with suffix ms, s, m, h, d; bare = seconds), list (values
//         separated by commas and/or spaces), choice (one of `choices`,
//         written "a|b|c").
//
// Getters take a declared name and never fail: values were validated at
// load. Asking for an undeclared name is a programming error and aborts.
// Thread-safety: immutable after load; concurrent readers are fine.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace logpost {

enum class ConfigType { string, path, integer, boolean, size, duration, list, choice };

struct ConfigKey {
  std::string_view name;
  ConfigType type;
  std::string_view default_value;  // parsed like a file value; "" = empty
  std::string_view description;
  std::string_view choices = {};    // ConfigType::choice only: "a|b|c"
};

class Config {
 public:
  // Every key at its default.
  explicit Config(std::span<const ConfigKey> keys);

  static Result<Config> load_file(const std::filesystem::path& file, std::span<const ConfigKey> keys);
  // `origin` names the text in error messages (a file name, "<test>").
  static Result<Config> load_string(std::string_view text, std::string_view origin,
                                    std::span<const ConfigKey> keys);

  // Overrides one value (command-line options); validated like a file value.
  Result<void> set(std::string_view name, std::string_view value, std::string_view origin = "command line");

  [[nodiscard]] std::string get_string(std::string_view name) const;
  [[nodiscard]] std::filesystem::path get_path(std::string_view name) const;
  [[nodiscard]] int64_t get_int(std::string_view name) const;
  [[nodiscard]] bool get_bool(std::string_view name) const;
  [[nodiscard]] uint64_t get_size(std::string_view name) const;
  [[nodiscard]] std::chrono::milliseconds get_duration(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> get_list(std::string_view name) const;

  // For a wildcard declaration ("tenant.*.key_file"): wildcard value -> raw
  // value, for every name set in the file.
  [[nodiscard]] std::map<std::string, std::string> get_family(std::string_view pattern) const;

  // Where a value came from: "file:line", "command line" or "default".
  [[nodiscard]] std::string origin_of(std::string_view name) const;

  // The reference table (name, type, default, description), one key a line.
  static std::string describe(std::span<const ConfigKey> keys);

 private:
  struct Setting {
    std::string value;
    std::string origin;
  };
  const ConfigKey* find_key(std::string_view name) const;
  const std::string& raw(std::string_view name) const;

  std::span<const ConfigKey> m_keys;
  std::map<std::string, Setting, std::less<>> m_values;
};

// Parsers shared with the command line; each returns a message on failure.
Result<bool> parse_bool(std::string_view text);
Result<uint64_t> parse_size(std::string_view text);
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
std::vector<std::string> split_list(std::string_view text);

}  // namespace logpost
