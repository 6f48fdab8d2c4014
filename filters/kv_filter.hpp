// kv_filter.hpp — Logstash's `kv`: key=value pairs out of a string field.
//
//   kv { source => "message" field_split => "&?" value_split => "=" target => "params" }
//
// Options (Logstash names; defaults in brackets):
//   source ["message"]            string field to parse (an array of strings
//                                 is parsed element by element)
//   target                        object to put the pairs in [top level]
//   field_split [" "]             characters that separate pairs
//   value_split ["="]             characters that separate key from value
//   field_split_pattern, value_split_pattern   RE2 regexes instead of the
//                                 character sets above
//   include_brackets [true]       values in (), [] or <> keep their spaces;
//                                 quoted values ("..." '...') always do
//   whitespace ["lenient"]        "lenient" ignores spaces around the value
//                                 separator ("k = v"); "strict" does not
//   trim_key, trim_value          characters stripped at both ends
//   remove_char_key, remove_char_value   characters removed anywhere
//   transform_key, transform_value       "lowercase", "uppercase", "capitalize"
//   include_keys, exclude_keys    keep only / drop these keys (as found,
//                                 after trimming, before prefix)
//   prefix                        prepended to every key
//   default_keys { "k" => "v" }   added when the key was not found
//   allow_duplicate_values [true] a repeated key becomes an array; false
//                                 drops repeated identical values
//   allow_empty_values [false]    keep "k=" as an empty string
//   recursive [false]             a bracketed value that holds pairs is
//                                 parsed into an object
//   tag_on_failure ["_kv_filter_error"]
//   timeout_millis, tag_on_timeout   accepted and ignored: parsing is a
//                                 linear scan (RE2 for patterns), it cannot
//                                 run away as Ruby regexes can
// Character sets accept the escapes \t \n \r \s (whitespace) and \\; any
// other backslash-escaped character stands for itself.
//
// Differences from Logstash: keys are set as literal names (a key "[a]"
// found in a log line is a field named "[a]", not a nested field) — input
// must not be able to address arbitrary fields.
// Outcome: failure (no tag) when the source field is absent or not a
// string, success otherwise (even when no pair was found).
// Thread-safety: one thread at a time.
#pragma once

#include <memory>

#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

Result<std::unique_ptr<Filter>> make_kv_filter(const PluginBlock& block, const BuildContext& context);

}  // namespace logpost::filters
