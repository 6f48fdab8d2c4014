// mmdb_reader.hpp — a MaxMind DB (GeoIP2 / GeoLite2 City, Country, ASN)
// opened read-only, memory-mapped. The only file that includes maxminddb.h.
//
// lookup() turns an IPv4 or IPv6 address (text; an IPv6 zone "%eth0" is
// ignored) into the record fields the geoip filter uses, with English names.
// Databases of any type answer with whatever they hold: a City database
// fills the geo fields, an ASN database the AS fields.
//
// Errors: open() fails with ErrorCode::config when the file is missing or
// not a valid database (message from libmaxminddb, naming the path).
// lookup() fails with ErrorCode::data on text that is not an IP address and
// on a corrupt database region; "not in the database" is a success holding
// nullopt.
// Cost: open maps the file; lookup is a walk of the search tree (~32 or 128
// node reads) plus one record decode: a microsecond or so.
// Thread-safety: lookups on one reader may run concurrently (libmaxminddb
// is read-only after open); open/close are not concurrent with lookups.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace logpost::filters {

struct GeoRecord {
  std::optional<std::string> city_name;
  std::optional<std::string> country_name;
  std::optional<std::string> country_iso_code;
  std::optional<std::string> continent_code;
  std::optional<std::string> continent_name;
  std::optional<std::string> region_name;      // first subdivision
  std::optional<std::string> region_iso_code;  // first subdivision's code ("CA")
  std::optional<std::string> postal_code;
  std::optional<std::string> timezone;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::optional<int64_t> as_number;
  std::optional<std::string> as_organization;
};

// A file's identity, to notice that a database was replaced (new inode or
// new modification time).
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  int64_t size = 0;
  bool operator==(const FileIdentity&) const = default;
  static std::optional<FileIdentity> of(const std::filesystem::path& path);
};

class MmdbReader {
 public:
  static Result<std::unique_ptr<MmdbReader>> open(const std::filesystem::path& path);
  ~MmdbReader();
  MmdbReader(const MmdbReader&) = delete;
  MmdbReader& operator=(const MmdbReader&) = delete;

  [[nodiscard]] Result<std::optional<GeoRecord>> lookup(std::string_view ip) const;

  [[nodiscard]] const std::string& database_type() const { return m_type; }  // "GeoIP2-City", ...
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  [[nodiscard]] const FileIdentity& identity() const { return m_identity; }

 private:
  MmdbReader() = default;
  struct Handle;
  std::unique_ptr<Handle> m_handle;
  std::filesystem::path m_path;
  std::string m_type;
  FileIdentity m_identity;
};

}  // namespace logpost::filters
