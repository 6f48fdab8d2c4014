// es_bulk_response.hpp — what an Elasticsearch bulk answer means, per item.
//
// A pure function from (HTTP status, response body, the _ids we sent) to a
// verdict for the request and, when the request was processed, one outcome
// per item. Elasticsearch answers 200 even when items failed ("errors":
// true); reading every item is the only way not to lose data.
//
// Request level:
//   200                 -> processed: see the items below
//   413                 -> too_large: the sink halves the batch and resends
//   401, 403            -> unauthorized: credentials or privileges; stop
//   429, 408, 5xx       -> retry: nothing is known to be stored; the whole
//                          request may be resent (creates are idempotent)
//   400                 -> bad_request: Elasticsearch refused the request as
//                          a whole; the sink bisects to find the culprit
//   anything else       -> misconfigured (404: no _bulk at that URL, 3xx:
//                          a redirect we do not follow, 405, ...)
//   200 whose body is not a bulk answer (not JSON, no "items", item count or
//   _ids not matching what we sent) -> retry, with the reason: a truncating
//   proxy must not make us guess which items were stored.
//
// Item level ("status" inside each item):
//   200, 201            -> delivered
//   409                 -> delivered: on `create` it means the _id already
//                          exists (an earlier attempt stored it)
//   429, 5xx            -> retry, reason "<error.type>: <error.reason>"
//   other (400, 404...) -> rejected, reason "<status> <error.type>: <error.reason>
//                          (caused by <type>: <reason>)": mapping and parsing
//                          errors, never silently dropped
//
// Cost: one parse of the body (common/json.hpp); linear in its size.
// Thread-safety: pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingester/sink.hpp"

namespace logpost::ingester {

enum class BulkVerdict { processed, too_large, unauthorized, retry, bad_request, misconfigured };

struct BulkItemCounts {
  size_t created = 0;     // 200/201
  size_t conflicts = 0;   // 409: already there
  size_t retry = 0;
  size_t rejected = 0;
};

struct BulkResponse {
  BulkVerdict verdict = BulkVerdict::retry;
  std::string reason;                // for every verdict but processed
  std::vector<ItemOutcome> items;    // processed only: one per id, in order
  BulkItemCounts counts;
};

// `ids` are the _ids of the request's items, in order (the answer must echo
// them; an empty id is not checked).
BulkResponse classify_bulk_response(long http_status, std::string_view body, std::span<const std::string_view> ids);

// The error summary Elasticsearch puts in a non-200 body ("type: reason"),
// or the body's first 300 bytes when it is not an Elasticsearch error.
std::string summarize_es_error(std::string_view body);

const char* bulk_verdict_name(BulkVerdict verdict);

}  // namespace logpost::ingester
