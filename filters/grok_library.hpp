// grok_library.hpp — named grok patterns: loading pattern files, directories
// and inline definitions.
//
// A pattern file holds one definition per line, `NAME regex`, where NAME is
// [A-Za-z0-9_]+ and the regex is everything after the first run of blanks.
// Blank lines and lines starting with '#' are ignored. Later definitions of
// a name replace earlier ones, so a user's patterns_dir and
// pattern_definitions override the shipped library, as in Logstash.
//
// The shipped library (grok-patterns/) has three directories: `shared/`
// (patterns that capture nothing, the same in both modes), `legacy/` and
// `ecs-v1/` (patterns that name fields: Logstash's legacy names or ECS
// names). load_builtin() loads shared/ and then the directory of the mode.
//
// Errors: a missing or unreadable file (ErrorCode::config, naming the path),
// a malformed line (ErrorCode::config, "file:line: ..."). Errors of several
// files are collected and reported together.
// Cost: build time only; files are small. Lookups are hash-map finds.
// Thread-safety: immutable after loading; share freely for reading.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"

namespace logpost::filters {

enum class EcsMode { disabled, v1 };

struct GrokDefinition {
  std::string name;
  std::string regex;
  std::string origin;  // "file:line" or "pattern_definitions"
};

class GrokLibrary {
 public:
  // shared/ + legacy/ or ecs-v1/ under `patterns_dir`.
  static Result<GrokLibrary> load_builtin(const std::filesystem::path& patterns_dir, EcsMode mode);

  // Loads one pattern file.
  Result<void> load_file(const std::filesystem::path& file);
  // Loads every regular file in `dir` (not recursive) whose name matches
  // `glob` (fnmatch(3): "*", "*.grok"), in name order for determinism.
  Result<void> load_directory(const std::filesystem::path& dir, std::string_view glob = "*");
  // Parses pattern-file text; `origin` names it in errors.
  Result<void> load_text(std::string_view text, std::string_view origin);

  // Adds or replaces one definition (pattern_definitions).
  void define(std::string name, std::string regex, std::string origin);

  [[nodiscard]] const GrokDefinition* find(std::string_view name) const;
  [[nodiscard]] size_t size() const { return m_definitions.size(); }
  // Names in sorted order (tests iterate the whole library).
  [[nodiscard]] std::vector<std::string> names() const;

  static bool is_valid_name(std::string_view name);

 private:
  std::unordered_map<std::string, GrokDefinition> m_definitions;
};

}  // namespace logpost::filters
