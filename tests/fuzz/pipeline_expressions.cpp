#include "tests/fuzz/pipeline_expressions.hpp"

#include <algorithm>
#include <vector>

#include "common/atomic_file.hpp"
#include "filters/config_parser.hpp"
#include "filters/plugin_options.hpp"

namespace logpost::fuzz {
namespace {

// Every grok block, depth first, conditionals included: a pattern that only
// runs under an `if` still runs on real lines.
void collect_grok_blocks(const std::vector<filters::Statement>& statements,
                         std::vector<const filters::PluginBlock*>& out) {
  for (const auto& statement : statements) {
    if (statement.kind == filters::Statement::Kind::plugin) {
      if (statement.plugin.name == "grok") out.push_back(&statement.plugin);
    } else {
      for (const auto& branch : statement.branches) collect_grok_blocks(branch.body, out);
    }
  }
}

bool one_line(const std::string& s) { return s.find_first_of("\r\n") == std::string::npos; }

}  // namespace

Result<std::string> pipeline_expressions_text(const std::filesystem::path& pipelines_dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(pipelines_dir, ec))
    if (entry.path().extension() == ".conf") files.push_back(entry.path());
  if (ec) return fail(ErrorCode::config, pipelines_dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::string out =
      "# The grok patterns of pipelines/*.conf, for the grok fuzz target (tests/fuzz/pipeline_expressions.hpp).\n"
      "# Generated: logpost_grok_fuzz_replay --write-pipeline-expressions tests/fuzz/pipeline-expressions.txt\n";
  for (const auto& file : files) {
    auto text = read_small_file(file);
    if (!text) return tl::unexpected(text.error());
    const std::string origin = "pipelines/" + file.filename().string();
    auto parsed = filters::parse_config(*text, origin);
    if (!parsed) return tl::unexpected(parsed.error());
    std::vector<const filters::PluginBlock*> blocks;
    collect_grok_blocks(parsed->filters, blocks);
    for (const auto* block : blocks) {
      filters::OptionReader opts(*block, {});
      const bool legacy = opts.string("ecs_compatibility").value_or("v1") == "disabled";
      const auto definitions = opts.string_hash("pattern_definitions");
      for (const auto& [field, patterns] : opts.field_patterns("match")) {
        for (const auto& pattern : patterns) {
          out += "expression " + origin + ":" + std::to_string(block->where.line) + (legacy ? " disabled\n" : " v1\n");
          for (const auto& [name, regex] : definitions) {
            if (!one_line(regex)) return fail(ErrorCode::config, origin + ": definition " + name + " spans lines");
            out += "define " + name + " " + regex + "\n";
          }
          if (!one_line(pattern)) return fail(ErrorCode::config, origin + ": a pattern spans lines");
          out += "pattern " + pattern + "\n";
        }
      }
    }
  }
  return out;
}

}  // namespace logpost::fuzz
