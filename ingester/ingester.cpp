// ingester.cpp — the per-mail protocol; see ingester.hpp for the contract.
#include "ingester/ingester.hpp"

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
  auto names = m_maildir.list_new();
  if (!names) return tl::unexpected(names.error());
  for (const auto& name : *names) {
    if (m_stop.stop_requested()) break;
    ++m_stats.mails_seen;
    auto r = process_mail(name);
    if (!r) {
      ++m_stats.mails_deferred;
      log_event(is_fatal(r.error().code) ? LogLevel::error : LogLevel::warn, "mail_deferred",
                {{"mail", name}, {"reason", r.error().message}});
      // A store problem affects every following mail too: stop this scan.
      return tl::unexpected(r.error());
    }
  }
  if (auto age = m_maildir.oldest_new_age()) m_stats.oldest_mail_age_s = age->count();
  else m_stats.oldest_mail_age_s = 0;
  auto expired = m_maildir.expire_processed(m_settings.processed_retention);
  if (!expired) log_event(LogLevel::warn, "expire_failed", {{"reason", expired.error().message}});
  return {};
}

Result<void> Ingester::quarantine(const std::string& name, const Error& why) {
  std::string reason = std::string(error_code_name(why.code)) + ": " + why.message;
  auto r = m_maildir.quarantine(name, reason);
  if (!r) return r;
  ++m_stats.mails_quarantined;
  log_event(LogLevel::warn, "mail_quarantined", {{"mail", name}, {"reason", reason}});
  return {};
}

Result<MailOutcome> Ingester::process_mail(const std::string& name) {
  if (!is_safe_mail_name(name)) return fail(ErrorCode::internal, "unsafe mail name");
  auto done = m_ledger.mail_done(name);
  if (!done) return tl::unexpected(done.error());
  if (*done) {
    auto moved = m_maildir.move_to_cur(name);
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
  }  // the raw mail is freed here: only the attachment stays in memory

  const ShipmentHeaders& h = part->headers;
  BatchSource source{name, h.shipment_id, h.part};
  std::vector<Event> batch;
  batch.reserve(std::min<size_t>(m_settings.batch_events, 65536));
  uint64_t batch_bytes = 0;
  uint64_t events_total = 0;
  std::vector<Event> transformed;

  auto on_event = [&](Event&& ev) -> Result<void> {
    ++m_stats.events_in;
    if (m_transform) {
      transformed.clear();
      std::string original_id = ev.id();
      m_transform(part->kind, std::move(ev), transformed);
      if (transformed.empty()) ++m_stats.events_dropped;
      for (size_t i = 0; i < transformed.size(); ++i) {
        Event& out = transformed[i];
        // A filter that clones or splits must not create two events with
        // one id: later copies get a stable suffix.
        if (out.id().empty() || (i > 0 && out.id() == original_id)) out.set_id(original_id + "-" + std::to_string(i));
        batch_bytes += out.message().size() + 256;
        batch.push_back(std::move(out));
      }
    } else {
      batch_bytes += ev.message().size() + 256;
      batch.push_back(std::move(ev));
    }
    if (batch.size() >= m_settings.batch_events || batch_bytes >= m_settings.batch_bytes) {
      events_total += batch.size();
      auto r = flush(batch, source);
      batch_bytes = 0;
      if (!r) return r;
      // Between batches is where a stop request is honoured.
      if (m_stop.stop_requested()) return fail(ErrorCode::temporary, "stop requested");
    }
    return {};
  };

  auto counts = read_part_events(*part, m_settings.max_entry_bytes, on_event);
  if (!counts) return tl::unexpected(counts.error());
  events_total += batch.size();
  auto r = flush(batch, source);
  if (!r) return tl::unexpected(r.error());
  m_stats.banners_skipped += counts->banners;

  auto recorded = m_ledger.record_mail_done(name, h, events_total);
  if (!recorded) return tl::unexpected(recorded.error());
  auto moved = m_maildir.move_to_cur(name);
  if (!moved) return tl::unexpected(moved.error());
  ++m_stats.mails_ingested;
  log_event(LogLevel::info, "mail_ingested",
            {{"mail", name},
             {"shipment", h.shipment_id},
             {"part", std::to_string(h.part) + "/" + std::to_string(h.part_count)},
             {"tenant", h.tenant},
             {"events", counts->events},
             {"banners", counts->banners},
             {"cut", counts->cut}});
  return MailOutcome::ingested;
}

Result<void> Ingester::flush(std::vector<Event>& batch, const BatchSource& source) {
  if (batch.empty()) return {};
  auto start = std::chrono::steady_clock::now();
  unsigned attempt = 0;
  std::vector<Event> pending = std::move(batch);
  batch.clear();
  while (!pending.empty()) {
    ++m_stats.batches;
    auto outcomes = m_sink.write(pending, source);
    std::vector<Event> again;
    std::string last_reason;
    if (!outcomes) {
      if (is_fatal(outcomes.error().code))
        return tl::unexpected(outcomes.error().with_context(m_sink.name() + " store"));
      last_reason = outcomes.error().message;
      again = std::move(pending);
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
            dead.push_back({&pending[i], o.reason});
            break;
          case ItemStatus::retry:
            last_reason = o.reason;
            break;
        }
      }
      if (!dead.empty()) {
        // Dead letters are part of "accounted for": until they are durable
        // the mail must not leave new/, so a failure here fails the batch.
        auto d = m_ledger.add_dead_letters(dead, source);
        if (!d) return tl::unexpected(d.error().with_context("dead-letter store"));
        m_stats.events_dead_lettered += dead.size();
        for (const auto& letter : dead)
          log_event(LogLevel::warn, "event_dead_lettered",
                    {{"id", letter.event->id()}, {"mail", source.mail_name}, {"reason", letter.reason}});
      }
      for (size_t i = 0; i < pending.size(); ++i)
        if ((*outcomes)[i].status == ItemStatus::retry) again.push_back(std::move(pending[i]));
    }
    pending = std::move(again);
    if (pending.empty()) break;
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (m_retry.should_give_up(elapsed))
      return fail(ErrorCode::temporary, m_sink.name() + " store still failing after " +
                                            std::to_string(elapsed.count() / 1000) + "s: " + last_reason);
    auto delay = m_retry.delay(attempt++);
    ++m_stats.retries;
    log_event(LogLevel::warn, "batch_retry",
              {{"mail", source.mail_name},
               {"events", static_cast<uint64_t>(pending.size())},
               {"delay_ms", static_cast<int64_t>(delay.count())},
               {"reason", last_reason}});
    if (m_stop.wait(delay)) return fail(ErrorCode::temporary, "stop requested during retry backoff");
  }
  return {};
}

}  // namespace logpost::ingester
