#include "common/config.hpp"

#include <gtest/gtest.h>

#include "common/atomic_file.hpp"

using namespace logpost;

namespace {

const ConfigKey k_keys[] = {
    {"recipient", ConfigType::string, "logs@example.net", "where shipments go"},
    {"mta_port", ConfigType::integer, "25", "MTA port"},
    {"signatures_required", ConfigType::boolean, "no", "reject unsigned mail"},
    {"max_mail_size", ConfigType::size, "10M", "largest mail"},
    {"timeout", ConfigType::duration, "30s", "SMTP timeout"},
    {"tls", ConfigType::choice, "opportunistic", "STARTTLS policy", "none|opportunistic|required"},
    {"hosts", ConfigType::list, "", "hosts"},
    {"tenant.*.signing_key_file", ConfigType::path, "", "per-tenant key"},
};

TEST(ConfigTest, DefaultsApplyWhenKeysAreAbsent) {
  auto c = Config::load_string("# nothing but a comment\n\n", "<test>", k_keys);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->get_string("recipient"), "logs@example.net");
  EXPECT_EQ(c->get_int("mta_port"), 25);
  EXPECT_FALSE(c->get_bool("signatures_required"));
  EXPECT_EQ(c->get_size("max_mail_size"), 10u * 1024 * 1024);
  EXPECT_EQ(c->get_duration("timeout"), std::chrono::seconds(30));
  EXPECT_EQ(c->get_string("tls"), "opportunistic");
  EXPECT_EQ(c->origin_of("mta_port"), "default");
}

TEST(ConfigTest, ValuesAreParsedByType) {
  auto c = Config::load_string(
      "recipient = ops@logs.example.org\n"
      "mta_port=2525   # trailing comment\n"
      "signatures_required = yes\n"
      "max_mail_size = 512k\n"
      "timeout = 250ms\n"
      "tls = required\n"
      "hosts = a:9200, b:9200 c:9200\n"
      "tenant.acme.signing_key_file = /etc/logpost/acme.key\n"
      "tenant.globex-2.signing_key_file = /etc/logpost/globex.key\n",
      "ship.conf", k_keys);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->get_string("recipient"), "ops@logs.example.org");
  EXPECT_EQ(c->get_int("mta_port"), 2525);
  EXPECT_TRUE(c->get_bool("signatures_required"));
  EXPECT_EQ(c->get_size("max_mail_size"), 512u * 1024);
  EXPECT_EQ(c->get_duration("timeout"), std::chrono::milliseconds(250));
  EXPECT_EQ(c->get_list("hosts"), (std::vector<std::string>{"a:9200", "b:9200", "c:9200"}));
  auto keys = c->get_family("tenant.*.signing_key_file");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys["acme"], "/etc/logpost/acme.key");
  EXPECT_EQ(keys["globex-2"], "/etc/logpost/globex.key");
  EXPECT_EQ(c->origin_of("mta_port"), "ship.conf:2");
}

TEST(ConfigTest, UnknownKeyIsAnErrorWithFileAndLine) {
  auto c = Config::load_string("recipient = a@b\nrecipeint = typo@b\n", "ship.conf", k_keys);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::config);
  EXPECT_EQ(c.error().message, "ship.conf:2: unknown key 'recipeint'");
}

TEST(ConfigTest, BadTypeIsAnError) {
  auto c = Config::load_string("mta_port = twenty-five\n", "ship.conf", k_keys);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("ship.conf:1: mta_port: 'twenty-five' is not an integer"), std::string::npos)
      << c.error().message;
}

TEST(ConfigTest, AllErrorsAreReportedAtOnce) {
  auto c = Config::load_string(
      "mta_port = x\n"
      "bogus = 1\n"
      "tls = sometimes\n"
      "no equals sign here\n"
      "timeout = 5 minutes\n"
      "recipient = a@b\n"
      "recipient = c@d\n"
      "tenant.bad name.signing_key_file = k\n",
      "f", k_keys);
  ASSERT_FALSE(c);
  const std::string& m = c.error().message;
  for (const char* expected : {"f:1: mta_port", "f:2: unknown key 'bogus'", "f:3: tls: 'sometimes' is not one of",
                               "f:4: expected 'key = value'", "f:5: timeout", "f:7: key 'recipient' already set at f:6",
                               "f:8: unknown key"})
    EXPECT_NE(m.find(expected), std::string::npos) << "missing '" << expected << "' in:\n" << m;
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 6) << m;
}

TEST(ConfigTest, HashInValueIsKeptUnlessAfterWhitespace) {
  auto c = Config::load_string("recipient = a#b@c # comment\n", "f", k_keys);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->get_string("recipient"), "a#b@c");
}

TEST(ConfigTest, SetOverridesAndValidates) {
  Config c(k_keys);
  ASSERT_TRUE(c.set("mta_port", "2525"));
  EXPECT_EQ(c.get_int("mta_port"), 2525);
  EXPECT_EQ(c.origin_of("mta_port"), "command line");
  EXPECT_FALSE(c.set("mta_port", "x"));
  EXPECT_FALSE(c.set("nope", "1"));
}

TEST(ConfigTest, MissingFileIsAConfigError) {
  auto c = Config::load_file("/nonexistent/logpost.conf", k_keys);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::config);
  EXPECT_EQ(exit_code_for(c.error().code), 78);
}

TEST(ConfigTest, DescribeListsEveryKey) {
  std::string d = Config::describe(k_keys);
  for (const auto& k : k_keys) EXPECT_NE(d.find(std::string(k.name)), std::string::npos);
  EXPECT_NE(d.find("none|opportunistic|required"), std::string::npos);
}

TEST(ConfigTest, ParsersRejectGarbage) {
  EXPECT_FALSE(parse_size("10X"));
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("99999999999999999999G"));
  EXPECT_EQ(*parse_size("3G"), 3ull << 30);
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_EQ(*parse_duration("2h"), std::chrono::hours(2));
  EXPECT_EQ(*parse_duration("7d"), std::chrono::hours(168));
  EXPECT_EQ(*parse_duration("90"), std::chrono::seconds(90));
  EXPECT_FALSE(parse_bool("maybe"));
}

}  // namespace
