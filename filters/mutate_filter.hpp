// mutate_filter.hpp — Logstash's `mutate`: rename, copy, convert and edit
// fields.
//
// Options (Logstash names and forms), run in Logstash's order whatever the
// order in the file:
//   coerce     { "f" => "default" }   sets f when it exists and is null
//   rename     { "old" => "new" }     moves a field (absent: nothing)
//   update     { "f" => "%{x}" }      sets f only when it exists (sprintf)
//   replace    { "f" => "%{x}" }      sets f, creating it (sprintf)
//   convert    { "f" => "integer" }   integer, integer_eu, float, float_eu,
//                                     string, boolean; arrays element-wise
//   gsub       [ "f", "regex", "replacement", ... ]   RE2, all matches;
//                                     \1 in the replacement is group 1
//   uppercase, capitalize, lowercase, strip   [ "f", ... ] (ASCII case
//                                     mapping; strip removes whitespace)
//   split      { "f" => "," }         string -> array (" " splits on runs of
//                                     whitespace, trailing empties removed,
//                                     as Ruby's String#split)
//   join       { "f" => "," }         array -> string
//   merge      { "dest" => "added" }  appends added's value(s) to dest's
//                                     array (a scalar dest becomes an array);
//                                     two hashes merge; absent dest: copied
//   copy       { "src" => "dest" }    deep copy, dest overwritten
//   tag_on_failure   default "_mutate_error"
// Field names are field references ("[a][b]"); @timestamp may be the
// target of rename/replace/copy when the value is RFC 3339 text.
//
// Failure: a value convert cannot parse ("abc" as integer, "maybe" as
// boolean) stays as it is and the event is tagged with tag_on_failure; the
// remaining operations still run and the outcome is `failure`, so the common
// options (add_tag, ...) are not applied. Logstash instead converts such
// strings to 0 or nil silently; a visible tag serves operators better.
//
// Errors at build: unknown options, unknown convert types, bad regexes,
// malformed field references, gsub not in triples.
// Thread-safety: one thread at a time.
#pragma once

#include <memory>

#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

Result<std::unique_ptr<Filter>> make_mutate_filter(const PluginBlock& block, const BuildContext& context);

}  // namespace logpost::filters
