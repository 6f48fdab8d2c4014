#include "shipper/ship_config.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <unistd.h>

#include "common/atomic_file.hpp"
#include "common/envelope.hpp"
#include "common/shipment_mail.hpp"

namespace logpost::shipper {
namespace {

constexpr std::array k_keys{
    ConfigKey{"recipient", ConfigType::string, "",
              "Address the shipments are mailed to (e.g. logs@logs.example.net); --to overrides it."},
    ConfigKey{"sender", ConfigType::string, "", "Envelope and From address; default logpost@<host_name>."},
    ConfigKey{"mta_host", ConfigType::string, "127.0.0.1", "The local MTA that takes the mail (never a remote relay: Postfix queues and retries)."},
    ConfigKey{"mta_port", ConfigType::integer, "25", "TCP port of the local MTA."},
    ConfigKey{"starttls", ConfigType::choice, "none",
              "STARTTLS towards the MTA: none (loopback), opportunistic (if offered), required (fail otherwise).",
              "none|opportunistic|required"},
    ConfigKey{"tls_ca_file", ConfigType::path, "", "CA bundle to verify the MTA's certificate; default: the system's."},
    ConfigKey{"smtp_user", ConfigType::string, "", "SMTP AUTH user name (PLAIN/LOGIN); empty = no AUTH."},
    ConfigKey{"smtp_password_file", ConfigType::path, "", "File holding the SMTP AUTH password (first line)."},
    ConfigKey{"tenant", ConfigType::string, "default", "Tenant id put in every shipment ([A-Za-z0-9._-]{1,64})."},
    ConfigKey{"host_name", ConfigType::string, "", "Host name put in every shipment; default: gethostname()."},
    ConfigKey{"signing_key_file", ConfigType::path, "",
              "HMAC-SHA256 key signing each part (the file's bytes, trailing CR/LF removed); empty = unsigned mails."},
    ConfigKey{"max_mail_size", ConfigType::size, "9M",
              "Largest mail built, base64 and headers included; keep below the MTAs' message_size_limit (Postfix: 10240000)."},
    ConfigKey{"max_part_uncompressed", ConfigType::size, "64M",
              "Largest uncompressed content in one part, so no mail inflates to more than this."},
    ConfigKey{"compression_level", ConfigType::integer, "6", "gzip level 1..9."},
    ConfigKey{"spool_dir", ConfigType::path, "/var/spool/logpost",
              "Spool: staging/ (parts being built), outgoing/ (mails not yet accepted), failed/ (rejected for good)."},
    ConfigKey{"state_file", ConfigType::path, "/var/lib/logpost/ship.state",
              "Identities of the files already shipped (so a repeated hook sends nothing twice)."},
    ConfigKey{"state_retention", ConfigType::duration, "90d", "How long a shipped file's identity is remembered."},
    ConfigKey{"smtp_timeout", ConfigType::duration, "5m", "Timeout for each SMTP protocol step."},
    ConfigKey{"lock_timeout", ConfigType::duration, "10m",
              "How long to wait for another logpost-ship using the same spool before giving up (exit 75)."},
    ConfigKey{"user", ConfigType::string, "logpost",
              "Unprivileged user to switch to after opening the input files when run as root; empty = stay (not recommended)."},
    ConfigKey{"timezone", ConfigType::string, "",
              "IANA zone of the logs' local timestamps; default: the box's (/etc/timezone, /etc/localtime), else UTC."},
};

// The SMTP AUTH password: the first line of the file.
Result<std::string> read_password_file(const std::filesystem::path& path) {
  auto content = read_small_file(path, 1u << 20);
  if (!content) return fail(ErrorCode::config, "smtp_password_file " + path.string() + ": " + content.error().message);
  std::string s = std::move(*content);
  s.resize(std::min(s.size(), s.find_first_of("\r\n")));
  if (s.empty()) return fail(ErrorCode::config, "smtp_password_file " + path.string() + " is empty");
  return s;
}

}  // namespace

std::span<const ConfigKey> ship_config_keys() { return k_keys; }

uint64_t ShipSettings::max_gzip_bytes() const {
  if (max_mail_size <= k_mail_header_budget) return 0;
  uint64_t room = max_mail_size - k_mail_header_budget;
  // The largest n with base64_mail_size(n) <= room (monotonic: binary search).
  uint64_t lo = 0, hi = room;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo + 1) / 2;
    if (base64_mail_size(mid) <= room) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

std::optional<std::string> detect_timezone(const std::filesystem::path& etc) {
  if (auto tz = read_small_file(etc / "timezone", 4096)) {
    std::string s = *tz;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    if (!s.empty() && s.find_first_of(" \t\n") == std::string::npos) return s;
  }
  std::error_code ec;
  auto target = std::filesystem::read_symlink(etc / "localtime", ec);
  if (!ec) {
    std::string t = target.string();
    auto pos = t.find("zoneinfo/");
    if (pos != std::string::npos && pos + 9 < t.size()) return t.substr(pos + 9);
  }
  return std::nullopt;
}

Result<ShipSettings> load_ship_settings(const Config& config, const std::optional<std::string>& recipient_override) {
  ShipSettings s;
  std::string errors;
  auto problem = [&](std::string_view key, const std::string& msg) {
    if (!errors.empty()) errors += "\n";
    errors += std::string(key) + " (" + config.origin_of(key) + "): " + msg;
  };

  s.recipient = recipient_override ? *recipient_override : config.get_string("recipient");
  if (s.recipient.empty())
    problem("recipient", "no recipient: set recipient in the config file or pass --to");
  else if (!is_safe_mail_address(s.recipient))
    problem("recipient", "'" + s.recipient + "' is not a plain local@domain address");

  s.host_name = config.get_string("host_name");
  if (s.host_name.empty()) {
    char buf[HOST_NAME_MAX + 1] = {};
    if (::gethostname(buf, sizeof buf - 1) == 0) s.host_name = buf;
    if (s.host_name.empty()) s.host_name = "localhost";
  }
  if (s.host_name.size() > 255) problem("host_name", "longer than 255 bytes");

  s.sender = config.get_string("sender");
  if (s.sender.empty()) s.sender = "logpost@" + s.host_name;
  if (!is_safe_mail_address(s.sender))
    problem("sender", "'" + s.sender + "' is not a plain local@domain address (set sender explicitly)");

  s.mta_host = config.get_string("mta_host");
  if (s.mta_host.empty() || s.mta_host.find_first_of(" \t\r\n:") != std::string::npos)
    problem("mta_host", "must be a host name or IPv4 address");
  int64_t port = config.get_int("mta_port");
  if (port < 1 || port > 65535) problem("mta_port", "must be 1..65535");
  s.mta_port = static_cast<int>(port);

  std::string tls = config.get_string("starttls");
  s.starttls = tls == "required" ? StartTls::required : tls == "opportunistic" ? StartTls::opportunistic : StartTls::none;
  s.tls_ca_file = config.get_path("tls_ca_file");
  if (!s.tls_ca_file.empty() && !std::filesystem::exists(s.tls_ca_file))
    problem("tls_ca_file", "'" + s.tls_ca_file.string() + "' does not exist");

  s.smtp_user = config.get_string("smtp_user");
  auto password_file = config.get_path("smtp_password_file");
  if (!s.smtp_user.empty()) {
    if (password_file.empty()) {
      problem("smtp_password_file", "smtp_user is set but no smtp_password_file");
    } else if (auto pw = read_password_file(password_file)) {
      s.smtp_password = *pw;
    } else {
      problem("smtp_password_file", pw.error().message);
    }
  }

  s.tenant = config.get_string("tenant");
  if (!is_valid_tenant(s.tenant)) problem("tenant", "'" + s.tenant + "' is not [A-Za-z0-9._-]{1,64}");

  auto key_file = config.get_path("signing_key_file");
  if (!key_file.empty()) {
    if (auto key = read_signing_key_file(key_file)) s.signing_key = *key;
    else problem("signing_key_file", key.error().message);
  }

  s.max_mail_size = config.get_size("max_mail_size");
  if (s.max_mail_size < k_mail_header_budget + 4096)
    problem("max_mail_size", "must be at least " + std::to_string(k_mail_header_budget + 4096) + " bytes");
  s.max_part_uncompressed = config.get_size("max_part_uncompressed");
  if (s.max_part_uncompressed < 4096) problem("max_part_uncompressed", "must be at least 4k");
  int64_t level = config.get_int("compression_level");
  if (level < 1 || level > 9) problem("compression_level", "must be 1..9");
  s.compression_level = static_cast<int>(level);

  s.spool_dir = config.get_path("spool_dir");
  if (s.spool_dir.empty() || !s.spool_dir.is_absolute()) problem("spool_dir", "must be an absolute path");
  s.state_file = config.get_path("state_file");
  if (s.state_file.empty() || !s.state_file.is_absolute()) problem("state_file", "must be an absolute path");
  s.state_retention = config.get_duration("state_retention");
  s.smtp_timeout = config.get_duration("smtp_timeout");
  if (s.smtp_timeout.count() < 1000) problem("smtp_timeout", "must be at least 1s");
  s.lock_timeout = config.get_duration("lock_timeout");
  s.user = config.get_string("user");

  s.timezone = config.get_string("timezone");
  if (s.timezone.empty()) {
    if (auto tz = detect_timezone()) {
      s.timezone = *tz;
    } else {
      s.timezone = "UTC";
      s.timezone_note = "cannot determine the box's time zone (no /etc/timezone, /etc/localtime is not a zoneinfo link); "
                        "shipping as UTC: set `timezone` in the config";
    }
  }
  if (s.timezone.size() > 64 || s.timezone.find_first_of(" \t\r\n") != std::string::npos)
    problem("timezone", "'" + s.timezone + "' is not an IANA zone name");

  if (!errors.empty()) return fail(ErrorCode::config, errors);
  return s;
}

}  // namespace logpost::shipper
