// metrics_listen: which addresses the unauthenticated endpoint may use, and
// how a refused one surfaces in the configuration (file:line, exit 78).
#include "ingester/listen_address.hpp"

#include <gtest/gtest.h>

#include "common/config.hpp"
#include "ingester/ingest_settings.hpp"

namespace logpost::ingester {
namespace {

struct Accepted {
  const char* value;
  bool ipv6;
  const char* host;
  uint16_t port;
};

TEST(ListenAddress, LoopbackAddressesAreAccepted) {
  const Accepted cases[] = {
      {"127.0.0.1:9187", false, "127.0.0.1", 9187},
      {"127.1.2.3:1", false, "127.1.2.3", 1},  // all of 127.0.0.0/8 is loopback
      {"127.255.255.254:65535", false, "127.255.255.254", 65535},
      {"localhost:9187", false, "127.0.0.1", 9187},
      {"[::1]:9187", true, "::1", 9187},
      {"[0:0:0:0:0:0:0:1]:80", true, "::1", 80},
  };
  for (const auto& c : cases) {
    auto a = parse_loopback_listen_address(c.value);
    ASSERT_TRUE(a) << c.value << ": " << a.error().message;
    EXPECT_EQ(a->ipv6, c.ipv6) << c.value;
    EXPECT_EQ(a->host, c.host) << c.value;
    EXPECT_EQ(a->port, c.port) << c.value;
  }
  EXPECT_EQ(parse_loopback_listen_address("[::1]:9187")->text(), "[::1]:9187");
  EXPECT_EQ(parse_loopback_listen_address("localhost:80")->text(), "127.0.0.1:80");
}

struct Refused {
  const char* value;
  const char* says;  // a piece of the reason
};

TEST(ListenAddress, EverythingElseIsAConfigErrorThatSaysWhy) {
  const Refused cases[] = {
      {"0.0.0.0:9187", "every interface"},
      {"[::]:9187", "every interface"},
      {"192.168.1.10:9187", "not a loopback address"},
      {"10.0.0.1:9187", "not a loopback address"},
      {"128.0.0.1:9187", "not a loopback address"},
      {"[::ffff:127.0.0.1]:9187", "not a loopback address"},
      {"[fe80::1]:9187", "not a loopback address"},
      {"example.com:9187", "not an IPv4 address"},
      {"127.1:9187", "not an IPv4 address"},  // inet_aton's shorthand is not accepted
      {"::1:9187", "brackets"},
      {"[::1]9187", "[address]:port"},
      {"[::1:9187", "missing ']'"},
      {"127.0.0.1", "address:port"},
      {"127.0.0.1:", "port must be"},
      {"127.0.0.1:0", "port must be"},
      {"127.0.0.1:65536", "port must be"},
      {"127.0.0.1:-1", "port must be"},
      {"127.0.0.1:91x", "port must be"},
      {"127.0.0.1: 9187", "port must be"},
      {"", "address:port"},
  };
  for (const auto& c : cases) {
    auto a = parse_loopback_listen_address(c.value);
    ASSERT_FALSE(a) << c.value << " was accepted as " << a->text();
    EXPECT_EQ(a.error().code, ErrorCode::config) << c.value;
    EXPECT_NE(a.error().message.find(c.says), std::string::npos) << c.value << ": " << a.error().message;
  }
}

TEST(ListenAddress, SettingsReportARefusedAddressWithFileAndLine) {
  auto config = Config::load_string("batch_events = 10\nmetrics_listen = 0.0.0.0:9187\n", "ingest.conf",
                                    ingest_config_keys());
  ASSERT_TRUE(config) << config.error().message;
  auto settings = settings_from_config(*config, ".");
  ASSERT_FALSE(settings);
  EXPECT_EQ(settings.error().code, ErrorCode::config);
  EXPECT_EQ(exit_code_for(settings.error().code), 78);
  EXPECT_NE(settings.error().message.find("ingest.conf:2: metrics_listen: '0.0.0.0:9187'"), std::string::npos)
      << settings.error().message;

  auto good = Config::load_string("metrics_listen = [::1]:9187\n", "ingest.conf", ingest_config_keys());
  ASSERT_TRUE(good);
  auto ok = settings_from_config(*good, ".");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->metrics_listen, "[::1]:9187");
}

}  // namespace
}  // namespace logpost::ingester
