// shipment_part.hpp — one delivered mail turned into a verified shipment
// part, and that part turned into events.
//
// verify_shipment_part() runs every check before a single event is stored,
// so a bad mail is quarantined whole, never half-ingested:
//   MIME structure and headers (common/shipment_mail.hpp), format version,
//   tenant known (or accepted), signature (HMAC over the headers and the
//   attachment's SHA-256) when the tenant has a key or signatures are
//   required, log kind, creation time, then one streaming decompression pass
//   that checks the gzip stream, the decompressed length against
//   X-Logpost-Length, its SHA-256 against X-Logpost-Content-SHA256 and the
//   entry count against X-Logpost-Entries (entries as LogSplitter counts
//   them, server banners either included or not; pieces of a cut entry count
//   once).
//
// read_part_events() calls `on_event` for every entry, banners
// skipped and counted. Each event carries the provenance fields documented
// in docs/ingester.md and the deterministic id
// "<shipment_id>-<offset of its first byte in the source file>".
// Tags: _logpost_cut_entry on the first entry of a begins-inside-entry part
// and the last entry of an ends-inside-entry part; _logpost_entry_split on
// the pieces of an entry longer than max_entry_bytes.
//
// Errors: verification failures are ErrorCode::data / ::signature /
// ::too_large with a reason fit for the quarantine note. read_part_events()
// returns the first error `on_event` returned (it stops there).
// Cost: a part of at most VerifyPolicy::keep_text_max decompressed bytes is
// decompressed once: verification keeps the text (and drops the gzip bytes)
// for read_part_events(). A larger part is decompressed again by
// read_part_events() (bounded memory: it is never held whole). Either way
// the events are the same.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "common/event.hpp"
#include "common/log_splitter.hpp"
#include "common/result.hpp"
#include "common/shipment_mail.hpp"

namespace logpost::ingester {

struct VerifyPolicy {
  const std::map<std::string, std::string>* tenant_keys = nullptr;  // tenant -> key
  bool require_signature = true;
  bool accept_unknown_tenants = false;
  uint64_t max_part_bytes = 1ull << 30;
  uint64_t max_entry_bytes = 4ull << 20;
  // Largest decompressed part kept in memory between verification and
  // reading (0: always decompress twice).
  uint64_t keep_text_max = 16ull << 20;
};

struct VerifiedPart {
  ShipmentHeaders headers;
  std::string attachment;  // gzip bytes (empty when has_text)
  std::string text;        // the decompressed part, when has_text
  bool has_text = false;
  LogKind kind = LogKind::raw;
  int64_t created_us = 0;
  bool signed_ok = false;  // a signature was present and verified
  uint64_t banners = 0;    // banner entries in the part
};

Result<VerifiedPart> verify_shipment_part(std::string_view raw_mail, const VerifyPolicy& policy);

struct PartEventCounts {
  uint64_t events = 0;
  uint64_t banners = 0;
  uint64_t cut = 0;    // tagged _logpost_cut_entry
  uint64_t split = 0;  // tagged _logpost_entry_split
};

inline constexpr std::string_view k_tag_cut_entry = "_logpost_cut_entry";
inline constexpr std::string_view k_tag_entry_split = "_logpost_entry_split";

using EventCallback = std::function<Result<void>(Event&&)>;
Result<PartEventCounts> read_part_events(const VerifiedPart& part, uint64_t max_entry_bytes,
                                         const EventCallback& on_event);

// "<shipment_id>-<offset>"
std::string event_id(std::string_view shipment_id, uint64_t source_offset);

}  // namespace logpost::ingester
