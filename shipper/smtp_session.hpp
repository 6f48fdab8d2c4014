// smtp_session.hpp — handing spooled mails to the MTA over SMTP (libesmtp,
// wrapped here once: the only file that includes libesmtp.h).
//
// EsmtpSession::send() opens one SMTP session to the configured MTA and
// offers each mail file in order (MAIL FROM, RCPT TO, DATA), streaming the
// file from disk in 64 KiB reads, so a mail is never held in memory. Each
// mail gets its own verdict:
//   accepted   the server said 250 after DATA: the MTA owns it now;
//   temporary  connection refused or dropped, timeout, TLS required but not
//              offered, or a 4xx reply: keep it spooled and retry later;
//   permanent  a 5xx reply (message too big, unknown recipient): retrying
//              will not help.
// `reply` carries the server's status line (or the local error) for logs.
//
// Mail files must already be RFC 5322 with CRLF line ends
// (build_shipment_mail); libesmtp does the dot-stuffing.
//
// Errors: send() itself does not fail; every problem is a per-mail verdict.
// Cost: one TCP connection per send() call.
// Thread-safety: one object per thread (libesmtp sessions are not shared).
#pragma once

#include <chrono>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace logpost::shipper {

struct SmtpSettings {
  std::string host = "127.0.0.1";
  int port = 25;
  enum class Tls { none, opportunistic, required } tls = Tls::none;
  std::filesystem::path ca_file;  // empty: the system's CA store
  std::string user;               // empty: no AUTH
  std::string password;
  std::string helo_name;          // empty: libesmtp's default (the host name)
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
};

struct OutgoingMail {
  std::filesystem::path file;
  std::string sender;
  std::string recipient;
};

struct SmtpVerdict {
  enum class Status { accepted, temporary, permanent } status = Status::temporary;
  int code = 0;        // SMTP reply code; 0 when no reply (connection failure)
  std::string reply;   // "550 5.1.1 <x@y>: Recipient address rejected ..." or a local error
};

class EsmtpSession {
 public:
  explicit EsmtpSession(SmtpSettings settings);

  std::vector<SmtpVerdict> send(std::span<const OutgoingMail> mails);

 private:
  SmtpSettings m_settings;
};

}  // namespace logpost::shipper
