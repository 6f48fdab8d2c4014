// sink.hpp — the extension point where events leave the ingester: a store.
//
// A Sink writes batches of events and reports, per event, what happened:
// delivered (durably stored, or already there: writes are idempotent on the
// event's id), retry (a temporary condition: store locked, 429, 5xx,
// connection refused) or rejected (the store will never accept this event as
// it is: mapping error, 400). Sinks classify; the ingester core owns retry
// with capped, jittered backoff and the dead-letter store for rejected
// events. A sink never drops an event silently and never retries on its own
// beyond one request.
//
// Durability contract: when write() returns, every item reported
// `delivered` is durable (fsync'd / acknowledged by the store), so the core
// may move the source mail out of new/.
//
// Thread-safety: one thread drives a Sink.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/event.hpp"
#include "common/result.hpp"

namespace logpost::ingester {

enum class ItemStatus { delivered, retry, rejected };

struct ItemOutcome {
  ItemStatus status = ItemStatus::retry;
  std::string reason;  // for retry and rejected: the store's words
};

// What the events of one batch came from: stored with them so the store can
// answer "which mail held this event" and skip mails already ingested.
struct BatchSource {
  std::string mail_name;    // the Maildir file name (unique per delivery)
  std::string shipment_id;
  uint32_t part = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;

  // Writes `events` (each with a non-empty id()). Returns one outcome per
  // event, in order. An Error (instead of outcomes) means the whole batch
  // is to be retried: nothing, or only idempotent writes, happened.
  // ErrorCode::config or ::permanent means retrying is pointless (bad
  // credentials, read-only database): the core stops and says so.
  virtual Result<std::vector<ItemOutcome>> write(std::span<const Event> events, const BatchSource& source) = 0;

  // A short name for logs and stats: "sqlite", "elasticsearch".
  [[nodiscard]] virtual std::string name() const = 0;
};

}  // namespace logpost::ingester
