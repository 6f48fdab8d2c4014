// parse_ipv4 / parse_ipv4_exact / parse_ipv6 (filters/ip_text.hpp) against glibc's inet_pton,
// which they replace on the per-event paths of geoip and client_ip: the same
// verdict and the same bytes on hand-picked edge cases and on random text
// made of the characters that matter (digits, dots, colons, hex, zones, NUL).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "filters/ip_text.hpp"

namespace logpost::filters {
namespace {

void expect_same_as_inet_pton(const std::string& text) {
  // inet_pton sees the text as a C string: it ends at the first NUL.
  std::array<uint8_t, 4> want4{}, got4{};
  const bool libc4 = ::inet_pton(AF_INET, text.c_str(), want4.data()) == 1;
  EXPECT_EQ(parse_ipv4(text, got4), libc4) << "IPv4 verdict on '" << text << "'";
  if (libc4) {
    EXPECT_EQ(got4, want4) << text;
  }
  // The exact form: the same as inet_pton on text without NUL, and never
  // accepting text with one.
  std::array<uint8_t, 4> exact4{};
  const bool has_nul = text.find('\0') != std::string::npos;
  EXPECT_EQ(parse_ipv4_exact(text, exact4), libc4 && !has_nul) << "exact IPv4 verdict on '" << text << "'";
  if (libc4 && !has_nul) {
    EXPECT_EQ(exact4, want4) << text;
  }
  std::array<uint8_t, 16> want6{}, got6{};
  const bool libc6 = ::inet_pton(AF_INET6, text.c_str(), want6.data()) == 1;
  EXPECT_EQ(parse_ipv6(text, got6), libc6) << "IPv6 verdict on '" << text << "'";
  if (libc6) {
    EXPECT_EQ(got6, want6) << text;
  }
}

TEST(IpText, EdgeCasesMatchInetPton) {
  const char* cases[] = {
      "1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1.2.3.0",
      "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4.5", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4a", "", ".", "1",
      "999.1.1.1", "00.0.0.0", "0.0.0.00", "1.2.3.-4", "+1.2.3.4", "1.2.3.4:80", "::", "::1", "2001:db8::1",
      "::ffff:1.2.3.4", "::ffff:01.2.3.4", "0000:0000:0000:0000:0000:0000:255.255.255.255",
      "0000:0000:0000:0000:0000:0000:0000:00000", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0",
      "2001:DB8::ABCD", ":::", "1::2::3", "12345::1", "g::1"};
  for (const char* c : cases) expect_same_as_inet_pton(c);
  // A NUL ends the text for inet_pton; parse_ipv4/parse_ipv6 do the same.
  expect_same_as_inet_pton(std::string("1.2.3.4\0junk", 12));
  expect_same_as_inet_pton(std::string("::1\0junk", 8));
  expect_same_as_inet_pton(std::string("\0" "1.2.3.4", 8));
  // Longer than any IPv6 text before its NUL: refused without a copy.
  expect_same_as_inet_pton(std::string(60, '0'));
  expect_same_as_inet_pton("0000:0000:0000:0000:0000:0000:0000:0000" + std::string(20, ' '));
}

TEST(IpText, RandomTextMatchesInetPton) {
  std::mt19937 random(20261206);
  const char characters[] = "0123456789......::::abcdefABCDEF%x \0";
  const std::string alphabet(characters, sizeof characters);  // both NULs: the listed one and the terminator
  for (int i = 0; i < 200'000; ++i) {
    std::string text;
    const size_t length = random() % 24;
    for (size_t k = 0; k < length; ++k) text += alphabet[random() % alphabet.size()];
    expect_same_as_inet_pton(text);
    if (HasFailure()) return;
  }
  // Mostly-valid shapes, so that acceptance is exercised as much as refusal.
  for (int i = 0; i < 100'000; ++i) {
    std::string text;
    for (int part = 0; part < 4; ++part) {
      if (part) text += '.';
      const unsigned digits = 1 + random() % 3;
      for (unsigned d = 0; d < digits; ++d) text += static_cast<char>('0' + random() % 10);
    }
    if (random() % 8 == 0) text.insert(random() % (text.size() + 1), 1, alphabet[random() % alphabet.size()]);
    expect_same_as_inet_pton(text);
    if (HasFailure()) return;
  }
}

// IPv6 shapes: 1-9 groups of 0-5 hex digits, "::" anywhere, sometimes a
// dotted quad at the end, sometimes one character changed, inserted or cut.
TEST(IpText, RandomIpv6ShapesMatchInetPton) {
  std::mt19937 random(6122026);
  const std::string hex = "0123456789abcdefABCDEF";
  const char noise[] = "0123456789abcdefgxABCDEF:.%[] \0";
  const std::string noise_chars(noise, sizeof noise);
  size_t accepted = 0;
  for (int i = 0; i < 300'000; ++i) {
    std::string text;
    const unsigned groups = 1 + random() % 9;
    const unsigned gap_at = random() % 3 == 0 ? groups + 1 : random() % (groups + 1);
    for (unsigned g = 0; g < groups; ++g) {
      if (g == gap_at) text += "::";
      else if (g > 0) text += ':';
      const unsigned digits = random() % 6 == 0 ? random() % 6 : 1 + random() % 4;
      for (unsigned d = 0; d < digits; ++d) text += hex[random() % hex.size()];
    }
    if (gap_at == groups) text += "::";
    if (random() % 4 == 0) {
      text += random() % 2 ? ":" : "";
      for (int part = 0; part < 4; ++part) {
        if (part) text += '.';
        text += std::to_string(random() % (random() % 5 == 0 ? 300 : 256));
      }
    }
    switch (text.empty() ? 7 : random() % 8) {
      case 0: text[random() % text.size()] = noise_chars[random() % noise_chars.size()]; break;
      case 1: text.insert(random() % (text.size() + 1), 1, noise_chars[random() % noise_chars.size()]); break;
      case 2: text.erase(random() % text.size(), 1); break;
      default: break;
    }
    std::array<uint8_t, 16> scratch{};
    if (::inet_pton(AF_INET6, text.c_str(), scratch.data()) == 1) ++accepted;
    expect_same_as_inet_pton(text);
    if (HasFailure()) return;
  }
  EXPECT_GT(accepted, 30'000u);  // acceptance is exercised, not only refusal
}

}  // namespace
}  // namespace logpost::filters
