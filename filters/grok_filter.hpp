// grok_filter.hpp — Logstash's grok filter on RE2.
//
// Options (Logstash names and defaults):
//   match                { "field" => "pattern" | ["p1", "p2"] } or ["field", "p1", ...]
//   pattern_definitions  { "NAME" => "regex" }        (override everything else)
//   patterns_dir         ["dir", ...]                 (relative to the config file)
//   patterns_files_glob  "*"                          (which files of patterns_dir)
//   break_on_match       true   stop at the first pattern that matches
//   keep_empty_captures  false  store captures that matched ""
//   named_captures_only  true   %{SYNTAX} without a semantic captures nothing
//   overwrite            []     fields a capture replaces instead of joining
//   tag_on_failure       ["_grokparsefailure"]
//   target               unset  put the captures under this field
//   ecs_compatibility    "v1" (default) | "disabled": which shipped pattern
//                        set (field names) %{COMBINEDAPACHELOG} etc. use
//   timeout_millis, timeout_scope, tag_on_timeout: accepted for configs
//                        written for Logstash and ignored: RE2 runs in time
//                        linear in the input, nothing can run away.
//
// Captures are stored the way Logstash stores them: without `overwrite`, a
// capture into a field that already holds a string turns it into an array
// [old, new]; into an array appends; into anything else leaves it. `:int`
// and `:float` convert like Ruby's to_i / to_f ("12ms" -> 12, "x" -> 0).
// An array-valued source field is matched item by item. A missing source
// field or no match tags the event (tag_on_failure) and returns failure.
//
// Errors (build time, ErrorCode::config, all at once): unknown or ill-typed
// options, unknown pattern names, constructs RE2 cannot run (naming the
// pattern and the construct), unreadable pattern files.
// Cost: see grok_compiler.hpp; per event one copy of the matched text.
// Thread-safety: one thread at a time (Filter contract).
#pragma once

#include <memory>

#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

Result<std::unique_ptr<Filter>> make_grok_filter(const PluginBlock& block, const BuildContext& context);

}  // namespace logpost::filters
