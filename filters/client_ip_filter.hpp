// client_ip_filter.hpp — `client_ip` (a logpost extension, not a Logstash
// plugin): the client address of a request out of an X-Forwarded-For list.
//
//   client_ip {
//     source => "[nginx][access][remote_ip_list]"       # required
//     target => "[source][ip]"                           # the default
//     list_target => "[nginx][access][remote_ip_list]"   # optional
//   }
//
// Options (defaults in brackets):
//   source           field holding the list: a string ("203.0.113.7, 10.0.0.2")
//                    or an array of such strings
//   target           ["[source][ip]"] where the chosen address goes
//   list_target      when set, the whole list, one array element per token,
//                    as written (unknown and garbage tokens included), is
//                    stored here; it may be the source field itself
//   tag_on_failure   ["_client_ip_failure"] added when no token is an address
//
// The list is split at commas and whitespace; double quotes around tokens
// are dropped; empty tokens are skipped. A token is an address when it is
// an IPv4 or IPv6 address, optionally with a port ("203.0.113.7:5123",
// "[2001:db8::1]:443") or in brackets ("[2001:db8::1]"), or an IPv6 address
// with a zone ("fe80::1%eth0"); the address is stored without port,
// brackets or zone, IPv6 in the form written. Anything else ("unknown",
// "_hidden", "-", garbage) is not an address and is skipped.
//
// The chosen address is the left-most one that is public, that is in none
// of: 0.0.0.0/8, 10/8, 100.64/10 (CGNAT), 127/8, 169.254/16, 172.16/12,
// 192.168/16, ::/128, ::1/128, fe80::/10, fec0::/10, fc00::/7 (unique local),
// and IPv4-mapped IPv6 (::ffff:a.b.c.d) of those. When every address is
// non-public, the left-most address is chosen (a request from inside the
// network). Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24,
// 2001:db8::/32) count as public.
//
// SECURITY: X-Forwarded-For is written by the client first: every entry
// left of the last proxy you run can be forged. The left-most public
// address is what operators (and Filebeat) expect for statistics and
// GeoIP; it is not an authentication.
//
// Outcome: success when an address was chosen; failure when the source is
// absent or not a string/array (no tag) or holds no address (tagged; the
// list is still stored in list_target, the event is kept).
// Errors (build): source missing, bad field references, unknown options.
// Cost: one pass over the list, an address parse per token until the first
// public one (filters/ip_text.hpp); tokens are views of the source text, so
// the only allocations are the stored list and address. When list_target is
// the source and the source is one bare token (the usual access-log line),
// the string moves into the list in place, without a copy.
// Thread-safety: one thread at a time (Filter contract).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "filters/filter.hpp"
#include "filters/registry.hpp"

namespace logpost::filters {

struct ClientAddress {
  std::string ip;          // without port, brackets, zone
  bool is_public = false;  // not in the non-public ranges above
};

// One list token as `client_ip` reads it; nullopt when it is no address.
std::optional<ClientAddress> parse_client_address(std::string_view token);

Result<std::unique_ptr<Filter>> make_client_ip_filter(const PluginBlock& block, const BuildContext& context);

}  // namespace logpost::filters
