// ship_config.hpp — logpost-ship's configuration: the key table (declared
// once, printed by `logpost-ship --help-config` and in docs/shipper.md) and
// the validated settings the rest of the shipper uses.
//
// load_ship_settings() checks every key and reports every problem at once
// (ErrorCode::config, one line each), so a broken ship.conf exits 78 with
// the full list. Secrets (signing key, SMTP password) are read here, before
// privileges are dropped, from files that may be readable by root only.
//
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "common/config.hpp"
#include "common/result.hpp"

namespace logpost::shipper {

inline constexpr std::string_view k_default_config_path = "/etc/logpost/ship.conf";

std::span<const ConfigKey> ship_config_keys();

enum class StartTls { none, opportunistic, required };

struct ShipSettings {
  std::string recipient;
  std::string sender;
  std::string mta_host;
  int mta_port = 25;
  StartTls starttls = StartTls::none;
  std::filesystem::path tls_ca_file;
  std::string smtp_user;
  std::string smtp_password;
  std::string tenant;
  std::string host_name;
  std::optional<std::string> signing_key;
  uint64_t max_mail_size = 0;
  uint64_t max_part_uncompressed = 0;
  int compression_level = 6;
  std::filesystem::path spool_dir;
  std::filesystem::path state_file;
  std::chrono::milliseconds state_retention{0};
  std::chrono::milliseconds smtp_timeout{0};
  std::chrono::milliseconds lock_timeout{0};
  std::string user;           // "" = do not drop privileges
  std::string timezone;
  std::string timezone_note;  // set when the zone was guessed (printed once)

  // Bytes of gzip a part may hold so that its mail fits max_mail_size.
  [[nodiscard]] uint64_t max_gzip_bytes() const;
};

// Headroom for the mail's headers, the text part, MIME boundaries and the
// Received: lines MTAs add on the way.
inline constexpr uint64_t k_mail_header_budget = 16 * 1024;

// `recipient_override` is --to. Reads key files; detects host and zone.
Result<ShipSettings> load_ship_settings(const Config& config, const std::optional<std::string>& recipient_override);

// The box's IANA zone: /etc/timezone, else the /etc/localtime symlink target
// after ".../zoneinfo/"; nullopt when neither says.
std::optional<std::string> detect_timezone(const std::filesystem::path& etc = "/etc");

}  // namespace logpost::shipper
