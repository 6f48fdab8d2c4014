// date_filter.hpp — Logstash's date filter: parse a field into @timestamp.
//
// Options (Logstash names and defaults):
//   match           ["field", "format1", "format2", ...]   required; formats
//                   are tried in order (see date_format.hpp)
//   timezone        IANA name ("Europe/Paris") or a template ("%{tz}")
//                   resolved per event; default: the host's zone (UTC when
//                   it cannot be determined), as Logstash uses the JVM's
//   locale          "en" (default), "fr-FR", ... : month and day names
//   target          "@timestamp" (default) or a field, which then receives
//                   the RFC 3339 text
//   tag_on_failure  ["_dateparsefailure"]
//
// Per event: an absent source field leaves the event alone (failure, no
// tag: nothing to parse, as in Logstash). An array uses its first item; a
// number is parsed as its decimal text (UNIX / UNIX_MS on JSON numbers).
// No format matching, or a per-event time zone that does not exist, tags the
// event and returns failure.
//
// Errors (build time, ErrorCode::config, all at once): a missing match, an
// invalid format, an unknown time zone or locale.
// Cost: one pass per format tried; no allocation on the common path.
// Thread-safety: one thread at a time (Filter contract).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

Result<std::unique_ptr<Filter>> make_date_filter(const PluginBlock& block, const BuildContext& context);

// The same with an injected clock (microseconds since the epoch), for the
// year guess of formats without a year; tests pin "now" with it.
Result<std::unique_ptr<Filter>> make_date_filter_with_clock(const PluginBlock& block, const BuildContext& context,
                                                            std::function<int64_t()> now_us);

}  // namespace logpost::filters
