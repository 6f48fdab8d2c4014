#include "common/envelope.hpp"

#include <array>
#include <charconv>

#include "common/atomic_file.hpp"
#include "common/crypto.hpp"

namespace logpost {
namespace {

constexpr std::array<std::string_view, 15> k_names = {
    "X-Logpost-Version",  "X-Logpost-Tenant", "X-Logpost-Host",     "X-Logpost-Kind",
    "X-Logpost-Source",   "X-Logpost-File-Id", "X-Logpost-Shipment", "X-Logpost-Part",
    "X-Logpost-Offset",   "X-Logpost-Length", "X-Logpost-Entries",  "X-Logpost-Sha256",
    "X-Logpost-Timezone", "X-Logpost-Created", "X-Logpost-Flags",
};

bool is_safe_byte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~' || c == '/' || c == ':' || c == '@' || c == '+' || c == '=' || c == ',';
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

bool is_lower_hex(std::string_view s, size_t n) {
  return s.size() == n && all_of(s, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_kind_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

template <class T>
Result<T> parse_unsigned(std::string_view name, std::string_view text) {
  T v{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || (text.size() > 1 && text[0] == '0'))
    return fail(ErrorCode::data, std::string(name) + ": '" + std::string(text) + "' is not a canonical unsigned integer");
  return v;
}

bool is_valid_timezone(std::string_view tz) {
  return !tz.empty() && tz.size() <= 64 && all_of(tz, [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                  c == '_' || c == '+' || c == '-';
         });
}

bool is_valid_created(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SSZ
  if (s.size() != 20) return false;
  for (size_t i = 0; i < 20; ++i) {
    char c = s[i];
    bool ok = (i == 4 || i == 7) ? c == '-' : i == 10 ? c == 'T' : (i == 13 || i == 16) ? c == ':' : i == 19 ? c == 'Z'
                                                                                                      : (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

Result<void> check_headers(const ShipmentHeaders& h) {
  auto bad = [](std::string what) { return fail(ErrorCode::data, "shipment headers: " + std::move(what)); };
  if (h.version != k_shipment_format_version) return bad("unsupported format version " + std::to_string(h.version));
  if (!is_valid_tenant(h.tenant)) return bad("tenant '" + h.tenant + "' is not [A-Za-z0-9._-]{1,64}");
  if (h.host.empty()) return bad("empty host");
  if (h.host.size() > 255) return fail(ErrorCode::too_large, "shipment headers: host name longer than 255 bytes");
  if (!is_valid_kind(h.kind)) return bad("kind '" + h.kind + "' is not [a-z0-9-]{1,32}");
  if (h.source.empty()) return bad("empty source path");
  if (h.file_id.empty()) return bad("empty file id");
  if (!is_lower_hex(h.shipment_id, 32)) return bad("shipment id is not 32 lowercase hex digits");
  if (h.part < 1 || h.part_count < 1 || h.part > h.part_count)
    return bad("part " + std::to_string(h.part) + " of " + std::to_string(h.part_count) + " is out of range");
  if (!is_lower_hex(h.content_sha256, 64)) return bad("content SHA-256 is not 64 lowercase hex digits");
  if (!is_valid_timezone(h.timezone)) return bad("time zone '" + h.timezone + "' is not an IANA zone name");
  if (!is_valid_created(h.created)) return bad("creation time '" + h.created + "' is not YYYY-MM-DDTHH:MM:SSZ");
  for (const auto& f : h.flags)
    if (f.empty() || !all_of(f, is_kind_char)) return bad("flag '" + f + "' is not [a-z0-9-]+");
  return {};
}

}  // namespace

bool is_valid_tenant(std::string_view t) {
  return !t.empty() && t.size() <= 64 && all_of(t, [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
         });
}

bool is_valid_kind(std::string_view k) { return !k.empty() && k.size() <= 32 && all_of(k, is_kind_char); }

const std::vector<std::string_view>& signed_header_names() {
  static const std::vector<std::string_view> names(k_names.begin(), k_names.end());
  return names;
}

std::string encode_header_value(std::string_view raw) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (is_safe_byte(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Result<std::string> decode_header_value(std::string_view enc) {
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(enc.size());
  for (size_t i = 0; i < enc.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(enc[i]);
    if (c == '%') {
      if (i + 2 >= enc.size()) return fail(ErrorCode::data, "header value: truncated %-escape");
      int hi = hexval(enc[i + 1]), lo = hexval(enc[i + 2]);
      if (hi < 0 || lo < 0) return fail(ErrorCode::data, "header value: bad %-escape (uppercase hex required)");
      unsigned char decoded = static_cast<unsigned char>(hi * 16 + lo);
      if (is_safe_byte(decoded)) return fail(ErrorCode::data, "header value: non-canonical %-escape of a safe byte");
      out += static_cast<char>(decoded);
      i += 2;
    } else if (is_safe_byte(c)) {
      out += static_cast<char>(c);
    } else {
      return fail(ErrorCode::data, "header value: raw byte 0x" + std::string(1, "0123456789ABCDEF"[c >> 4]) +
                                       std::string(1, "0123456789ABCDEF"[c & 15]) + " must be %-encoded");
    }
  }
  return out;
}

Result<std::vector<HeaderField>> to_fields(const ShipmentHeaders& h) {
  if (auto ok = check_headers(h); !ok) return tl::unexpected(ok.error());
  std::string flags;
  for (const auto& f : h.flags) {
    if (!flags.empty()) flags += ',';
    flags += f;
  }
  if (flags.empty()) flags = "none";
  std::array<std::string, 15> values = {
      std::to_string(h.version),
      h.tenant,
      encode_header_value(h.host),
      h.kind,
      encode_header_value(h.source),
      encode_header_value(h.file_id),
      h.shipment_id,
      std::to_string(h.part) + "/" + std::to_string(h.part_count),
      std::to_string(h.offset),
      std::to_string(h.length),
      std::to_string(h.entries),
      h.content_sha256,
      h.timezone,
      h.created,
      flags,
  };
  std::vector<HeaderField> out;
  out.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].size() > k_max_encoded_header_value)
      return fail(ErrorCode::too_large, std::string(k_names[i]) + ": encoded value is " + std::to_string(values[i].size()) +
                                            " bytes, more than the limit of " + std::to_string(k_max_encoded_header_value));
    out.emplace_back(std::string(k_names[i]), std::move(values[i]));
  }
  return out;
}

Result<ShipmentHeaders> from_fields(const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  std::array<std::string, 15> v;
  for (size_t i = 0; i < k_names.size(); ++i) {
    auto got = lookup(k_names[i]);
    if (!got) return fail(ErrorCode::data, "missing header " + std::string(k_names[i]));
    if (got->size() > k_max_encoded_header_value)
      return fail(ErrorCode::too_large, std::string(k_names[i]) + ": value longer than " +
                                            std::to_string(k_max_encoded_header_value) + " bytes");
    v[i] = std::move(*got);
  }
  ShipmentHeaders h;
  auto version = parse_unsigned<int>(k_names[0], v[0]);
  if (!version) return tl::unexpected(version.error());
  if (*version != k_shipment_format_version)
    return fail(ErrorCode::data, "unsupported shipment format version " + v[0] + " (this build reads version " +
                                     std::to_string(k_shipment_format_version) + ")");
  h.version = *version;
  h.tenant = v[1];
  auto host = decode_header_value(v[2]);
  if (!host) return tl::unexpected(host.error().with_context("X-Logpost-Host"));
  h.host = std::move(*host);
  h.kind = v[3];
  auto source = decode_header_value(v[4]);
  if (!source) return tl::unexpected(source.error().with_context("X-Logpost-Source"));
  h.source = std::move(*source);
  auto file_id = decode_header_value(v[5]);
  if (!file_id) return tl::unexpected(file_id.error().with_context("X-Logpost-File-Id"));
  h.file_id = std::move(*file_id);
  h.shipment_id = v[6];
  size_t slash = v[7].find('/');
  if (slash == std::string::npos) return fail(ErrorCode::data, "X-Logpost-Part: expected 'i/n'");
  auto part = parse_unsigned<uint32_t>(k_names[7], std::string_view(v[7]).substr(0, slash));
  auto count = parse_unsigned<uint32_t>(k_names[7], std::string_view(v[7]).substr(slash + 1));
  if (!part) return tl::unexpected(part.error());
  if (!count) return tl::unexpected(count.error());
  h.part = *part;
  h.part_count = *count;
  auto offset = parse_unsigned<uint64_t>(k_names[8], v[8]);
  auto length = parse_unsigned<uint64_t>(k_names[9], v[9]);
  auto entries = parse_unsigned<uint64_t>(k_names[10], v[10]);
  if (!offset) return tl::unexpected(offset.error());
  if (!length) return tl::unexpected(length.error());
  if (!entries) return tl::unexpected(entries.error());
  h.offset = *offset;
  h.length = *length;
  h.entries = *entries;
  h.content_sha256 = v[11];
  h.timezone = v[12];
  h.created = v[13];
  if (v[14] != "none") {
    std::string_view rest = v[14];
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      h.flags.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (auto ok = check_headers(h); !ok) return tl::unexpected(ok.error());
  return h;
}

Result<std::string> canonical_signing_input(const ShipmentHeaders& headers, std::string_view attachment_sha256) {
  if (!is_lower_hex(attachment_sha256, 64))
    return fail(ErrorCode::data, "attachment SHA-256 is not 64 lowercase hex digits");
  auto fields = to_fields(headers);
  if (!fields) return tl::unexpected(fields.error());
  std::string out = "logpost-signature-v1\n";
  for (const auto& [name, value] : *fields) {
    for (char c : name) out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    out += ':';
    out += value;
    out += '\n';
  }
  out += "attachment-sha256:";
  out += attachment_sha256;
  out += '\n';
  return out;
}

Result<std::string> sign(const ShipmentHeaders& headers, std::string_view attachment_sha256, std::string_view key) {
  if (key.empty()) return fail(ErrorCode::config, "signing key is empty");
  auto input = canonical_signing_input(headers, attachment_sha256);
  if (!input) return tl::unexpected(input.error());
  return "hmac-sha256=" + hmac_sha256_hex(key, *input);
}

Result<void> verify(const ShipmentHeaders& headers, std::string_view attachment_sha256, std::string_view key,
                    std::string_view signature_value) {
  constexpr std::string_view prefix = "hmac-sha256=";
  if (signature_value.substr(0, prefix.size()) != prefix || !is_lower_hex(signature_value.substr(prefix.size()), 64))
    return fail(ErrorCode::signature, "signature is not 'hmac-sha256=<64 lowercase hex>'");
  auto expected = sign(headers, attachment_sha256, key);
  if (!expected) return tl::unexpected(expected.error());
  if (!constant_time_equal(*expected, signature_value))
    return fail(ErrorCode::signature, "signature does not match (forged, tampered, or signed with another key)");
  return {};
}

Result<std::string> read_signing_key_file(const std::filesystem::path& path) {
  auto content = read_small_file(path, 64 * 1024);
  if (!content) return fail(ErrorCode::config, "signing key " + path.string() + ": " + content.error().message);
  std::string key = std::move(*content);
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.empty()) return fail(ErrorCode::config, "signing key " + path.string() + ": key file is empty");
  return key;
}

std::string make_shipment_id(std::string_view tenant, std::string_view host, std::string_view file_id) {
  std::string input;
  input.reserve(tenant.size() + host.size() + file_id.size() + 2);
  input.append(tenant).append(1, '\n').append(host).append(1, '\n').append(file_id);
  return sha256_hex(input).substr(0, 32);
}

std::string message_id(const ShipmentHeaders& h) {
  return "<" + h.shipment_id + "." + std::to_string(h.part) + "." + std::to_string(h.part_count) + "@logpost>";
}

}  // namespace logpost
