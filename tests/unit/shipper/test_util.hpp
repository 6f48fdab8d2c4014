// Helpers shared by the shipper unit tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "common/atomic_file.hpp"

namespace logpost::shipper::test {

// A fresh directory under the system temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "logpost-ship-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

inline void write_file(const std::filesystem::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}

inline std::string read_file(const std::filesystem::path& p) {
  auto content = read_small_file(p);
  return content ? *content : std::string("<unreadable: " + content.error().message + ">");
}

// Deterministic access-log-like lines.
inline std::string access_lines(size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += "10.1." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) +
           " - - [21/Nov/2026:06:00:00 +0000] \"GET /item/" + std::to_string(rng() % 100000) +
           " HTTP/1.1\" 200 " + std::to_string(rng() % 9999) + " \"-\" \"agent/" + std::to_string(rng()) + "\"\n";
  }
  return out;
}

// Deterministic slow-log entries (each begins with "# User@Host:", every
// third with "# Time:").
inline std::string slow_entries(size_t n, unsigned seed = 2) {
  std::mt19937 rng(seed);
  std::string out = "/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-log (Debian 12). started with:\n";
  for (size_t i = 0; i < n; ++i) {
    if (i % 3 == 0) out += "# Time: 261121  6:00:" + std::to_string(10 + i % 50) + "\n";
    out += "# User@Host: app[app] @ localhost []\n# Query_time: 1.5  Lock_time: 0.0  Rows_sent: 1  Rows_examined: " +
           std::to_string(rng() % 100000) + "\nSET timestamp=1795240000;\nSELECT * FROM t WHERE id = " +
           std::to_string(rng()) + "\n  AND x = '" + std::to_string(rng()) + "';\n";
  }
  return out;
}

}  // namespace logpost::shipper::test
