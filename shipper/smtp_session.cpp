#include "shipper/smtp_session.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <unistd.h>

#include <openssl/ssl.h>
// libesmtp declares the AUTH and TLS APIs only after these headers.
#include <auth-client.h>
#include <libesmtp.h>

namespace logpost::shipper {
namespace {

constexpr size_t k_read_chunk = 64 * 1024;

// Per-mail reader for libesmtp's message callback. libesmtp may call the
// callback with len == nullptr to rewind (it reads the headers once before
// sending), so the reader seeks back to 0 then.
struct MailReader {
  std::filesystem::path path;
  int fd = -1;
  std::string buffer = std::string(k_read_chunk, '\0');
  std::string error;

  ~MailReader() {
    if (fd >= 0) ::close(fd);
  }
};

const char* message_callback(void** /*ctx*/, int* len, void* arg) {
  auto* r = static_cast<MailReader*>(arg);
  if (r->fd < 0) {
    r->fd = ::open(r->path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (r->fd < 0) {
      r->error = "cannot open " + r->path.string() + ": " + std::strerror(errno);
      if (len) *len = 0;
      return nullptr;
    }
  }
  if (len == nullptr) {
    ::lseek(r->fd, 0, SEEK_SET);
    return nullptr;
  }
  for (;;) {
    ssize_t got = ::read(r->fd, r->buffer.data(), r->buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      r->error = "read " + r->path.string() + ": " + std::strerror(errno);
      got = 0;
    }
    *len = static_cast<int>(got);
    return got > 0 ? r->buffer.data() : nullptr;
  }
}

int auth_interact(auth_client_request_t request, char** result, int fields, void* arg) {
  auto* s = static_cast<SmtpSettings*>(arg);
  for (int i = 0; i < fields; ++i) {
    if (request[i].flags & AUTH_USER)
      result[i] = const_cast<char*>(s->user.c_str());
    else if (request[i].flags & AUTH_PASS)
      result[i] = const_cast<char*>(s->password.c_str());
    else
      return 0;
  }
  return 1;
}

std::string esmtp_error() {
  char buf[256] = {};
  int e = smtp_errno();
  const char* msg = smtp_strerror(e, buf, sizeof buf);
  return msg ? std::string(msg) : "libesmtp error " + std::to_string(e);
}

SmtpVerdict verdict_from(const smtp_status_t* st, std::string_view what) {
  SmtpVerdict v;
  if (st == nullptr || st->code == 0) {
    v.status = SmtpVerdict::Status::temporary;
    v.reply = std::string(what) + ": no reply from the server";
    return v;
  }
  v.code = st->code;
  v.reply = std::to_string(st->code) + " " + (st->text ? std::string(st->text) : std::string());
  while (!v.reply.empty() && (v.reply.back() == '\n' || v.reply.back() == '\r')) v.reply.pop_back();
  if (st->code >= 200 && st->code < 300) v.status = SmtpVerdict::Status::accepted;
  else if (st->code >= 500) v.status = SmtpVerdict::Status::permanent;
  else v.status = SmtpVerdict::Status::temporary;
  return v;
}

// Why STARTTLS failed, in words: libesmtp itself reports only "client
// error" (handshake refused) or no status at all (STARTTLS not offered).
struct TlsTrouble {
  std::string host;
  std::string what;
};

// OpenSSL chain verification (SSL_VERIFY_PEER): remembers the first error.
int verify_callback(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok != 1) {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* trouble = ssl ? static_cast<TlsTrouble*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), 0)) : nullptr;
    if (trouble && trouble->what.empty())
      trouble->what = std::string("the MTA's TLS certificate does not verify: ") +
                      X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
  }
  return preverify_ok;
}

// libesmtp's STARTTLS events; *ok stays 0 (refuse) for every certificate
// problem, so the session QUITs before MAIL FROM.
void event_callback(smtp_session_t /*session*/, int event, void* arg, ...) {
  auto* trouble = static_cast<TlsTrouble*>(arg);
  va_list ap;
  va_start(ap, arg);
  switch (event) {
    case SMTP_EV_EXTNA_STARTTLS:
      trouble->what = "the server does not offer STARTTLS (starttls = required)";
      break;
    case SMTP_EV_INVALID_PEER_CERTIFICATE: {
      long result = va_arg(ap, long);
      int* ok = va_arg(ap, int*);
      *ok = 0;
      if (trouble->what.empty())
        trouble->what = std::string("the MTA's TLS certificate does not verify: ") + X509_verify_cert_error_string(result);
      break;
    }
    case SMTP_EV_NO_PEER_CERTIFICATE: {
      int* ok = va_arg(ap, int*);
      *ok = 0;
      trouble->what = "the MTA presented no TLS certificate";
      break;
    }
    case SMTP_EV_WRONG_PEER_CERTIFICATE: {
      int* ok = va_arg(ap, int*);
      const char* name = va_arg(ap, const char*);
      *ok = 0;
      trouble->what = "the MTA's TLS certificate is not for " + trouble->host + " (it names '" +
                      (name ? name : "") + "'; libesmtp matches DNS names only)";
      break;
    }
    default:
      break;
  }
  va_end(ap);
}

// libesmtp looks for client certificates under $HOME/.authenticate and
// aborts the handshake when it cannot stat them, which is what happens after
// dropping root while HOME still names root's home. logpost uses no client
// certificates: HOME points nowhere for the session and is restored after.
class HomeOverride {
 public:
  HomeOverride() {
    if (const char* h = std::getenv("HOME")) {
      m_saved = h;
      m_had = true;
    }
    ::setenv("HOME", "/nonexistent", 1);
  }
  ~HomeOverride() {
    if (m_had) ::setenv("HOME", m_saved.c_str(), 1);
    else ::unsetenv("HOME");
  }
  HomeOverride(const HomeOverride&) = delete;
  HomeOverride& operator=(const HomeOverride&) = delete;

 private:
  std::string m_saved;
  bool m_had = false;
};

struct SessionDeleter {
  void operator()(smtp_session_t s) const { smtp_destroy_session(s); }
};
struct AuthDeleter {
  void operator()(auth_context_t a) const { auth_destroy_context(a); }
};
struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

}  // namespace

EsmtpSession::EsmtpSession(SmtpSettings settings) : m_settings(std::move(settings)) {}

std::vector<SmtpVerdict> EsmtpSession::send(std::span<const OutgoingMail> mails) {
  std::vector<SmtpVerdict> verdicts(mails.size());
  auto all = [&](SmtpVerdict::Status status, const std::string& reply) {
    for (auto& v : verdicts) v = SmtpVerdict{status, 0, reply};
    return verdicts;
  };
  if (mails.empty()) return verdicts;

  std::unique_ptr<struct smtp_session, SessionDeleter> session(smtp_create_session());
  if (!session) return all(SmtpVerdict::Status::temporary, "cannot create SMTP session: " + esmtp_error());
  std::string server = m_settings.host + ":" + std::to_string(m_settings.port);
  smtp_set_server(session.get(), server.c_str());
  if (!m_settings.helo_name.empty()) smtp_set_hostname(session.get(), m_settings.helo_name.c_str());
  const long timeout_ms = static_cast<long>(m_settings.timeout.count());
  for (int which : {Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2})
    smtp_set_timeout(session.get(), which | Timeout_OVERRIDE_RFC2822_MINIMUM, timeout_ms);

  std::unique_ptr<SSL_CTX, SslCtxDeleter> ssl_ctx;
  TlsTrouble tls_trouble{m_settings.host, {}};
  std::optional<HomeOverride> home_override;
  switch (m_settings.tls) {
    case SmtpSettings::Tls::none:
      smtp_starttls_enable(session.get(), Starttls_DISABLED);
      break;
    case SmtpSettings::Tls::opportunistic:
    case SmtpSettings::Tls::required: {
      // libesmtp's own default context looks for a CA file under the user's
      // home directory; give it one that uses ours or the system's.
      ssl_ctx.reset(SSL_CTX_new(TLS_client_method()));
      if (!ssl_ctx) return all(SmtpVerdict::Status::temporary, "cannot create a TLS context");
      SSL_CTX_set_min_proto_version(ssl_ctx.get(), TLS1_2_VERSION);
      // With TLS 1.3, libesmtp 1.1.0 (Debian 12) against Postfix stalls after
      // the EHLO that follows STARTTLS until the SMTP timeout, then QUITs
      // without sending (seen in tests/integration/shipper/starttls.sh).
      SSL_CTX_set_max_proto_version(ssl_ctx.get(), TLS1_2_VERSION);
      int ok = m_settings.ca_file.empty()
                   ? SSL_CTX_set_default_verify_paths(ssl_ctx.get())
                   : SSL_CTX_load_verify_locations(ssl_ctx.get(), m_settings.ca_file.c_str(), nullptr);
      if (ok != 1) return all(SmtpVerdict::Status::temporary, "cannot load CA certificates for STARTTLS");
      SSL_CTX_set_verify(ssl_ctx.get(), SSL_VERIFY_PEER, verify_callback);
      SSL_CTX_set_ex_data(ssl_ctx.get(), 0, &tls_trouble);
      smtp_set_eventcb(session.get(), event_callback, &tls_trouble);
      home_override.emplace();
      smtp_starttls_set_ctx(session.get(), ssl_ctx.get());
      smtp_starttls_enable(session.get(), m_settings.tls == SmtpSettings::Tls::required ? Starttls_REQUIRED
                                                                                         : Starttls_ENABLED);
      break;
    }
  }

  std::unique_ptr<struct auth_context, AuthDeleter> auth;
  if (!m_settings.user.empty()) {
    auth_client_init();
    auth.reset(auth_create_context());
    if (!auth) return all(SmtpVerdict::Status::temporary, "cannot create SMTP AUTH context");
    auth_set_mechanism_flags(auth.get(), AUTH_PLUGIN_PLAIN, 0);
    auth_set_interact_cb(auth.get(), auth_interact, &m_settings);
    smtp_auth_set_context(session.get(), auth.get());
  }

  std::vector<std::unique_ptr<MailReader>> readers;
  std::vector<smtp_message_t> messages;
  std::vector<smtp_recipient_t> recipients;
  for (const auto& mail : mails) {
    auto reader = std::make_unique<MailReader>();
    reader->path = mail.file;
    smtp_message_t msg = smtp_add_message(session.get());
    if (!msg) return all(SmtpVerdict::Status::temporary, "cannot add message: " + esmtp_error());
    smtp_set_reverse_path(msg, mail.sender.c_str());
    smtp_recipient_t rcpt = smtp_add_recipient(msg, mail.recipient.c_str());
    // The mail already carries To:; libesmtp must not invent one from the envelope.
    smtp_set_messagecb(msg, message_callback, reader.get());
    messages.push_back(msg);
    recipients.push_back(rcpt);
    readers.push_back(std::move(reader));
  }

  if (!smtp_start_session(session.get())) {
    // Nothing was accepted unless a message status says so (a session can
    // fail after some messages went through).
    std::string why = "cannot talk to the MTA at " + server + ": " +
                      (tls_trouble.what.empty() ? esmtp_error() : "STARTTLS: " + tls_trouble.what);
    for (size_t i = 0; i < mails.size(); ++i) {
      const smtp_status_t* st = smtp_message_transfer_status(messages[i]);
      if (st && st->code >= 200 && st->code < 300) verdicts[i] = verdict_from(st, "DATA");
      else verdicts[i] = SmtpVerdict{SmtpVerdict::Status::temporary, 0, why};
    }
    return verdicts;
  }

  for (size_t i = 0; i < mails.size(); ++i) {
    SmtpVerdict rcpt = verdict_from(smtp_recipient_status(recipients[i]), "RCPT TO");
    SmtpVerdict data = verdict_from(smtp_message_transfer_status(messages[i]), "DATA");
    if (!readers[i]->error.empty()) {
      verdicts[i] = SmtpVerdict{SmtpVerdict::Status::temporary, 0, readers[i]->error};
    } else if (data.code == 0 && rcpt.code == 0 && !tls_trouble.what.empty()) {
      // The session QUIT before MAIL FROM because of STARTTLS.
      verdicts[i] = SmtpVerdict{SmtpVerdict::Status::temporary, 0, "STARTTLS: " + tls_trouble.what};
    } else if (rcpt.status != SmtpVerdict::Status::accepted && rcpt.code != 0) {
      verdicts[i] = rcpt;  // the refusal came at RCPT TO; DATA was never sent
    } else {
      verdicts[i] = data;
    }
  }
  return verdicts;
}

}  // namespace logpost::shipper
