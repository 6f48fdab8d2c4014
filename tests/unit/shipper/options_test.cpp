#include "shipper/options.hpp"

#include <gtest/gtest.h>

namespace logpost::shipper {
namespace {

Result<Options> parse(std::initializer_list<const char*> args) {
  const char* argv[16] = {"logpost-ship"};
  int argc = 1;
  for (const char* a : args) argv[argc++] = a;
  return parse_options(argc, argv);
}

TEST(Options, ShipSeveralFiles) {
  auto o = parse({"--config", "/etc/x.conf", "--kind", "mysql-slow", "--to=a@b.example", "f1", "f 2"});
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(o->config_path, "/etc/x.conf");
  EXPECT_EQ(o->kind, LogKind::mysql_slow);
  EXPECT_EQ(o->to, "a@b.example");
  EXPECT_EQ(o->files, (std::vector<std::string>{"f1", "f 2"}));
}

TEST(Options, DoubleDashEndsOptions) {
  auto o = parse({"--kind", "raw", "--", "--flush"});
  ASSERT_TRUE(o.has_value());
  EXPECT_FALSE(o->flush);
  EXPECT_EQ(o->files, (std::vector<std::string>{"--flush"}));
}

TEST(Options, Settle) {
  auto o = parse({"--kind", "nginx-access", "--settle", "2s", "f"});
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->settle, std::chrono::seconds(2));
  EXPECT_FALSE(parse({"--kind", "raw", "--settle=soon", "f"}).has_value());
}

TEST(Options, Flush) {
  auto o = parse({"--flush"});
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->flush);
  EXPECT_FALSE(parse({"--flush", "file"}).has_value());
}

TEST(Options, UsageErrors) {
  EXPECT_FALSE(parse({"file"}).has_value()) << "--kind is required";
  EXPECT_FALSE(parse({"--kind", "syslog", "f"}).has_value());
  EXPECT_FALSE(parse({"--kind", "raw"}).has_value()) << "no files";
  EXPECT_FALSE(parse({"--kind"}).has_value());
  EXPECT_FALSE(parse({"--frobnicate"}).has_value());
  EXPECT_TRUE(parse({"--help"}).has_value());
}

}  // namespace
}  // namespace logpost::shipper
