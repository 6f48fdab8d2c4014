#include "filters/mmdb_reader.hpp"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "filters/ip_text.hpp"

namespace logpost::filters {

struct MmdbReader::Handle {
  MMDB_s db{};
  bool open = false;
  ~Handle() {
    if (open) MMDB_close(&db);
  }
};

std::optional<FileIdentity> FileIdentity::of(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  FileIdentity id;
  id.device = st.st_dev;
  id.inode = st.st_ino;
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  id.size = static_cast<int64_t>(st.st_size);
  return id;
}

Result<std::unique_ptr<MmdbReader>> MmdbReader::open(const std::filesystem::path& path) {
  std::unique_ptr<MmdbReader> reader(new MmdbReader());
  reader->m_handle = std::make_unique<Handle>();
  reader->m_path = path;
  // Identity first: if the file is replaced while we open it, the next
  // check sees a difference and reopens, never the reverse.
  auto identity = FileIdentity::of(path);
  if (!identity) return fail(ErrorCode::config, "GeoIP database " + path.string() + ": " + std::strerror(errno));
  reader->m_identity = *identity;
  int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &reader->m_handle->db);
  if (status != MMDB_SUCCESS) {
    std::string why = MMDB_strerror(status);
    if (status == MMDB_IO_ERROR) why += std::string(" (") + std::strerror(errno) + ")";
    return fail(ErrorCode::config, "GeoIP database " + path.string() + ": " + why);
  }
  reader->m_handle->open = true;
  if (reader->m_handle->db.metadata.database_type) reader->m_type = reader->m_handle->db.metadata.database_type;
  return reader;
}

MmdbReader::~MmdbReader() = default;

namespace {

std::optional<std::string> get_string(MMDB_entry_s* entry, const char* const* path) {
  MMDB_entry_data_s data{};
  if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING)
    return std::nullopt;
  return std::string(data.utf8_string, data.data_size);
}

std::optional<double> get_double(MMDB_entry_s* entry, const char* const* path) {
  MMDB_entry_data_s data{};
  if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data) return std::nullopt;
  if (data.type == MMDB_DATA_TYPE_DOUBLE) return data.double_value;
  if (data.type == MMDB_DATA_TYPE_FLOAT) return static_cast<double>(data.float_value);
  return std::nullopt;
}

std::optional<int64_t> get_integer(MMDB_entry_s* entry, const char* const* path) {
  MMDB_entry_data_s data{};
  if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data) return std::nullopt;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT16: return data.uint16;
    case MMDB_DATA_TYPE_UINT32: return data.uint32;
    case MMDB_DATA_TYPE_INT32: return data.int32;
    case MMDB_DATA_TYPE_UINT64: return static_cast<int64_t>(data.uint64);
    default: return std::nullopt;
  }
}

}  // namespace

Result<std::optional<GeoRecord>> MmdbReader::lookup(std::string_view ip) const {
  // Parse the address ourselves (no getaddrinfo as in MMDB_lookup_string,
  // no heap copy of the text). The text ends at a zone ("%eth0") or at a
  // NUL byte, as the C string inet_pton used to get ended there; a plain
  // dotted quad (the common case) needs neither search.
  sockaddr_storage storage{};
  auto* sa = reinterpret_cast<sockaddr*>(&storage);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  std::array<uint8_t, 4> v4_bytes{};
  std::array<uint8_t, 16> v6_bytes{};
  std::string_view text = ip;
  const bool plain_v4 = parse_ipv4_exact(ip, v4_bytes);
  if (!plain_v4) text = ip.substr(0, std::min(ip.find('%'), ip.find('\0')));
  if (plain_v4 || parse_ipv4(text, v4_bytes)) {
    v4->sin_family = AF_INET;
    std::memcpy(&v4->sin_addr, v4_bytes.data(), v4_bytes.size());
  } else if (parse_ipv6(text, v6_bytes)) {
    v6->sin6_family = AF_INET6;
    std::memcpy(&v6->sin6_addr, v6_bytes.data(), v6_bytes.size());
  } else {
    return fail(ErrorCode::data, "not an IP address: '" + std::string(ip) + "'");
  }
  int error = MMDB_SUCCESS;
  MMDB_lookup_result_s result = MMDB_lookup_sockaddr(&m_handle->db, sa, &error);
  if (error != MMDB_SUCCESS)
    return fail(ErrorCode::data, "GeoIP lookup of " + std::string(ip) + " in " + m_path.string() + ": " +
                                     MMDB_strerror(error));
  if (!result.found_entry) return std::optional<GeoRecord>();
  GeoRecord r;
  MMDB_entry_s* e = &result.entry;
  static const char* const k_city[] = {"city", "names", "en", nullptr};
  static const char* const k_country[] = {"country", "names", "en", nullptr};
  static const char* const k_country_iso[] = {"country", "iso_code", nullptr};
  static const char* const k_continent[] = {"continent", "code", nullptr};
  static const char* const k_continent_name[] = {"continent", "names", "en", nullptr};
  static const char* const k_region[] = {"subdivisions", "0", "names", "en", nullptr};
  static const char* const k_region_iso[] = {"subdivisions", "0", "iso_code", nullptr};
  static const char* const k_postal[] = {"postal", "code", nullptr};
  static const char* const k_timezone[] = {"location", "time_zone", nullptr};
  static const char* const k_latitude[] = {"location", "latitude", nullptr};
  static const char* const k_longitude[] = {"location", "longitude", nullptr};
  static const char* const k_asn[] = {"autonomous_system_number", nullptr};
  static const char* const k_as_org[] = {"autonomous_system_organization", nullptr};
  r.city_name = get_string(e, k_city);
  r.country_name = get_string(e, k_country);
  r.country_iso_code = get_string(e, k_country_iso);
  r.continent_code = get_string(e, k_continent);
  r.continent_name = get_string(e, k_continent_name);
  r.region_name = get_string(e, k_region);
  r.region_iso_code = get_string(e, k_region_iso);
  r.postal_code = get_string(e, k_postal);
  r.timezone = get_string(e, k_timezone);
  r.latitude = get_double(e, k_latitude);
  r.longitude = get_double(e, k_longitude);
  r.as_number = get_integer(e, k_asn);
  r.as_organization = get_string(e, k_as_org);
  return std::optional<GeoRecord>(std::move(r));
}

}  // namespace logpost::filters
