#include "common/shipment_mail.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iterator>

// mimetic's headers predate C++20 and warn under our flags; they are
// included as system headers (see cmake/FindMimetic.cmake).
#include <mimetic/mimetic.h>

#include "common/event.hpp"

namespace logpost {
namespace {

constexpr std::string_view k_crlf = "\r\n";

const char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void append_base64_lines(std::string& out, std::string_view data) {
  size_t col = 0;
  auto put = [&](char c) {
    out += c;
    if (++col == 76) {
      out += k_crlf;
      col = 0;
    }
  };
  const auto* s = reinterpret_cast<const unsigned char*>(data.data());
  size_t i = 0, n = data.size();
  for (; i + 3 <= n; i += 3) {
    unsigned v = (s[i] << 16) | (s[i + 1] << 8) | s[i + 2];
    put(k_b64[v >> 18]);
    put(k_b64[(v >> 12) & 63]);
    put(k_b64[(v >> 6) & 63]);
    put(k_b64[v & 63]);
  }
  if (n - i == 1) {
    unsigned v = s[i] << 16;
    put(k_b64[v >> 18]);
    put(k_b64[(v >> 12) & 63]);
    put('=');
    put('=');
  } else if (n - i == 2) {
    unsigned v = (s[i] << 16) | (s[i + 1] << 8);
    put(k_b64[v >> 18]);
    put(k_b64[(v >> 12) & 63]);
    put(k_b64[(v >> 6) & 63]);
    put('=');
  }
  if (col != 0) out += k_crlf;
}

// "Sat, 21 Nov 2026 06:25:01 +0000" from "2026-11-21T06:25:01Z".
std::string rfc5322_date(std::string_view created) {
  auto us = parse_timestamp_us(created);
  if (!us) return "Thu, 01 Jan 1970 00:00:00 +0000";
  using namespace std::chrono;
  sys_seconds tp{seconds(*us / 1'000'000)};
  sys_days day = floor<days>(tp);
  year_month_day ymd{day};
  weekday wd{day};
  hh_mm_ss<seconds> hms{tp - day};
  static const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000", k_days[wd.c_encoding()],
                static_cast<unsigned>(ymd.day()), k_months[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return c != ' ' && c != '\t' && c != '\r' && c != '\n'; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Sextet values of the base64 alphabet; the other bytes are marked.
constexpr int8_t k_b64_space = -1;    // CR, LF, space, tab: skipped
constexpr int8_t k_b64_pad = -2;      // '='
constexpr int8_t k_b64_invalid = -3;  // anything else
struct Base64Table {
  int8_t value[256];
  constexpr Base64Table() : value{} {
    for (auto& v : value) v = k_b64_invalid;
    for (int i = 0; i < 64; ++i) value[static_cast<unsigned char>(k_b64[i])] = static_cast<int8_t>(i);
    value[static_cast<unsigned char>('=')] = k_b64_pad;
    for (char c : {'\r', '\n', ' ', '\t'}) value[static_cast<unsigned char>(c)] = k_b64_space;
  }
};
constexpr Base64Table k_b64_table;

enum class Base64Outcome { decoded, invalid, truncated, unusual };

// Decodes base64 `body` (whitespace anywhere) onto `out` in one pass:
// `invalid` for a byte outside the alphabet, '=' and whitespace;
// `truncated` when the significant characters (padding included) are not a
// multiple of 4; `unusual` for padding anywhere but the end of the last
// quantum ("xx==", "xxx="), which the caller hands to mimetic's decoder so
// such bodies decode exactly as before (the shipper never writes them).
// The classification matches the scan that preceded mimetic's decoder.
Base64Outcome decode_base64_body(std::string_view body, std::string& out) {
  // Written through a pointer into room made once (at most 3 bytes per 4
  // characters), trimmed at the end: no per-byte append.
  const size_t start = out.size();
  out.resize(start + body.size() / 4 * 3 + 3);
  char* dst = out.data() + start;
  uint32_t acc = 0;
  unsigned sextets = 0;  // in `acc`, of the current quantum
  size_t pads = 0;       // '=' seen
  bool data_after_pad = false;
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  const auto* end = p + body.size();
  while (p < end) {
    // Fast path: four alphabet characters in a row at a quantum boundary
    // (a 76-column line is 19 of them).
    if (sextets == 0 && end - p >= 4) {
      int8_t a = k_b64_table.value[p[0]], b = k_b64_table.value[p[1]], c = k_b64_table.value[p[2]],
             d = k_b64_table.value[p[3]];
      if ((a | b | c | d) >= 0 && pads == 0) {
        uint32_t v = (static_cast<uint32_t>(a) << 18) | (static_cast<uint32_t>(b) << 12) |
                     (static_cast<uint32_t>(c) << 6) | static_cast<uint32_t>(d);
        dst[0] = static_cast<char>(v >> 16);
        dst[1] = static_cast<char>(v >> 8);
        dst[2] = static_cast<char>(v);
        dst += 3;
        p += 4;
        continue;
      }
    }
    int8_t v = k_b64_table.value[*p++];
    if (v >= 0) {
      if (pads > 0) data_after_pad = true;
      acc = (acc << 6) | static_cast<uint32_t>(v);
      if (++sextets == 4) {
        dst[0] = static_cast<char>(acc >> 16);
        dst[1] = static_cast<char>(acc >> 8);
        dst[2] = static_cast<char>(acc);
        dst += 3;
        acc = 0;
        sextets = 0;
      }
    } else if (v == k_b64_pad) {
      ++pads;
    } else if (v == k_b64_invalid) {
      out.resize(start);
      return Base64Outcome::invalid;
    }
  }
  if ((sextets + pads) % 4 != 0) {
    out.resize(start);
    return Base64Outcome::truncated;
  }
  if (pads > 0) {
    // Well-formed padding: 2 or 3 sextets, then 4 - sextets '=', nothing after.
    if (data_after_pad || (sextets != 2 && sextets != 3) || pads != 4 - sextets) {
      out.resize(start);
      return Base64Outcome::unusual;
    }
    acc <<= 6 * (4 - sextets);
    *dst++ = static_cast<char>(acc >> 16);
    if (sextets == 3) *dst++ = static_cast<char>(acc >> 8);
  }
  out.resize(static_cast<size_t>(dst - out.data()));
  return Base64Outcome::decoded;
}

}  // namespace

bool is_safe_mail_address(std::string_view a) {
  size_t at = a.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 >= a.size() || a.size() > 254) return false;
  if (a.find('@', at + 1) != std::string_view::npos) return false;
  for (unsigned char c : a)
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '(' || c == ')' || c == ',' || c == ';' ||
        c == '\\' || c == '[' || c == ']')
      return false;
  return true;
}

uint64_t base64_mail_size(uint64_t n) {
  uint64_t chars = (n + 2) / 3 * 4;
  uint64_t lines = (chars + 75) / 76;
  return chars + lines * 2;
}

Result<std::string> build_shipment_mail(const ShipmentHeaders& headers, std::string_view gzip_attachment,
                                        const MailAddressing& addressing,
                                        const std::optional<std::string>& signature) {
  if (!is_safe_mail_address(addressing.from))
    return fail(ErrorCode::config, "sender address '" + addressing.from + "' is not a plain local@domain address");
  if (!is_safe_mail_address(addressing.to))
    return fail(ErrorCode::config, "recipient address '" + addressing.to + "' is not a plain local@domain address");
  auto fields = to_fields(headers);
  if (!fields) return tl::unexpected(fields.error());
  if (signature && (signature->find_first_of("\r\n") != std::string::npos || signature->size() > 200))
    return fail(ErrorCode::data, "malformed signature value");

  const std::string part_label = std::to_string(headers.part) + "/" + std::to_string(headers.part_count);
  const std::string boundary = "=_logpost-" + headers.shipment_id + "-" + std::to_string(headers.part);
  char attachment_name[64];
  std::snprintf(attachment_name, sizeof attachment_name, "part-%06u.log.gz", headers.part);

  std::string out;
  out.reserve(base64_mail_size(gzip_attachment.size()) + 4096);
  auto header = [&](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append(k_crlf);
  };
  header("From", addressing.from);
  header("To", addressing.to);
  // Only encoded, safe tokens go into the subject.
  header("Subject", "logpost " + headers.kind + " " + encode_header_value(headers.host) + " part " + part_label);
  header("Date", rfc5322_date(headers.created));
  header("Message-ID", message_id(headers));
  header("MIME-Version", "1.0");
  for (const auto& [name, value] : *fields) header(name, value);
  if (signature) header(k_signature_header, *signature);
  header("Content-Type", "multipart/mixed; boundary=\"" + boundary + "\"");
  out += k_crlf;
  out += "This is a logpost shipment in MIME format.";
  out += k_crlf;
  out += k_crlf;
  out += "--" + boundary;
  out += k_crlf;
  header("Content-Type", "text/plain; charset=us-ascii");
  header("Content-Transfer-Encoding", "7bit");
  out += k_crlf;
  out += "logpost shipment " + headers.shipment_id + ", part " + part_label + "." + std::string(k_crlf);
  out += "Kind " + headers.kind + ", host " + encode_header_value(headers.host) + ", tenant " + headers.tenant + "." +
         std::string(k_crlf);
  out += "Source " + encode_header_value(headers.source) + ", bytes " + std::to_string(headers.offset) + " to " +
         std::to_string(headers.offset + headers.length) + ", " + std::to_string(headers.entries) + " entries." +
         std::string(k_crlf);
  out += "The log itself is the gzip attachment; logpost-ingest reads this mail." + std::string(k_crlf);
  out += k_crlf;
  out += "--" + boundary;
  out += k_crlf;
  header("Content-Type", std::string("application/gzip; name=\"") + attachment_name + "\"");
  header("Content-Disposition", std::string("attachment; filename=\"") + attachment_name + "\"");
  header("Content-Transfer-Encoding", "base64");
  out += k_crlf;
  append_base64_lines(out, gzip_attachment);
  out += k_crlf;
  out += "--" + boundary + "--";
  out += k_crlf;
  return out;
}

Result<ParsedShipmentMail> parse_shipment_mail(std::string_view raw) {
  auto bad = [](std::string why) { return fail(ErrorCode::data, std::move(why)); };
  if (raw.empty()) return bad("empty mail");
  // Without a header/body separator the mail was cut off in transit or on disk.
  if (raw.find("\n\n") == std::string_view::npos && raw.find("\r\n\r\n") == std::string_view::npos)
    return bad("truncated mail: no end of header");
  try {
    mimetic::MimeEntity entity(raw.begin(), raw.end());
    const auto& header = entity.header();

    // Every X-Logpost-* header at most once.
    std::vector<std::string> seen;
    for (const auto& field : header) {
      std::string name(field.name().begin(), field.name().end());
      if (name.size() >= 10 && iequals(std::string_view(name).substr(0, 10), "X-Logpost-")) {
        for (const auto& s : seen)
          if (iequals(s, name)) return bad("duplicate header " + name);
        seen.push_back(name);
      }
    }
    auto lookup = [&](std::string_view name) -> std::optional<std::string> {
      std::string n(name);
      if (!header.hasField(n)) return std::nullopt;
      return trim(header.field(n).value());
    };

    ParsedShipmentMail parsed;
    auto headers = from_fields(lookup);
    if (!headers) return tl::unexpected(headers.error());
    parsed.headers = std::move(*headers);
    parsed.signature = lookup(k_signature_header);
    parsed.message_id = lookup("Message-ID").value_or("");

    const auto& ct = header.contentType();
    if (!iequals(std::string(ct.type().begin(), ct.type().end()), "multipart"))
      return bad("not a multipart mail (Content-Type " + std::string(ct.type().begin(), ct.type().end()) + "/" +
                 std::string(ct.subtype().begin(), ct.subtype().end()) + ")");
    const mimetic::MimeEntity* attachment = nullptr;
    for (const auto* part : entity.body().parts()) {
      const auto& pct = part->header().contentType();
      if (iequals(std::string(pct.type().begin(), pct.type().end()), "application") &&
          iequals(std::string(pct.subtype().begin(), pct.subtype().end()), "gzip")) {
        if (attachment) return bad("more than one application/gzip part");
        attachment = part;
      }
    }
    if (!attachment) return bad("no application/gzip part");
    const auto& cte = attachment->header().contentTransferEncoding().mechanism();
    if (!iequals(std::string(cte.begin(), cte.end()), "base64"))
      return bad("attachment is not base64-encoded (" + std::string(cte.begin(), cte.end()) + ")");

    const std::string& body = attachment->body();
    switch (decode_base64_body(body, parsed.attachment)) {
      case Base64Outcome::decoded:
        break;
      case Base64Outcome::invalid:
        return bad("attachment is not valid base64");
      case Base64Outcome::truncated:
        return bad("attachment base64 is truncated (length not a multiple of 4)");
      case Base64Outcome::unusual: {
        mimetic::Base64::Decoder decoder;
        mimetic::decode(body.begin(), body.end(), decoder, std::back_inserter(parsed.attachment));
        break;
      }
    }
    return parsed;
  } catch (const std::exception& e) {
    return bad(std::string("MIME parse error: ") + e.what());
  } catch (...) {
    return bad("MIME parse error");
  }
}

}  // namespace logpost
