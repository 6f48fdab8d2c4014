// ip_text.hpp — IP address text to bytes, without libc's inet_pton where it
// costs: the IPv4 parse that the geoip and client_ip filters run on every
// event.
//
// parse_ipv4() accepts exactly what glibc's inet_pton(AF_INET, text) accepts
// when `text` is passed as a C string: four dot-separated decimal parts of
// 0-255 with no leading zeros ("01" is refused), nothing before or after;
// reading stops at the first NUL byte, as the C string would end there.
// parse_ipv4_exact() is the same without the NUL rule: the dotted quad must
// be all of the text (callers use it as a fast first try: when it accepts,
// the text is a plain IPv4 address, no port, zone or NUL to consider).
// parse_ipv6() is inet_pton(AF_INET6) on a NUL-terminated stack copy (no heap
// allocation); text longer than 45 bytes before its first NUL is refused,
// which inet_pton would also do (the longest IPv6 text it accepts is
// "0000:0000:0000:0000:0000:0000:255.255.255.255").
// Cost: parse_ipv4_exact is a single pass over at most 15 bytes.
// Thread-safety: pure functions.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace logpost::filters {

namespace ip_text_detail {
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace ip_text_detail

// A dotted quad that is all of `text` (no NUL, nothing after it). Reads each
// part as at most three digits: a fourth digit or a value over 255 refuses,
// as does a leading zero, like inet_pton.
inline bool parse_ipv4_exact(std::string_view text, std::array<uint8_t, 4>& out) {
  using ip_text_detail::is_digit;
  const char* p = text.data();
  const char* const end = p + text.size();
  std::array<uint8_t, 4> bytes{};
  for (size_t part = 0; part < 4; ++part) {
    if (part > 0) {
      if (p == end || *p != '.') return false;
      ++p;
    }
    if (p == end || !is_digit(*p)) return false;
    unsigned value = static_cast<unsigned>(*p++ - '0');
    if (p != end && is_digit(*p)) {
      if (value == 0) return false;  // a leading zero ("01")
      value = value * 10 + static_cast<unsigned>(*p++ - '0');
      if (p != end && is_digit(*p)) {
        value = value * 10 + static_cast<unsigned>(*p++ - '0');
        if (value > 255 || (p != end && is_digit(*p))) return false;
      }
    }
    bytes[part] = static_cast<uint8_t>(value);
  }
  if (p != end) return false;
  out = bytes;
  return true;
}

inline bool parse_ipv4(std::string_view text, std::array<uint8_t, 4>& out) {
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
  return parse_ipv4_exact(text, out);
}

inline bool parse_ipv6(std::string_view text, std::array<uint8_t, 16>& out) {
  constexpr size_t k_longest = 45;  // INET6_ADDRSTRLEN - 1
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
  if (text.size() > k_longest) return false;
  char buffer[k_longest + 1];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  return ::inet_pton(AF_INET6, buffer, out.data()) == 1;
}

}  // namespace logpost::filters
