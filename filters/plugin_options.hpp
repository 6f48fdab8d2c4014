// plugin_options.hpp — reading a plugin block's options against the list the
// plugin declares, collecting every error at once.
//
// Usage in a factory:
//   OptionReader opts(block, {"match", "overwrite", "tag_on_failure"});
//   auto overwrite = opts.string_list("overwrite");
//   ...
//   if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
//
// finish() reports unknown options (not in the declared list) and every type
// error recorded by the accessors, one "file:line:col: plugin: message" line
// each, as a single ErrorCode::config Error.
//
// Thread-safety: build time only; one reader per block.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "filters/filter.hpp"

namespace logpost::filters {

class OptionReader {
 public:
  OptionReader(const PluginBlock& block, std::initializer_list<std::string_view> declared);

  // The raw value, or null when the option is absent.
  [[nodiscard]] const OptionValue* raw(std::string_view name) const;
  [[nodiscard]] bool has(std::string_view name) const { return raw(name) != nullptr; }

  // Typed accessors: nullopt/empty when absent; a type mismatch records an error.
  std::optional<std::string> string(std::string_view name);
  std::optional<bool> boolean(std::string_view name);
  std::optional<double> number(std::string_view name);
  // A string or an array of strings.
  std::vector<std::string> string_list(std::string_view name);
  // A hash of string => string.
  std::vector<std::pair<std::string, std::string>> string_hash(std::string_view name);
  // Logstash's flexible "field => pattern(s)" forms:
  //   { "field" => "p" }, { "field" => ["p1", "p2"] }, [ "field", "p1", "p2" ]
  std::vector<std::pair<std::string, std::vector<std::string>>> field_patterns(std::string_view name);

  // Records an error at a location (for plugin-specific validation).
  void error(const SourceLocation& where, std::string message);
  void error(std::string_view option, std::string message);  // at the option's value

  Result<void> finish();

  [[nodiscard]] const PluginBlock& block() const { return m_block; }

 private:
  const PluginBlock& m_block;
  std::vector<std::string_view> m_declared;
  std::vector<std::string> m_errors;
};

}  // namespace logpost::filters
