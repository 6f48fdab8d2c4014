// envelope.hpp — the shipment envelope: the X-Logpost-* headers that travel
// with every part of a shipped log, their encoding, and their signature.
//
// This file is the executable form of docs/shipment-format.md (format
// version 1); the two must agree. The shipper fills a ShipmentHeaders and
// calls to_fields()/sign(); the ingester calls from_fields()/verify().
//
// Header values are encoded so that no input can inject a header: every
// byte outside a small safe set (letters, digits and - . _ ~ / : @ + = ,)
// becomes %XX with uppercase hex. The encoding is canonical and decoding is
// strict (lowercase hex, an encoded safe byte, or a raw unsafe byte are
// errors), so each value has exactly one wire form and the signature can
// cover the wire form.
//
// Errors: Result with ErrorCode::data (malformed), ::too_large (value over
// its limit) or ::signature (missing, malformed or wrong signature).
// Cost: all functions are pure and linear in the header sizes.
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace logpost {

inline constexpr int k_shipment_format_version = 1;
// Longest encoded header value we emit or accept; keeps every header line
// well under RFC 5322's 998-octet limit without folding.
inline constexpr size_t k_max_encoded_header_value = 900;

// Flags: conditions of a part that the ingester must know about.
inline constexpr std::string_view k_flag_begins_inside_entry = "begins-inside-entry";  // first entry was cut
inline constexpr std::string_view k_flag_ends_inside_entry = "ends-inside-entry";      // last entry was cut
inline constexpr std::string_view k_flag_source_changed = "source-changed";  // file grew/shrank while read

struct ShipmentHeaders {
  int version = k_shipment_format_version;
  std::string tenant;       // [A-Za-z0-9._-]{1,64}
  std::string host;         // the box's name, any bytes, <= 255 raw
  std::string kind;         // [a-z0-9-]{1,32}: mysql-slow, nginx-access, apache-access, raw
  std::string source;       // the rotated file's path, any bytes
  std::string file_id;      // identity of the file: "<dev>:<inode>:<size>:<mtime>:<head-sha256-prefix>"
  std::string shipment_id;  // 32 lowercase hex: make_shipment_id()
  uint32_t part = 1;        // 1-based
  uint32_t part_count = 1;
  uint64_t offset = 0;      // first byte of this part in the uncompressed source
  uint64_t length = 0;      // bytes of uncompressed source in this part
  uint64_t entries = 0;     // lines (access, raw) or entries (slow log) in this part
  std::string content_sha256;  // hex SHA-256 of the uncompressed part
  std::string timezone;     // IANA name of the box's zone: "Europe/Berlin", "UTC"
  std::string created;      // RFC 3339 UTC, seconds: "2026-11-21T06:25:01Z"
  std::vector<std::string> flags;  // k_flag_* tokens; [a-z0-9-]+ each

  bool operator==(const ShipmentHeaders&) const = default;
};

using HeaderField = std::pair<std::string, std::string>;  // name, encoded value

// Names of the signed headers, in canonical order.
const std::vector<std::string_view>& signed_header_names();
inline constexpr std::string_view k_signature_header = "X-Logpost-Signature";

// Percent-encoding of header values (see the file comment).
std::string encode_header_value(std::string_view raw);
Result<std::string> decode_header_value(std::string_view encoded);

// Validates field syntax and limits, then returns the signed headers in
// canonical order with encoded values.
Result<std::vector<HeaderField>> to_fields(const ShipmentHeaders& headers);

// Reads the headers back. `lookup` returns the value of a header by name
// (case-insensitive), or nullopt when absent. Every signed header is
// required; a version other than 1 is an error naming the version.
Result<ShipmentHeaders> from_fields(const std::function<std::optional<std::string>(std::string_view)>& lookup);

// The exact bytes the HMAC covers (format v1): see docs/shipment-format.md.
Result<std::string> canonical_signing_input(const ShipmentHeaders& headers, std::string_view attachment_sha256);

// "hmac-sha256=<64 hex>"
Result<std::string> sign(const ShipmentHeaders& headers, std::string_view attachment_sha256, std::string_view key);
// ErrorCode::signature unless `signature_value` is the right signature.
Result<void> verify(const ShipmentHeaders& headers, std::string_view attachment_sha256, std::string_view key,
                    std::string_view signature_value);

// Reads a signing key file as docs/shipment-format.md defines it: the file's
// bytes with trailing CR/LF removed (so `echo secret > key` works). Both the
// shipper and the ingester read keys through this, so they cannot disagree.
// Errors: unreadable, larger than 64 KiB, or empty -> ErrorCode::config.
Result<std::string> read_signing_key_file(const std::filesystem::path& path);

// Deterministic ids: a re-sent part carries the same Message-ID.
std::string make_shipment_id(std::string_view tenant, std::string_view host, std::string_view file_id);
std::string message_id(const ShipmentHeaders& headers);  // "<id.part.count@logpost>"

// Validity predicates used by both sides.
bool is_valid_tenant(std::string_view tenant);
bool is_valid_kind(std::string_view kind);

}  // namespace logpost
