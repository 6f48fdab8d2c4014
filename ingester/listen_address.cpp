// listen_address.cpp — parsing and checking metrics_listen.
#include "ingester/listen_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>

namespace logpost::ingester {

std::string ListenAddress::text() const {
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> parse_loopback_listen_address(std::string_view value) {
  auto refuse = [&](const std::string& why) {
    return fail(ErrorCode::config, "'" + std::string(value) + "': " + why);
  };
  std::string_view host;
  std::string_view port_text;
  ListenAddress out;
  if (value.starts_with('[')) {
    size_t close = value.find(']');
    if (close == std::string_view::npos) return refuse("missing ']' after the IPv6 address");
    host = value.substr(1, close - 1);
    if (close + 1 >= value.size() || value[close + 1] != ':') return refuse("expected [address]:port");
    port_text = value.substr(close + 2);
    out.ipv6 = true;
  } else {
    size_t colon = value.rfind(':');
    if (colon == std::string_view::npos) return refuse("expected address:port (e.g. 127.0.0.1:9187)");
    host = value.substr(0, colon);
    port_text = value.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return refuse("an IPv6 address needs brackets: [::1]:port");
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
      port > 65535)
    return refuse("port must be a number from 1 to 65535");
  out.port = static_cast<uint16_t>(port);

  const std::string not_loopback =
      "not a loopback address (the endpoint is unauthenticated: use 127.0.0.1, [::1] or localhost)";
  std::string h(host);
  if (out.ipv6) {
    in6_addr a6{};
    if (::inet_pton(AF_INET6, h.c_str(), &a6) != 1) return refuse("'" + h + "' is not an IPv6 address");
    if (IN6_IS_ADDR_UNSPECIFIED(&a6)) return refuse("[::] listens on every interface; " + not_loopback);
    if (!IN6_IS_ADDR_LOOPBACK(&a6)) return refuse(not_loopback);
    out.host = "::1";
    return out;
  }
  if (h == "localhost") {
    out.host = "127.0.0.1";
    return out;
  }
  in_addr a4{};
  if (::inet_pton(AF_INET, h.c_str(), &a4) != 1) return refuse("'" + h + "' is not an IPv4 address; " + not_loopback);
  uint32_t addr = ntohl(a4.s_addr);
  if (addr == 0) return refuse("0.0.0.0 listens on every interface; " + not_loopback);
  if ((addr >> 24) != 127) return refuse(not_loopback);
  out.host = h;
  return out;
}

}  // namespace logpost::ingester
