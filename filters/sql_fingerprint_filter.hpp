// sql_fingerprint_filter.hpp — `sql_fingerprint { }` (ours): the
// pt-query-digest fingerprint and Query ID of a SQL statement.
//
//   sql_fingerprint {
//     source          => "[mysql][slowlog][query]"               # default
//     target          => "[mysql][slowlog][query_fingerprint]"   # default
//     checksum_target => "[mysql][slowlog][query_digest]"        # default
//     tag_on_failure  => ["_sqlfingerprintfailure"]
//   }
//
// target gets filters/sql_fingerprint.hpp's fingerprint(), checksum_target
// its query_checksum() (32 uppercase hex digits, pt-query-digest's "Query
// ID" without "0x"), so a report can group by the same classes as
// pt-query-digest does.
//
// Outcome: failure (tagged) when the source field is absent or not a
// string; nothing is set then.
// Errors (build): unknown option, bad field reference.
// Cost: the fingerprint's linear passes; the MD5 once per class (a cache of
// up to 4096 classes' checksums, emptied when full).
// Thread-safety: one thread at a time.
#pragma once

#include <memory>

#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

Result<std::unique_ptr<Filter>> make_sql_fingerprint_filter(const PluginBlock& block, const BuildContext& context);

}  // namespace logpost::filters
