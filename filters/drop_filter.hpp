// drop_filter.hpp — Logstash's `drop`: removes the event from the stream.
//
//   drop { }                      drops every event that reaches it
//   drop { percentage => 40 }     drops about 40% of them (0..100)
//
// Usually inside a conditional: `if [status] == 200 { drop { } }`. A dropped
// event gets none of the common options (add_tag, ...) and is counted as
// dropped in the stage stats.
//
// Errors: percentage not a number in 0..100; unknown options.
// Thread-safety: one thread at a time (keeps a random state).
#pragma once

#include <memory>

#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

Result<std::unique_ptr<Filter>> make_drop_filter(const PluginBlock& block, const BuildContext& context);

}  // namespace logpost::filters
