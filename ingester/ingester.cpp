// ingester.cpp — the per-mail protocol; see ingester.hpp for the contract.
#include "ingester/ingester.hpp"

#include <algorithm>
#include <chrono>

#include "ingester/log_line.hpp"

namespace logpost::ingester {

namespace {
bool is_fatal(ErrorCode code) {
  return code == ErrorCode::config || code == ErrorCode::permanent || code == ErrorCode::internal;
}
}  // namespace

Ingester::Ingester(const IngestSettings& settings, Maildir& maildir, Sink& sink, IngestLedger& ledger,
                   StopSource& stop, EventTransform transform)
    : m_settings(settings),
      m_maildir(maildir),
      m_sink(sink),
      m_ledger(ledger),
      m_stop(stop),
      m_transform(std::move(transform)),
      m_retry(settings.retry_initial, settings.retry_max, settings.retry_give_up) {
  m_verify.tenant_keys = &m_settings.tenant_keys;
  m_verify.require_signature = m_settings.require_signature;
  m_verify.accept_unknown_tenants = m_settings.accept_unknown_tenants;
  m_verify.max_part_bytes = m_settings.max_part_bytes;
  m_verify.max_entry_bytes = m_settings.max_entry_bytes;
}

Result<void> Ingester::run_once() {
  auto r = scan_new(false);
  if (r) r = write_pending();
  finish_scan();
  return r;
}

Result<void> Ingester::scan() {
  auto r = scan_new(true);
  finish_scan();
  return r;
}

Result<void> Ingester::scan_new(bool honour_linger) {
  // A batch left by the previous scan may be due before any new mail (and
  // is written before listing, so the listing does not hold its mails).
  if (honour_linger && linger_due()) {
    if (auto w = write_batch(); !w) return w;
  }
  auto names = m_maildir.list_new();
  if (!names) return tl::unexpected(names.error());
  for (const auto& name : *names) {
    if (m_stop.stop_requested()) break;
    if (m_waiting_names.contains(name)) continue;  // read already, waits in the batch
    ++m_stats.mails_seen;
    auto r = ingest_mail(name);
    if (!r) {
      ++m_stats.mails_deferred;
      log_event(is_fatal(r.error().code) ? LogLevel::error : LogLevel::warn, "mail_deferred",
                {{"mail", name}, {"reason", r.error().message}});
      // A store problem affects every following mail too: stop this scan.
      // The mails of the pending batch stay in new/ and are read again.
      drop_pending();
      return tl::unexpected(r.error());
    }
    // With batch_linger 0 the batch waits for the end of the scan instead.
    if (honour_linger && m_settings.batch_linger.count() > 0 && linger_due()) {
      if (auto w = write_batch(); !w) return w;
    }
  }
  if (honour_linger && !m_batch.empty() && (m_settings.batch_linger.count() <= 0 || linger_due())) {
    if (auto w = write_batch(); !w) return w;
  }
  return {};
}

void Ingester::finish_scan() {
  if (auto age = m_maildir.oldest_new_age()) m_stats.oldest_mail_age_s = age->count();
  else m_stats.oldest_mail_age_s = 0;
  auto expired = m_maildir.expire_processed(m_settings.processed_retention);
  if (!expired) log_event(LogLevel::warn, "expire_failed", {{"reason", expired.error().message}});
}

Result<void> Ingester::write_pending() { return write_batch(); }

bool Ingester::linger_due() const {
  return !m_batch.empty() && std::chrono::steady_clock::now() - m_batch_since >= m_settings.batch_linger;
}

std::optional<std::chrono::milliseconds> Ingester::linger_left() const {
  if (m_batch.empty()) return std::nullopt;
  auto left = m_settings.batch_linger - std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - m_batch_since);
  return std::max(left, std::chrono::milliseconds(0));
}

void Ingester::drop_pending() {
  m_batch.clear();
  m_sources.clear();
  m_batch_bytes = 0;
  m_waiting.clear();
  m_waiting_names.clear();
}

Result<MailOutcome> Ingester::process_mail(const std::string& name) {
  auto r = ingest_mail(name);
  if (!r) {
    drop_pending();
    return r;
  }
  auto w = write_batch();
  if (!w) return tl::unexpected(w.error());
  return *r == MailOutcome::batched ? MailOutcome::ingested : *r;
}

Result<void> Ingester::quarantine(const std::string& name, const Error& why) {
  std::string reason = std::string(error_code_name(why.code)) + ": " + why.message;
  auto r = m_maildir.quarantine(name, reason);
  if (!r) return r;
  ++m_stats.mails_quarantined;
  log_event(LogLevel::warn, "mail_quarantined", {{"mail", name}, {"reason", reason}});
  return {};
}

Result<MailOutcome> Ingester::ingest_mail(const std::string& name) {
  if (!is_safe_mail_name(name)) return fail(ErrorCode::internal, "unsafe mail name");
  auto done = m_ledger.mail_done(name);
  if (!done) return tl::unexpected(done.error());
  if (*done) {
    auto moved = m_maildir.move_to_cur(name);
    // Not found: completed and moved since new/ was listed (its batch was
    // written during this scan), or taken by someone else.
    if (!moved && moved.error().code == ErrorCode::not_found) return MailOutcome::vanished;
    if (!moved) return tl::unexpected(moved.error());
    ++m_stats.mails_skipped_done;
    log_event(LogLevel::info, "mail_already_ingested", {{"mail", name}});
    return MailOutcome::already_done;
  }

  std::optional<VerifiedPart> part;
  {
    auto raw = m_maildir.read_new(name, m_settings.max_mail_size);
    if (!raw) {
      const Error& e = raw.error();
      if (e.code == ErrorCode::not_found) return MailOutcome::vanished;
      if (e.code == ErrorCode::data || e.code == ErrorCode::too_large) {
        auto q = quarantine(name, e);
        if (!q) return tl::unexpected(q.error());
        return MailOutcome::quarantined;
      }
      return tl::unexpected(e);
    }
    auto verified = verify_shipment_part(*raw, m_verify);
    if (!verified) {
      auto q = quarantine(name, verified.error());
      if (!q) return tl::unexpected(q.error());
      return MailOutcome::quarantined;
    }
    part = std::move(*verified);
  }  // the raw mail is freed here: only the attachment (or the text) stays in memory

  const ShipmentHeaders& h = part->headers;
  const BatchSource source{name, h.shipment_id, h.part};
  if (m_batch.capacity() == 0) m_batch.reserve(std::min<size_t>(m_settings.batch_events, 65536));
  // This mail's events in m_batch start here; its slice is added when the
  // batch is written or the mail ends.
  size_t slice_begin = m_batch.size();
  uint64_t events_total = 0;
  std::vector<Event> transformed;
  // The id of the event in the pipeline, for its outputs' ids: one buffer
  // for the mail, assigned per event (no allocation per event).
  std::string original_id;

  auto add = [&](Event&& ev) {
    if (m_batch.empty()) m_batch_since = std::chrono::steady_clock::now();
    m_batch_bytes += ev.message().size() + 256;
    m_batch.push_back(std::move(ev));
    ++events_total;
  };
  auto close_slice = [&] {
    if (m_batch.size() > slice_begin) m_sources.add(source, slice_begin, m_batch.size());
  };

  auto on_event = [&](Event&& ev) -> Result<void> {
    ++m_stats.events_in;
    if (m_transform) {
      transformed.clear();
      original_id.assign(ev.id());
      m_transform(part->kind, std::move(ev), transformed);
      if (transformed.empty()) ++m_stats.events_dropped;
      for (size_t i = 0; i < transformed.size(); ++i) {
        Event& out = transformed[i];
        // A filter that clones or splits must not create two events with
        // one id: later copies get a stable suffix.
        if (out.id().empty() || (i > 0 && out.id() == original_id)) out.set_id(original_id + "-" + std::to_string(i));
        add(std::move(out));
      }
    } else {
      add(std::move(ev));
    }
    if (m_batch.size() >= m_settings.batch_events || m_batch_bytes >= m_settings.batch_bytes) {
      close_slice();
      auto r = write_batch();
      slice_begin = 0;
      if (!r) return r;
      // Between batches is where a stop request is honoured.
      if (m_stop.stop_requested()) return fail(ErrorCode::temporary, "stop requested");
    }
    return {};
  };

  auto counts = read_part_events(*part, m_settings.max_entry_bytes, on_event);
  if (!counts) return tl::unexpected(counts.error());
  m_stats.banners_skipped += counts->banners;
  close_slice();
  if (m_batch.size() > slice_begin) {
    // Its last events wait in the batch: it completes when that is written.
    m_waiting.push_back(WaitingMail{name, h, events_total, *counts});
    m_waiting_names.insert(name);
    return MailOutcome::batched;
  }
  // Nothing of it is pending (no events, or all in batches written already).
  auto c = complete_mail(name, h, events_total, *counts);
  if (!c) return tl::unexpected(c.error());
  return MailOutcome::ingested;
}

Result<void> Ingester::complete_mail(const std::string& name, const ShipmentHeaders& h, uint64_t events,
                                     const PartEventCounts& counts) {
  auto recorded = m_ledger.record_mail_done(name, h, events);
  if (!recorded) return recorded;
  auto moved = m_maildir.move_to_cur(name);
  // A mail removed from new/ while it waited in the batch is still ingested
  // (its events are stored and the ledger says so).
  if (!moved && moved.error().code != ErrorCode::not_found) return moved;
  ++m_stats.mails_ingested;
  log_event(LogLevel::info, "mail_ingested",
            {{"mail", name},
             {"shipment", h.shipment_id},
             {"part", std::to_string(h.part) + "/" + std::to_string(h.part_count)},
             {"tenant", h.tenant},
             {"events", counts.events},
             {"banners", counts.banners},
             {"cut", counts.cut}});
  return {};
}

Result<void> Ingester::write_batch() {
  std::vector<Event> batch = std::move(m_batch);
  BatchSources sources = std::move(m_sources);
  std::vector<WaitingMail> waiting = std::move(m_waiting);
  drop_pending();
  if (!batch.empty()) {
    auto r = write_with_retries(batch, sources);
    if (!r) {
      // The batch's mails (but the one being read, which its caller
      // reports) stay in new/ and are read again later.
      for (const auto& mail : waiting) {
        ++m_stats.mails_deferred;
        log_event(is_fatal(r.error().code) ? LogLevel::error : LogLevel::warn, "mail_deferred",
                  {{"mail", mail.name}, {"reason", r.error().message}});
      }
      return r;
    }
  }
  for (const auto& mail : waiting) {
    auto c = complete_mail(mail.name, mail.headers, mail.events, mail.counts);
    if (!c) return c;
  }
  return {};
}

Result<void> Ingester::write_with_retries(std::vector<Event>& batch, BatchSources& sources) {
  auto start = std::chrono::steady_clock::now();
  unsigned attempt = 0;
  std::vector<Event> pending = std::move(batch);
  BatchSources pending_sources = std::move(sources);
  while (!pending.empty()) {
    ++m_stats.batches;
    auto outcomes = m_sink.write(pending, pending_sources);
    std::vector<Event> again;
    BatchSources again_sources;
    std::string last_reason;
    if (!outcomes) {
      if (is_fatal(outcomes.error().code))
        return tl::unexpected(outcomes.error().with_context(m_sink.name() + " store"));
      last_reason = outcomes.error().message;
      again = std::move(pending);
      again_sources = std::move(pending_sources);
    } else if (outcomes->size() != pending.size()) {
      return fail(ErrorCode::internal, m_sink.name() + " sink returned " + std::to_string(outcomes->size()) +
                                           " outcomes for " + std::to_string(pending.size()) + " events");
    } else {
      std::vector<DeadLetter> dead;
      for (size_t i = 0; i < pending.size(); ++i) {
        const ItemOutcome& o = (*outcomes)[i];
        switch (o.status) {
          case ItemStatus::delivered:
            ++m_stats.events_stored;
            break;
          case ItemStatus::rejected:
            dead.push_back({&pending[i], o.reason, pending_sources.source_of(i)});
            break;
          case ItemStatus::retry:
            last_reason = o.reason;
            break;
        }
      }
      if (!dead.empty()) {
        // Dead letters are part of "accounted for": until they are durable
        // no mail of the batch may leave new/, so a failure here fails it.
        auto d = m_ledger.add_dead_letters(dead);
        if (!d) return tl::unexpected(d.error().with_context("dead-letter store"));
        m_stats.events_dead_lettered += dead.size();
        for (const auto& letter : dead)
          log_event(LogLevel::warn, "event_dead_lettered",
                    {{"id", letter.event->id()},
                     {"mail", letter.source ? letter.source->mail_name : std::string()},
                     {"reason", letter.reason}});
      }
      // The items to retry keep their order, so each mail's stay contiguous.
      const auto& slices = pending_sources.slices();
      size_t slice = 0;
      for (size_t i = 0; i < pending.size(); ++i) {
        if ((*outcomes)[i].status != ItemStatus::retry) continue;
        while (slice < slices.size() && slices[slice].end <= i) ++slice;
        if (slice < slices.size() && slices[slice].begin <= i) {
          const auto& kept = again_sources.slices();
          if (!kept.empty() && kept.back().end == again.size() &&
              kept.back().source.mail_name == slices[slice].source.mail_name)
            again_sources.extend_last();
          else
            again_sources.add(slices[slice].source, again.size(), again.size() + 1);
        }
        again.push_back(std::move(pending[i]));
      }
    }
    pending = std::move(again);
    pending_sources = std::move(again_sources);
    if (pending.empty()) break;
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (m_retry.should_give_up(elapsed))
      return fail(ErrorCode::temporary, m_sink.name() + " store still failing after " +
                                            std::to_string(elapsed.count() / 1000) + "s: " + last_reason);
    auto delay = m_retry.delay(attempt++);
    ++m_stats.retries;
    log_event(LogLevel::warn, "batch_retry",
              {{"mails", static_cast<uint64_t>(pending_sources.slices().size())},
               {"events", static_cast<uint64_t>(pending.size())},
               {"delay_ms", static_cast<int64_t>(delay.count())},
               {"reason", last_reason}});
    if (m_stop.wait(delay)) return fail(ErrorCode::temporary, "stop requested during retry backoff");
  }
  return {};
}

}  // namespace logpost::ingester
