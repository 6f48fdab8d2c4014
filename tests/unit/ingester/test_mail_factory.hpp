// test_mail_factory.hpp — shipment mails for tests, built with the real
// library (common/shipment_mail.hpp), plus a temporary Maildir.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/envelope.hpp"

namespace logpost::testing {

struct TestMailSpec {
  std::string tenant = "acme";
  std::string host = "db1.example.com";
  std::string kind = "nginx-access";
  std::string source = "/var/log/nginx/access.log.1";
  std::string file_id = "2049:131:4096:1763700000:0123456789abcdef";
  uint32_t part = 1;
  uint32_t part_count = 1;
  uint64_t offset = 0;
  std::vector<std::string> flags;
  std::string created = "2026-11-21T06:25:01Z";
  std::string timezone = "Europe/Berlin";
  std::optional<std::string> key = std::string("tenant-secret-key");  // nullopt: unsigned
  std::optional<uint64_t> entries;  // default: lines in the content (newline count, + a last partial line)
};

// Headers for `content` under `spec` (SHA-256, length, entries computed).
ShipmentHeaders make_test_headers(const TestMailSpec& spec, std::string_view content);
// A complete mail; `headers_out` receives the headers used.
std::string make_test_mail(const TestMailSpec& spec, std::string_view content, ShipmentHeaders* headers_out = nullptr);
// The same, from explicit headers and raw gzip bytes (for corrupt attachments).
std::string make_test_mail_raw(const ShipmentHeaders& headers, std::string_view gzip,
                               const std::optional<std::string>& key);

// A Maildir (new/, cur/, tmp/) under a fresh temporary directory, removed
// by the destructor.
class TempMaildir {
 public:
  TempMaildir();
  ~TempMaildir();
  TempMaildir(const TempMaildir&) = delete;
  TempMaildir& operator=(const TempMaildir&) = delete;

  [[nodiscard]] const std::filesystem::path& root() const { return m_root; }
  [[nodiscard]] std::filesystem::path maildir() const { return m_root / "Maildir"; }
  [[nodiscard]] std::filesystem::path store() const { return m_root / "store.sqlite"; }
  // Delivers `mail` like an MTA: write into tmp/, then rename into new/.
  void deliver(const std::string& name, std::string_view mail) const;
  [[nodiscard]] std::vector<std::string> list(const std::string& sub) const;

 private:
  std::filesystem::path m_root;
};

}  // namespace logpost::testing
