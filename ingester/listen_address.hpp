// listen_address.hpp — the `metrics_listen` value: a loopback address and a
// port, nothing else.
//
// Accepted:  127.0.0.1:9187 (any 127.0.0.0/8 address), [::1]:9187,
//            localhost:9187 (means 127.0.0.1; /etc/hosts and DNS are not
//            consulted, so the address cannot change under us).
// Refused (ErrorCode::config, with the reason): any other host, the
// wildcards 0.0.0.0 and [::], IPv4-mapped or other IPv6 addresses, a
// missing port, a port outside 1..65535. The endpoint has no
// authentication, so it must not be reachable from another machine.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace logpost::ingester {

struct ListenAddress {
  bool ipv6 = false;
  std::string host;  // numeric: "127.0.0.1" or "::1"
  uint16_t port = 0;  // 0 = any free port (tests only; the parser refuses it)

  // "127.0.0.1:9187" or "[::1]:9187".
  [[nodiscard]] std::string text() const;
};

Result<ListenAddress> parse_loopback_listen_address(std::string_view value);

}  // namespace logpost::ingester
