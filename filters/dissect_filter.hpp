// dissect_filter.hpp — Logstash's `dissect`: splits a string by literal
// delimiters, no regular expressions.
//
//   dissect { mapping => { "message" => "%{ts} %{+ts} %{level->} [%{pid}] %{msg}" } }
//
// Pattern fields:
//   %{name}  %{[a][b]}   the text up to the next delimiter (the last field
//                        takes the rest of the string)
//   %{} %{?name}         matched and skipped
//   %{+name} %{+name/2}  appended to name with append_separator (order by
//                        /N when given, else by position)
//   %{*key} ... %{&key}  the value of *key names the field that &key's
//                        value goes into
//   %{name->}            skips repeats of the following delimiter (padding)
// Text before the first field must match at the start of the string.
// Options: mapping (hash, required), convert_datatype { "f" => "int" |
// "float" }, append_separator [" "], tag_on_failure ["_dissectfailure"].
//
// Outcome: all-or-nothing per mapping. When a delimiter is missing (or the
// source field is absent or not a string) no field of that mapping is set,
// the event is tagged and the outcome is `failure`.
// Errors at build: two fields with no delimiter between them, malformed
// "%{", bad field names, unknown datatypes.
// Cost: one left-to-right scan with memchr-style searches per delimiter.
// Thread-safety: one thread at a time.
#pragma once

#include <memory>

#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

Result<std::unique_ptr<Filter>> make_dissect_filter(const PluginBlock& block, const BuildContext& context);

}  // namespace logpost::filters
