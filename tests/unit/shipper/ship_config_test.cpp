#include "shipper/ship_config.hpp"

#include <gtest/gtest.h>

#include "common/shipment_mail.hpp"
#include "test_util.hpp"

namespace logpost::shipper {
namespace {

Result<ShipSettings> load(const std::string& text, std::optional<std::string> to = std::nullopt) {
  auto config = Config::load_string(text, "<test>", ship_config_keys());
  if (!config) return tl::unexpected(config.error());
  return load_ship_settings(*config, to);
}

TEST(ShipConfig, DefaultsWithARecipient) {
  auto s = load("recipient = logs@logs.example.net\ntimezone = Europe/Berlin\n");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->mta_host, "127.0.0.1");
  EXPECT_EQ(s->mta_port, 25);
  EXPECT_EQ(s->starttls, StartTls::none);
  EXPECT_EQ(s->tenant, "default");
  EXPECT_EQ(s->user, "logpost");
  EXPECT_FALSE(s->signing_key.has_value());
  EXPECT_EQ(s->sender, "logpost@" + s->host_name);
  EXPECT_EQ(s->timezone, "Europe/Berlin");
}

TEST(ShipConfig, ToOverridesRecipient) {
  auto s = load("recipient = a@b.example\n", "c@d.example");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->recipient, "c@d.example");
}

TEST(ShipConfig, EveryProblemIsReportedAtOnce) {
  auto s = load("tenant = bad tenant!\nmta_port = 70000\ncompression_level = 11\nsigning_key_file = /nonexistent/key\n");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::config);
  const std::string& m = s.error().message;
  for (const char* key : {"recipient", "tenant", "mta_port", "compression_level", "signing_key_file"})
    EXPECT_NE(m.find(key), std::string::npos) << key << " missing from:\n" << m;
  EXPECT_NE(m.find("<test>:1"), std::string::npos) << "errors name file:line:\n" << m;
}

TEST(ShipConfig, HeaderInjectionInAddressesIsRefused) {
  auto s = load("recipient = a@b.example\nsender = x@y.example\\r\\nBcc: evil@z\n");
  ASSERT_FALSE(s.has_value());
}

TEST(ShipConfig, UnknownKeyIsAnError) {
  auto s = load("recipient = a@b.example\nrelayhost = smtp.example.com\n");
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("relayhost"), std::string::npos);
}

TEST(ShipConfig, SigningKeyIsTheFileWithoutTrailingNewlines) {
  test::TempDir dir;
  // The file's bytes without trailing CR/LF (docs/shipment-format.md).
  test::write_file(dir.path() / "k", "secret\nwith newline\r\n\n");
  auto s = load("recipient = a@b.example\nsigning_key_file = " + (dir.path() / "k").string() + "\n");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(*s->signing_key, "secret\nwith newline");
}

TEST(ShipConfig, GzipBudgetFitsTheMailSize) {
  for (const char* size : {"20k", "64k", "1M", "9M", "50M"}) {
    auto s = load(std::string("recipient = a@b.example\nmax_mail_size = ") + size + "\n");
    ASSERT_TRUE(s.has_value()) << size;
    uint64_t gz = s->max_gzip_bytes();
    EXPECT_LE(base64_mail_size(gz) + k_mail_header_budget, s->max_mail_size) << size;
    EXPECT_GT(base64_mail_size(gz + 64) + k_mail_header_budget, s->max_mail_size) << size << ": budget wasted";
  }
}

TEST(ShipConfig, DetectTimezone) {
  test::TempDir dir;
  EXPECT_FALSE(detect_timezone(dir.path()).has_value());
  std::filesystem::create_symlink("/usr/share/zoneinfo/America/New_York", dir.path() / "localtime");
  EXPECT_EQ(detect_timezone(dir.path()), "America/New_York");
  test::write_file(dir.path() / "timezone", "Europe/Berlin\n");
  EXPECT_EQ(detect_timezone(dir.path()), "Europe/Berlin");
}

}  // namespace
}  // namespace logpost::shipper
