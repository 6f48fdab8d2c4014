// pipeline_expressions.hpp — the grok patterns of pipelines/*.conf as a flat
// text file the fuzz target reads (tests/fuzz/pipeline-expressions.txt).
//
// Why a generated file: the libFuzzer build is clang, and clang 14/16 with
// libstdc++ 12 cannot compile common/value.hpp in C++20 mode (it
// instantiates vector<pair<string, Value>>::empty() while Value is still
// incomplete), so the fuzz target links only the grok compiler and must not
// include the filter engine's config parser. The replay test (g++) parses
// the pipelines with the real parser and fails when the committed file is
// stale; `logpost_grok_fuzz_replay --write-pipeline-expressions FILE`
// refreshes it.
//
// Format: '#' comments; per grok `match` pattern, in file order,
//   expression <origin file:line> <v1|disabled>
//   define <NAME> <regex>           (the block's pattern_definitions, 0..n)
//   pattern <grok expression>
// Errors: an unreadable or unparsable pipeline, or a pattern or definition
// with a line break (ErrorCode::config).
// Thread-safety: pure function.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.hpp"

namespace logpost::fuzz {

// The file's text for every *.conf in `pipelines_dir`, in name order.
Result<std::string> pipeline_expressions_text(const std::filesystem::path& pipelines_dir);

}  // namespace logpost::fuzz
