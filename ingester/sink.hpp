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
// may move a mail out of new/ once all of its events are accounted for.
//
// Thread-safety: one thread drives a Sink.
#pragma once

#include <cstddef>
#include <cstdint>
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

// What the events of one mail came from: stored with them so the store can
// answer "which mail held this event" and skip mails already ingested.
struct BatchSource {
  std::string mail_name;    // the Maildir file name (unique per delivery)
  std::string shipment_id;
  uint32_t part = 0;
};

// The events [begin, end) of a batch came from `source`.
struct SourceSlice {
  BatchSource source;
  size_t begin = 0;
  size_t end = 0;
};

// Which mail each event of a batch came from. A batch may hold the events
// of several mails (the core fills batches across mails, see batch_linger
// in ingester.hpp); the events of one mail are contiguous, so the batch is
// described by slices in event order. Slices never overlap; events outside
// every slice have no known source (a sink stores them without one).
// Implicitly built from one BatchSource: that source for the whole batch.
class BatchSources {
 public:
  BatchSources() = default;
  BatchSources(BatchSource whole)  // NOLINT(google-explicit-constructor): one mail, the common case
      : m_slices{SourceSlice{std::move(whole), 0, k_to_end}} {}

  // Appends: events [begin, end) came from `source`; `begin` is at or after
  // the previous slice's end.
  void add(BatchSource source, size_t begin, size_t end) {
    m_slices.push_back(SourceSlice{std::move(source), begin, end});
  }
  // The last slice takes one more event (precondition: !empty()).
  void extend_last() { ++m_slices.back().end; }
  void clear() { m_slices.clear(); }
  [[nodiscard]] bool empty() const { return m_slices.empty(); }
  [[nodiscard]] const std::vector<SourceSlice>& slices() const { return m_slices; }
  // The source of event `index` (nullptr when none): a walk over the slices.
  [[nodiscard]] const BatchSource* source_of(size_t index) const {
    for (const auto& s : m_slices)
      if (index >= s.begin && index < s.end) return &s.source;
    return nullptr;
  }

  static constexpr size_t k_to_end = static_cast<size_t>(-1);

 private:
  std::vector<SourceSlice> m_slices;
};

class Sink {
 public:
  virtual ~Sink() = default;

  // Writes `events` (each with a non-empty id()); `sources` says which mail
  // each came from (a sink that keeps provenance per row must use each
  // event's own slice). Returns one outcome per event, in order. An Error (instead of outcomes) means the whole batch
  // is to be retried: nothing, or only idempotent writes, happened.
  // ErrorCode::config or ::permanent means retrying is pointless (bad
  // credentials, read-only database): the core stops and says so.
  virtual Result<std::vector<ItemOutcome>> write(std::span<const Event> events, const BatchSources& sources) = 0;

  // A short name for logs and stats: "sqlite", "elasticsearch".
  [[nodiscard]] virtual std::string name() const = 0;
};

}  // namespace logpost::ingester
