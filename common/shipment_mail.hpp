// shipment_mail.hpp — one part of a shipment as an RFC 5322 / MIME mail.
//
// build_shipment_mail() writes the mail of docs/shipment-format.md: the
// X-Logpost-* headers, a short text/plain part for a human who opens it, and
// the log part as an application/gzip attachment in base64 (76-column
// lines, CRLF line ends). Output is a pure function of its inputs (no clock,
// no randomness: Date and the MIME boundary derive from the headers), so a
// re-sent part is byte-identical and test vectors are exact.
//
// parse_shipment_mail() reads a delivered mail with mimetic (the only file
// that includes mimetic) and returns the decoded headers, the signature
// header if any, and the decoded attachment. It checks structure only: the
// caller verifies the signature (envelope.hpp) and the content checksum after
// decompressing. Duplicate X-Logpost-* headers are an error: a forger must
// not be able to show one value to us and another to the signature.
//
// Errors: ErrorCode::data with a reason fit for a quarantine note.
// Cost: linear in the mail size; the whole mail is in memory, so callers
// bound its size first (a part is at most the configured maximum mail size).
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/envelope.hpp"
#include "common/result.hpp"

namespace logpost {

struct MailAddressing {
  std::string from;  // "logpost@db1.example.com"
  std::string to;    // "logs@logs.example.net"
};

// The signature value (already computed with sign()) is optional: an
// unsigned mail simply has no X-Logpost-Signature header.
Result<std::string> build_shipment_mail(const ShipmentHeaders& headers, std::string_view gzip_attachment,
                                        const MailAddressing& addressing,
                                        const std::optional<std::string>& signature);

// Base64 encoding size of an attachment of `n` bytes in 76-column CRLF lines:
// what the attachment adds to the mail size (Postfix's message_size_limit is
// measured on this encoded form).
uint64_t base64_mail_size(uint64_t n);

struct ParsedShipmentMail {
  ShipmentHeaders headers;
  std::optional<std::string> signature;  // X-Logpost-Signature value
  std::string message_id;
  std::string attachment;                // decoded gzip bytes
};

Result<ParsedShipmentMail> parse_shipment_mail(std::string_view raw_mail);

// A plausible mail address: local@domain with no spaces, angle brackets,
// quotes or control characters (so it can never inject a header).
bool is_safe_mail_address(std::string_view address);

}  // namespace logpost
