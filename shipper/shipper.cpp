#include "shipper/shipper.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <unistd.h>

#include "common/atomic_file.hpp"
#include "common/crypto.hpp"
#include "common/envelope.hpp"
#include "common/shipment_mail.hpp"
#include "shipper/part_builder.hpp"
#include "shipper/privilege.hpp"
#include "shipper/smtp_session.hpp"

namespace logpost::shipper {
namespace {

constexpr size_t k_mails_per_session = 50;

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rfc3339(int64_t us) {
  std::time_t t = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Severity order of exit statuses: the most serious wins.
int severity(int code) {
  switch (code) {
    case exit_code::config: return 6;
    case exit_code::usage: return 6;
    case exit_code::software: return 5;
    case exit_code::no_input: return 4;
    case exit_code::data_error: return 4;
    case exit_code::io_error: return 4;
    case exit_code::cant_create: return 4;
    case exit_code::unavailable: return 3;
    case exit_code::temp_fail: return 2;
    case exit_code::ok: return 0;
    default: return 1;
  }
}

struct ExitStatus {
  int code = exit_code::ok;
  void raise(int c) {
    if (severity(c) > severity(code)) code = c;
  }
};

SmtpSettings smtp_settings(const ShipSettings& s) {
  SmtpSettings m;
  m.host = s.mta_host;
  m.port = s.mta_port;
  m.tls = s.starttls == StartTls::required        ? SmtpSettings::Tls::required
          : s.starttls == StartTls::opportunistic ? SmtpSettings::Tls::opportunistic
                                                  : SmtpSettings::Tls::none;
  m.ca_file = s.tls_ca_file;
  m.user = s.smtp_user;
  m.password = s.smtp_password;
  m.timeout = s.smtp_timeout;
  return m;
}

}  // namespace

ShipmentHeaders part_headers(const ShipmentHeaders& shipment, const BuiltPart& part, bool source_changed) {
  ShipmentHeaders h = shipment;
  h.part = part.number;
  h.offset = part.offset;
  h.length = part.length;
  h.entries = part.entries;
  h.content_sha256 = part.content_sha256;
  h.flags.clear();
  if (part.begins_inside_entry) h.flags.emplace_back(k_flag_begins_inside_entry);
  if (part.ends_inside_entry) h.flags.emplace_back(k_flag_ends_inside_entry);
  if (source_changed) h.flags.emplace_back(k_flag_source_changed);
  return h;
}

Result<std::string> render_part_mail(const ShipmentHeaders& headers, std::string_view gzip,
                                     const MailAddressing& addressing, const std::optional<std::string>& key) {
  std::optional<std::string> signature;
  if (key) {
    auto sig = sign(headers, sha256_hex(gzip), *key);
    if (!sig) return tl::unexpected(sig.error());
    signature = *sig;
  }
  return build_shipment_mail(headers, gzip, addressing, signature);
}

Shipper::Shipper(ShipSettings settings, std::ostream& err, bool verbose)
    : m_settings(std::move(settings)), m_err(err), m_verbose(verbose) {}

Result<SpoolSummary> Shipper::spool_file(InputFile& file, LogKind kind, Spool& spool, StateFile& state, bool force) {
  SpoolSummary summary;
  const std::string file_id = file.identity().file_id();
  summary.shipment_id = make_shipment_id(m_settings.tenant, m_settings.host_name, file_id);
  if (!force) {
    if (const auto* seen = state.find(file_id)) {
      summary.skipped = true;
      summary.warnings.push_back("already shipped as " + seen->shipment_id + " at " +
                                 rfc3339(seen->shipped_at * 1'000'000) + "; not sending it again (use --force)");
      return summary;
    }
  }
  if (file.looks_binary() && kind != LogKind::raw)
    summary.warnings.push_back("contains NUL bytes, which a " + std::string(log_kind_name(kind)) +
                               " log should not; shipping the bytes unchanged");

  if (auto r = spool.begin_staging(summary.shipment_id); !r) return tl::unexpected(r.error());
  // Whatever happens below, staging must not outlive this call.
  struct StagingGuard {
    Spool& spool;
    std::string id;
    ~StagingGuard() { (void)spool.discard_staging(id); }
  } guard{spool, summary.shipment_id};

  std::vector<BuiltPart> parts;  // metadata only: gzip bytes live in staging
  PartLimits limits{m_settings.max_gzip_bytes(), m_settings.max_part_uncompressed};
  PartBuilder builder(kind, limits, m_settings.compression_level, [&](BuiltPart&& part) -> Result<void> {
    auto staged = spool.stage_part(summary.shipment_id, part.number, part.gzip);
    if (!staged) return tl::unexpected(staged.error());
    part.gzip.clear();
    part.gzip.shrink_to_fit();
    parts.push_back(std::move(part));
    return {};
  });
  auto report = file.stream([&](std::string_view chunk) { return builder.feed(chunk); });
  if (!report) return tl::unexpected(report.error());
  if (auto r = builder.finish(); !r) return tl::unexpected(r.error());
  if (report->source_changed) summary.warnings.push_back(report->change_note + "; parts carry the source-changed flag");

  const int64_t created_us = now_us();
  ShipmentHeaders h;
  h.tenant = m_settings.tenant;
  h.host = m_settings.host_name;
  h.kind = std::string(log_kind_name(kind));
  h.source = file.path().string();
  h.file_id = file_id;
  h.shipment_id = summary.shipment_id;
  h.part_count = static_cast<uint32_t>(parts.size());
  h.timezone = m_settings.timezone;
  h.created = rfc3339(created_us);
  const MailAddressing addressing{m_settings.sender, m_settings.recipient};

  for (const auto& part : parts) {
    char name[32];
    std::snprintf(name, sizeof name, "part-%06u.gz", part.number);
    auto gzip = read_small_file(spool.dir() / "staging" / summary.shipment_id / name, m_settings.max_mail_size);
    if (!gzip) return tl::unexpected(gzip.error());
    auto mail = render_part_mail(part_headers(h, part, report->source_changed), *gzip, addressing,
                                 m_settings.signing_key);
    if (!mail) return tl::unexpected(mail.error());
    auto queued = spool.enqueue(Spool::outgoing_name(created_us, summary.shipment_id, part.number), *mail);
    if (!queued) return tl::unexpected(queued.error());
  }
  summary.parts = static_cast<uint32_t>(parts.size());
  summary.content_bytes = report->content_bytes;
  state.record(file_id, summary.shipment_id, created_us / 1'000'000, file.path().string());
  return summary;
}

DeliverySummary Shipper::deliver(Spool& spool) {
  DeliverySummary summary;
  auto pending = spool.outgoing();
  if (!pending) {
    m_err << "logpost-ship: spool: " << pending.error().message << "\n";
    return summary;
  }
  EsmtpSession session(smtp_settings(m_settings));
  for (size_t begin = 0; begin < pending->size(); begin += k_mails_per_session) {
    size_t end = std::min(pending->size(), begin + k_mails_per_session);
    std::vector<OutgoingMail> batch;
    for (size_t i = begin; i < end; ++i)
      batch.push_back(OutgoingMail{(*pending)[i], m_settings.sender, m_settings.recipient});
    auto verdicts = session.send(batch);
    bool connection_failed = false;
    for (size_t i = 0; i < batch.size(); ++i) {
      const auto& v = verdicts[i];
      const std::string name = batch[i].file.filename().string();
      switch (v.status) {
        case SmtpVerdict::Status::accepted:
          ++summary.accepted;
          if (auto r = spool.delivered(batch[i].file); !r) m_err << "logpost-ship: " << r.error().message << "\n";
          if (m_verbose) m_err << "logpost-ship: " << name << ": accepted: " << v.reply << "\n";
          break;
        case SmtpVerdict::Status::temporary:
          ++summary.deferred;
          if (v.code == 0) connection_failed = true;
          m_err << "logpost-ship: " << name << ": kept in the spool for --flush: " << v.reply << "\n";
          break;
        case SmtpVerdict::Status::permanent: {
          ++summary.rejected;
          auto moved = spool.rejected(batch[i].file, v.reply);
          m_err << "logpost-ship: " << name << ": REJECTED by the MTA for good: " << v.reply << "; moved to "
                << (moved ? moved->string() : spool.failed_dir().string()) << "\n";
          if (!moved) m_err << "logpost-ship: " << moved.error().message << "\n";
          break;
        }
      }
    }
    if (connection_failed) {
      // The MTA is unreachable: the rest would fail the same way.
      summary.deferred += pending->size() - end;
      if (pending->size() > end)
        m_err << "logpost-ship: " << pending->size() - end << " more mails kept in the spool for --flush\n";
      break;
    }
  }
  return summary;
}

int run_logpost_ship(const Options& options, std::ostream& out, std::ostream& err) {
  if (options.help) {
    out << usage_text();
    return exit_code::ok;
  }
  if (options.help_config) {
    out << Config::describe(ship_config_keys());
    return exit_code::ok;
  }
  if (options.version) {
    out << "logpost-ship (logpost) 0.1.0\n";
    return exit_code::ok;
  }

  auto config = Config::load_file(options.config_path, ship_config_keys());
  if (!config) {
    err << "logpost-ship: " << options.config_path << ": " << config.error().message << "\n";
    return exit_code::config;
  }
  auto settings = load_ship_settings(*config, options.to);
  if (!settings) {
    std::string msg = settings.error().message;
    for (size_t start = 0; start < msg.size();) {
      size_t nl = msg.find('\n', start);
      err << "logpost-ship: " << options.config_path << ": " << msg.substr(start, nl - start) << "\n";
      start = nl == std::string::npos ? msg.size() : nl + 1;
    }
    return exit_code::config;
  }
  if (!settings->timezone_note.empty()) err << "logpost-ship: note: " << settings->timezone_note << "\n";

  ExitStatus status;
  // Open every input while still root.
  std::vector<InputFile> inputs;
  for (const auto& name : options.files) {
    auto f = InputFile::open(name);
    if (!f) {
      err << "logpost-ship: " << printable_path(name) << ": " << f.error().message << "\n";
      status.raise(exit_code_for(f.error().code));
      continue;
    }
    inputs.push_back(std::move(*f));
  }

  UserIds ids{::geteuid(), ::getegid()};
  if (::geteuid() == 0) {
    if (settings->user.empty()) {
      err << "logpost-ship: warning: running as root because `user` is empty in the config\n";
    } else {
      auto u = lookup_user(settings->user);
      if (!u) {
        err << "logpost-ship: " << options.config_path << ": " << u.error().message << "\n";
        return exit_code::config;
      }
      ids = *u;
    }
    for (const auto& dir : {settings->spool_dir, settings->state_file.parent_path()}) {
      if (auto r = prepare_owned_dir(dir, ids); !r) {
        err << "logpost-ship: " << r.error().message << "\n";
        return exit_code::cant_create;
      }
    }
    if (auto r = drop_privileges(ids); !r) {
      err << "logpost-ship: " << r.error().message << "\n";
      return exit_code::software;
    }
  }

  auto spool = Spool::open(settings->spool_dir);
  if (!spool) {
    err << "logpost-ship: spool " << settings->spool_dir.string() << ": " << spool.error().message << "\n";
    return exit_code::cant_create;
  }
  if (auto r = spool->lock(settings->lock_timeout); !r) {
    err << "logpost-ship: " << r.error().message << "\n";
    return exit_code_for(r.error().code);
  }

  Shipper shipper(std::move(*settings), err, options.verbose);
  if (!options.flush) {
    auto state = StateFile::load(shipper.settings().state_file);
    if (!state) {
      err << "logpost-ship: state file: " << state.error().message << "\n";
      return exit_code::software;
    }
    for (auto& input : inputs) {
      const std::string shown = printable_path(input.path());
      if (options.settle.count() > 0) {
        auto quiet = input.wait_quiet(options.settle, options.settle * 10);
        if (!quiet) {
          err << "logpost-ship: " << shown << ": " << quiet.error().message << "\n";
          status.raise(exit_code::no_input);
          continue;
        }
        if (!*quiet)
          err << "logpost-ship: " << shown << ": still being written after waiting " << options.settle.count() * 10
              << " ms; shipping what is there\n";
      }
      auto shipped = shipper.spool_file(input, *options.kind, *spool, *state, options.force);
      if (!shipped) {
        err << "logpost-ship: " << shown << ": " << shipped.error().message << "; nothing of it was sent\n";
        status.raise(exit_code_for(shipped.error().code));
        continue;
      }
      for (const auto& w : shipped->warnings) err << "logpost-ship: " << shown << ": " << w << "\n";
      if (shipped->skipped) continue;
      // The file counts as shipped only once its state is durable.
      if (auto r = state->save(std::time(nullptr), shipper.settings().state_retention); !r) {
        err << "logpost-ship: " << shown << ": spooled, but the state file could not be written: "
            << r.error().message << "\n";
        status.raise(exit_code::io_error);
      }
      if (options.verbose)
        err << "logpost-ship: " << shown << ": shipment " << shipped->shipment_id << ", " << shipped->parts
            << " part(s), " << shipped->content_bytes << " bytes spooled\n";
    }
  }

  DeliverySummary delivered = shipper.deliver(*spool);
  if (delivered.rejected > 0) status.raise(exit_code::unavailable);
  if (delivered.deferred > 0) status.raise(exit_code::temp_fail);
  if (options.verbose)
    err << "logpost-ship: " << delivered.accepted << " accepted, " << delivered.deferred << " kept in the spool, "
        << delivered.rejected << " rejected\n";
  return status.code;
}

}  // namespace logpost::shipper
