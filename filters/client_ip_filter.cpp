#include "filters/client_ip_filter.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "filters/field_ref.hpp"
#include "filters/ip_text.hpp"
#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

// The longest IP address text (INET6_ADDRSTRLEN - 1).
constexpr size_t k_longest_address = 45;

constexpr std::array<bool, 256> k_list_separators = [] {
  std::array<bool, 256> table{};
  for (char c : {',', ' ', '\t', '\r', '\n'}) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool is_list_separator(char c) { return k_list_separators[static_cast<unsigned char>(c)]; }

// Splits an X-Forwarded-For value into tokens, quotes dropped. Proxies join
// headers with ", ", but "a,b" and "a ,b" occur, and nginx logs the value
// of several headers as one string.
void split_list(std::string_view text, std::vector<std::string_view>& out) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_list_separator(text[i])) ++i;
    size_t end = i;
    while (end < text.size() && !is_list_separator(text[end])) ++end;
    std::string_view token = text.substr(i, end - i);
    while (!token.empty() && token.front() == '"') token.remove_prefix(1);
    while (!token.empty() && token.back() == '"') token.remove_suffix(1);
    if (!token.empty()) out.emplace_back(token);
    i = end;
  }
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool is_public_v4(const uint8_t* a) {
  if (a[0] == 0 || a[0] == 10 || a[0] == 127) return false;                // this network, private, loopback
  if (a[0] == 100 && (a[1] & 0xC0) == 64) return false;                    // 100.64/10 CGNAT
  if (a[0] == 169 && a[1] == 254) return false;                            // link-local
  if (a[0] == 172 && (a[1] & 0xF0) == 16) return false;                    // 172.16/12
  if (a[0] == 192 && a[1] == 168) return false;                            // 192.168/16
  return true;
}

bool is_public_v6(const std::array<uint8_t, 16>& a) {
  bool zero_prefix = true;  // the first 10 bytes
  for (size_t i = 0; i < 10; ++i) zero_prefix = zero_prefix && a[i] == 0;
  if (zero_prefix && a[10] == 0xff && a[11] == 0xff) return is_public_v4(a.data() + 12);  // ::ffff:a.b.c.d
  if (zero_prefix && a[10] == 0 && a[11] == 0 && a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] <= 1)
    return false;                                                                          // :: and ::1
  if (a[0] == 0xfe && (a[1] & 0x80) == 0x80) return false;  // fe80::/10 link-local, fec0::/10 site-local
  if ((a[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  return true;
}

}  // namespace

namespace {

// parse_client_address without building a string: `address` is the part
// of `token` that is the address (port, brackets, zone removed).
bool find_client_address(std::string_view token, std::string_view& address, bool& is_public) {
  std::array<uint8_t, 4> plain{};
  if (parse_ipv4_exact(token, plain)) {  // the common case: a bare IPv4 address, no port or zone
    address = token;
    is_public = is_public_v4(plain.data());
    return true;
  }
  address = token;
  bool v6_only = false;
  if (!address.empty() && address.front() == '[') {  // [v6] or [v6]:port
    const size_t close = address.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view after = address.substr(close + 1);
    if (!after.empty() && !(after.front() == ':' && all_digits(after.substr(1)))) return false;
    address = address.substr(1, close - 1);
    v6_only = true;
  } else if (const size_t colon = address.find(':');
             colon != std::string_view::npos && address.find(':', colon + 1) == std::string_view::npos) {
    // Exactly one colon: IPv4 with a port (no IPv6 address has just one).
    if (!all_digits(address.substr(colon + 1))) return false;
    address = address.substr(0, colon);
  }
  // A zone ("fe80::1%eth0") names an interface of the logging host: drop it.
  std::string_view zone_free = address;
  if (const size_t percent = address.find('%'); percent != std::string_view::npos) {
    if (percent + 1 == address.size()) return false;
    zone_free = address.substr(0, percent);
    v6_only = true;
  }
  if (zone_free.empty() || zone_free.size() > k_longest_address) return false;
  address = zone_free;
  if (!v6_only) {
    std::array<uint8_t, 4> v4{};
    if (parse_ipv4(zone_free, v4)) {
      is_public = is_public_v4(v4.data());
      return true;
    }
  }
  std::array<uint8_t, 16> v6{};
  if (parse_ipv6(zone_free, v6)) {
    is_public = is_public_v6(v6);
    return true;
  }
  return false;
}

}  // namespace

std::optional<ClientAddress> parse_client_address(std::string_view token) {
  std::string_view address;
  bool is_public = false;
  if (!find_client_address(token, address, is_public)) return std::nullopt;
  return ClientAddress{std::string(address), is_public};
}

namespace {

class ClientIpFilter final : public Filter {
 public:
  FieldRef source;
  FieldRef target;
  std::optional<FieldRef> list_target;
  std::vector<std::string> tag_on_failure;

  FilterOutcome process(Event& event) override {
    Value* src = source.find_mutable(event);  // never @timestamp: refused at build
    if (!src) return FilterOutcome::failure;
    m_tokens.clear();
    if (src->is_string()) {
      split_list(src->as_string(), m_tokens);
    } else if (src->is_array()) {
      for (const auto& item : src->as_array())
        if (item.is_string()) split_list(item.as_string(), m_tokens);
    } else {
      return FilterOutcome::failure;
    }
    // The left-most public address, else the left-most address.
    std::string_view chosen_text;
    bool found = false;
    for (const auto token : m_tokens) {
      std::string_view address;
      bool is_public = false;
      if (!find_client_address(token, address, is_public)) continue;
      if (!found || is_public) chosen_text = address;
      found = true;
      if (is_public) break;
    }
    // The tokens and the chosen address point into the source's text, which
    // the list may replace (list_target may be the source): copy first, to
    // the stack (find_client_address returns at most k_longest_address bytes).
    std::array<char, k_longest_address> chosen{};
    const size_t chosen_size = std::min(chosen_text.size(), chosen.size());
    std::copy_n(chosen_text.data(), chosen_size, chosen.data());
    if (list_target) {
      if (m_list_is_source && src->is_string() && m_tokens.size() == 1 &&
          m_tokens.front().size() == src->as_string().size()) {
        // The common case: one token that is the whole string. The string
        // itself becomes the list's element, in place, no copy.
        Array list;
        list.reserve(1);
        list.emplace_back(std::move(*src));
        *src = Value(std::move(list));
      } else {
        Array list;
        list.reserve(m_tokens.size());
        for (const auto token : m_tokens) list.emplace_back(token);
        if (m_list_is_source) *src = Value(std::move(list));
        else list_target->set(event, Value(std::move(list)));
      }
    }
    if (found) {
      event.slot(target.path()).assign_string(std::string_view(chosen.data(), chosen_size));
      return FilterOutcome::success;
    }
    for (const auto& tag : tag_on_failure) event.add_tag(tag);
    return FilterOutcome::failure;
  }

  // Set at build: list_target names the source field (the list replaces it
  // in place, without a second path walk).
  bool m_list_is_source = false;

 private:
  std::vector<std::string_view> m_tokens;  // into the source's text; reused across events
};

}  // namespace

Result<std::unique_ptr<Filter>> make_client_ip_filter(const PluginBlock& block, const BuildContext&) {
  OptionReader opts(block, {"source", "target", "list_target", "tag_on_failure"});
  auto filter = std::make_unique<ClientIpFilter>();
  auto ref = [&](std::string_view option, const std::string& text) -> std::optional<FieldRef> {
    auto r = FieldRef::parse(text);
    if (!r) {
      opts.error(option, r.error().message);
      return std::nullopt;
    }
    if (r->is_timestamp()) {
      opts.error(option, "@timestamp does not hold addresses");
      return std::nullopt;
    }
    return std::move(*r);
  };
  if (auto s = opts.string("source")) {
    if (auto r = ref("source", *s)) filter->source = std::move(*r);
  } else if (!opts.has("source")) {
    opts.error(block.where, "the source option is required");
  }
  if (auto r = ref("target", opts.string("target").value_or("[source][ip]"))) filter->target = std::move(*r);
  if (auto l = opts.string("list_target")) filter->list_target = ref("list_target", *l);
  filter->m_list_is_source = filter->list_target && filter->list_target->path() == filter->source.path();
  filter->tag_on_failure = opts.has("tag_on_failure") ? opts.string_list("tag_on_failure")
                                                      : std::vector<std::string>{"_client_ip_failure"};
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(std::move(filter));
}

}  // namespace logpost::filters
