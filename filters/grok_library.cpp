#include "filters/grok_library.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

namespace logpost::filters {

bool GrokLibrary::is_valid_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<GrokLibrary> GrokLibrary::load_builtin(const std::filesystem::path& patterns_dir, EcsMode mode) {
  GrokLibrary library;
  std::string errors;
  for (const char* sub : {"shared", mode == EcsMode::v1 ? "ecs-v1" : "legacy"}) {
    auto dir = patterns_dir / sub;
    if (auto ok = library.load_directory(dir); !ok) errors += (errors.empty() ? "" : "\n") + ok.error().message;
  }
  if (!errors.empty()) return fail(ErrorCode::config, std::move(errors));
  return library;
}

Result<void> GrokLibrary::load_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::config, "cannot read grok pattern file " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::config, "error reading grok pattern file " + file.string());
  return load_text(text.str(), file.string());
}

Result<void> GrokLibrary::load_directory(const std::filesystem::path& dir, std::string_view glob) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return fail(ErrorCode::config, "grok patterns directory " + dir.string() + " does not exist");
  std::vector<std::filesystem::path> files;
  std::string pattern(glob);
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    if (name.starts_with(".") || name == "README.md") continue;
    if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0) files.push_back(it->path());
  }
  if (ec) return fail(ErrorCode::config, "cannot list grok patterns directory " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::string errors;
  for (const auto& f : files)
    if (auto ok = load_file(f); !ok) errors += (errors.empty() ? "" : "\n") + ok.error().message;
  if (!errors.empty()) return fail(ErrorCode::config, std::move(errors));
  return {};
}

Result<void> GrokLibrary::load_text(std::string_view text, std::string_view origin) {
  std::string errors;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') {
      if (eol == text.size()) break;
      continue;
    }
    line.remove_prefix(first);
    size_t blank = line.find_first_of(" \t");
    std::string where = std::string(origin) + ":" + std::to_string(line_no);
    std::string_view name = line.substr(0, blank);
    std::string_view regex;
    if (blank != std::string_view::npos) {
      regex = line.substr(blank);
      regex.remove_prefix(std::min(regex.size(), regex.find_first_not_of(" \t")));
    }
    if (!is_valid_name(name)) {
      errors += (errors.empty() ? "" : "\n") + where + ": invalid grok pattern name '" + std::string(name) +
                "' (expected [A-Za-z0-9_]+ followed by the regex)";
    } else if (regex.empty()) {
      errors += (errors.empty() ? "" : "\n") + where + ": grok pattern '" + std::string(name) + "' has no regex";
    } else {
      define(std::string(name), std::string(regex), where);
    }
    if (eol == text.size()) break;
  }
  if (!errors.empty()) return fail(ErrorCode::config, std::move(errors));
  return {};
}

void GrokLibrary::define(std::string name, std::string regex, std::string origin) {
  GrokDefinition def{name, std::move(regex), std::move(origin)};
  m_definitions.insert_or_assign(std::move(name), std::move(def));
}

const GrokDefinition* GrokLibrary::find(std::string_view name) const {
  auto it = m_definitions.find(std::string(name));
  return it == m_definitions.end() ? nullptr : &it->second;
}

std::vector<std::string> GrokLibrary::names() const {
  std::vector<std::string> out;
  out.reserve(m_definitions.size());
  for (const auto& [name, def] : m_definitions) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace logpost::filters
