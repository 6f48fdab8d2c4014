// client_ip: address parsing and classification (table), the left-most
// public address of X-Forwarded-For lists, lists kept, garbage tagged.
#include <gtest/gtest.h>

#include "filter_test_util.hpp"
#include "filters/client_ip_filter.hpp"

namespace logpost::filters {
namespace {

using test::build_error;
using test::run_one;

struct AddressCase {
  const char* token;
  const char* ip;  // nullptr: not an address
  bool is_public;
};

TEST(ClientIp, ParsesAndClassifiesAddresses) {
  const AddressCase cases[] = {
      {"203.0.113.7", "203.0.113.7", true},
      {"8.8.8.8", "8.8.8.8", true},
      {"10.0.0.5", "10.0.0.5", false},
      {"10.255.255.255", "10.255.255.255", false},
      {"11.0.0.1", "11.0.0.1", true},
      {"172.16.0.1", "172.16.0.1", false},
      {"172.31.255.254", "172.31.255.254", false},
      {"172.32.0.1", "172.32.0.1", true},
      {"172.15.0.1", "172.15.0.1", true},
      {"192.168.1.1", "192.168.1.1", false},
      {"192.169.1.1", "192.169.1.1", true},
      {"100.64.0.1", "100.64.0.1", false},     // CGNAT 100.64/10
      {"100.127.255.1", "100.127.255.1", false},
      {"100.128.0.1", "100.128.0.1", true},
      {"100.63.0.1", "100.63.0.1", true},
      {"169.254.10.1", "169.254.10.1", false},  // link-local
      {"127.0.0.1", "127.0.0.1", false},
      {"0.0.0.0", "0.0.0.0", false},
      {"2001:db8::1", "2001:db8::1", true},
      {"2a00:1450:4001:81b::200e", "2a00:1450:4001:81b::200e", true},
      {"::1", "::1", false},
      {"::", "::", false},
      {"fe80::1", "fe80::1", false},
      {"febf::1", "febf::1", false},
      {"fec0::1", "fec0::1", false},  // deprecated site-local
      {"fc00::1", "fc00::1", false},  // unique local fc00::/7
      {"fd12:3456::9", "fd12:3456::9", false},
      {"fe00::1", "fe00::1", true},
      {"::ffff:10.0.0.1", "::ffff:10.0.0.1", false},  // IPv4-mapped
      {"::ffff:203.0.113.7", "::ffff:203.0.113.7", true},
      {"203.0.113.7:5123", "203.0.113.7", true},       // with a port
      {"10.0.0.1:80", "10.0.0.1", false},
      {"[2001:db8::1]:443", "2001:db8::1", true},
      {"[2001:db8::1]", "2001:db8::1", true},
      {"fe80::1%eth0", "fe80::1", false},  // zone dropped
      {"unknown", nullptr, false},
      {"_hidden", nullptr, false},
      {"-", nullptr, false},
      {"", nullptr, false},
      {"1.2.3", nullptr, false},
      {"1.2.3.4.5", nullptr, false},
      {"256.1.1.1", nullptr, false},
      {"203.0.113.7:http", nullptr, false},
      {"203.0.113.7:", nullptr, false},
      {"[2001:db8::1", nullptr, false},
      {"[2001:db8::1]x", nullptr, false},
      {"[203.0.113.7]", nullptr, false},  // brackets are for IPv6
      {"fe80::1%", nullptr, false},
      {"2001:db8::g", nullptr, false},
      {"<script>", nullptr, false},
      {"example.com", nullptr, false},
  };
  for (const auto& c : cases) {
    auto address = parse_client_address(c.token);
    if (c.ip == nullptr) {
      EXPECT_FALSE(address.has_value()) << "'" << c.token << "' parsed as " << address->ip;
      continue;
    }
    ASSERT_TRUE(address.has_value()) << c.token;
    EXPECT_EQ(address->ip, c.ip) << c.token;
    EXPECT_EQ(address->is_public, c.is_public) << c.token;
  }
}

const char* const k_filter = R"(client_ip { source => "xff" list_target => "xff" })";

TEST(ClientIp, ProxyChainGivesTheLeftmostPublicAddress) {
  // A client behind its own proxy 10.0.0.5 reached the edge as 203.0.113.7.
  EXPECT_EQ(run_one(k_filter, R"({"xff":"10.0.0.5, 203.0.113.7"})"),
            R"({"xff":["10.0.0.5","203.0.113.7"],"source":{"ip":"203.0.113.7"}})");
  // The left-most public one, not the last: 198.51.100.9 is the edge's peer.
  EXPECT_EQ(run_one(k_filter, R"({"xff":"203.0.113.7, 10.0.0.2, 198.51.100.9"})"),
            R"({"xff":["203.0.113.7","10.0.0.2","198.51.100.9"],"source":{"ip":"203.0.113.7"}})");
}

TEST(ClientIp, Ipv6AndMixedLists) {
  EXPECT_EQ(run_one(k_filter, R"({"xff":"fd00::1, 2001:db8::7, 198.51.100.1"})"),
            R"({"xff":["fd00::1","2001:db8::7","198.51.100.1"],"source":{"ip":"2001:db8::7"}})");
  EXPECT_EQ(run_one(k_filter, R"({"xff":"::1, fe80::1%eth0, 192.0.2.44"})"),
            R"({"xff":["::1","fe80::1%eth0","192.0.2.44"],"source":{"ip":"192.0.2.44"}})");
  EXPECT_EQ(run_one(k_filter, R"({"xff":"[2001:db8::5]:51234, 203.0.113.1"})"),
            R"({"xff":["[2001:db8::5]:51234","203.0.113.1"],"source":{"ip":"2001:db8::5"}})");
}

TEST(ClientIp, SpacingAndQuotesVary) {
  EXPECT_EQ(run_one(k_filter, R"({"xff":"10.0.0.1,203.0.113.9 ,  198.51.100.2"})"),
            R"({"xff":["10.0.0.1","203.0.113.9","198.51.100.2"],"source":{"ip":"203.0.113.9"}})");
  EXPECT_EQ(run_one(k_filter, R"({"xff":"\"10.0.0.1\", \"203.0.113.9\""})"),
            R"({"xff":["10.0.0.1","203.0.113.9"],"source":{"ip":"203.0.113.9"}})");
  EXPECT_EQ(run_one(k_filter, R"({"xff":" 203.0.113.9 "})"), R"({"xff":["203.0.113.9"],"source":{"ip":"203.0.113.9"}})");
}

TEST(ClientIp, UnknownTokensAreSkippedAndKept) {
  EXPECT_EQ(run_one(k_filter, R"({"xff":"unknown, 10.1.1.1, 192.0.2.44"})"),
            R"({"xff":["unknown","10.1.1.1","192.0.2.44"],"source":{"ip":"192.0.2.44"}})");
  EXPECT_EQ(run_one(k_filter, R"({"xff":"unknown, 10.1.1.1"})"),
            R"({"xff":["unknown","10.1.1.1"],"source":{"ip":"10.1.1.1"}})");
}

TEST(ClientIp, OnlyPrivateAddressesGiveTheFirst) {
  EXPECT_EQ(run_one(k_filter, R"({"xff":"192.168.0.9, 10.0.0.1, 100.64.3.3"})"),
            R"({"xff":["192.168.0.9","10.0.0.1","100.64.3.3"],"source":{"ip":"192.168.0.9"}})");
  EXPECT_EQ(run_one(k_filter, R"({"xff":"127.0.0.1"})"), R"({"xff":["127.0.0.1"],"source":{"ip":"127.0.0.1"}})");
}

TEST(ClientIp, GarbageIsTaggedAndKept) {
  EXPECT_EQ(run_one(k_filter, R"({"xff":"garbage, <script>","status":200})"),
            R"({"xff":["garbage","<script>"],"status":200,"tags":["_client_ip_failure"]})");
  EXPECT_EQ(run_one(k_filter, R"({"xff":""})"), R"({"xff":[],"tags":["_client_ip_failure"]})");
  EXPECT_EQ(run_one(R"(client_ip { source => "xff" tag_on_failure => ["bad_xff"] })", R"({"xff":"-"})"),
            R"({"xff":"-","tags":["bad_xff"]})");
}

TEST(ClientIp, ArraySourceCustomTargetAndCommonOptions) {
  EXPECT_EQ(run_one(R"(client_ip { source => "[a][xff]" target => "[client][ip]" add_tag => ["picked"] })",
                    R"({"a":{"xff":["10.0.0.1","203.0.113.5, 10.0.0.9"]}})"),
            R"({"a":{"xff":["10.0.0.1","203.0.113.5, 10.0.0.9"]},"client":{"ip":"203.0.113.5"},"tags":["picked"]})");
  // No source field: nothing happens, no tag, and add_tag does not apply.
  EXPECT_EQ(run_one(R"(client_ip { source => "xff" add_tag => ["picked"] })", R"({"other":1})"), R"({"other":1})");
  // A source that is not text: the same.
  EXPECT_EQ(run_one(R"(client_ip { source => "xff" })", R"({"xff":5})"), R"({"xff":5})");
}

// list_target naming the source with a single token (the common access-log
// case) replaces the string by a one-element array in place: same position
// among its siblings, same result as the general path.
TEST(ClientIp, SingleTokenListReplacesTheSourceInPlace) {
  EXPECT_EQ(run_one(k_filter, R"({"a":1,"xff":"203.0.113.7","b":2})"),
            R"({"a":1,"xff":["203.0.113.7"],"b":2,"source":{"ip":"203.0.113.7"}})");
  // Longer than the short-string buffer: the same.
  EXPECT_EQ(run_one(k_filter, R"({"xff":"2a00:1450:4001:81b::200e"})"),
            R"({"xff":["2a00:1450:4001:81b::200e"],"source":{"ip":"2a00:1450:4001:81b::200e"}})");
  // The token as written is kept, the address without its port or zone.
  EXPECT_EQ(run_one(k_filter, R"({"xff":"203.0.113.7:5123"})"),
            R"({"xff":["203.0.113.7:5123"],"source":{"ip":"203.0.113.7"}})");
  EXPECT_EQ(run_one(k_filter, R"({"xff":"fe80::1%eth0"})"), R"({"xff":["fe80::1%eth0"],"source":{"ip":"fe80::1"}})");
  // Quotes around the single token: the token is not the whole string.
  EXPECT_EQ(run_one(k_filter, R"({"xff":"\"203.0.113.7\""})"), R"({"xff":["203.0.113.7"],"source":{"ip":"203.0.113.7"}})");
  EXPECT_EQ(run_one(k_filter, R"({"xff":"unknown"})"), R"({"xff":["unknown"],"tags":["_client_ip_failure"]})");
  // A nested source, and a source array of one element.
  const char* nested = R"(client_ip { source => "[n][xff]" list_target => "[n][xff]" target => "[n][ip]" })";
  EXPECT_EQ(run_one(nested, R"({"n":{"xff":"198.51.100.4","z":0}})"),
            R"({"n":{"xff":["198.51.100.4"],"z":0,"ip":"198.51.100.4"}})");
  EXPECT_EQ(run_one(k_filter, R"({"xff":["203.0.113.8"]})"), R"({"xff":["203.0.113.8"],"source":{"ip":"203.0.113.8"}})");
}

TEST(ClientIp, ListTargetElsewhereLeavesTheSource) {
  const char* filter = R"(client_ip { source => "xff" list_target => "[list]" target => "[client]" })";
  EXPECT_EQ(run_one(filter, R"({"xff":"203.0.113.7"})"), R"({"xff":"203.0.113.7","list":["203.0.113.7"],"client":"203.0.113.7"})");
  EXPECT_EQ(run_one(filter, R"({"xff":"10.0.0.1, 203.0.113.7"})"),
            R"({"xff":"10.0.0.1, 203.0.113.7","list":["10.0.0.1","203.0.113.7"],"client":"203.0.113.7"})");
}

TEST(ClientIp, ConfigurationErrors) {
  EXPECT_NE(build_error("client_ip { }").find("source option is required"), std::string::npos);
  EXPECT_NE(build_error(R"(client_ip { source => "x" bogus => 1 })").find("bogus"), std::string::npos);
  EXPECT_NE(build_error(R"(client_ip { source => "[a" })").find("source"), std::string::npos);
  EXPECT_NE(build_error(R"(client_ip { source => "x" target => "@timestamp" })").find("@timestamp"),
            std::string::npos);
}

}  // namespace
}  // namespace logpost::filters
