#include "shipper/state_file.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace logpost::shipper {
namespace {

using namespace std::chrono_literals;

TEST(StateFile, MissingFileIsEmpty) {
  test::TempDir dir;
  auto s = StateFile::load(dir.path() / "none.state");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->entries().empty());
}

TEST(StateFile, RecordSaveLoadRoundTrip) {
  test::TempDir dir;
  auto path = dir.path() / "ship.state";
  {
    auto s = StateFile::load(path);
    ASSERT_TRUE(s.has_value());
    s->record("1:2:3:4:abcd", "shipA", 1000, "/var/log/a b\n.log");
    s->record("5:6:7:8:ef01", "shipB", 2000, "/var/log/b.log");
    ASSERT_TRUE(s->save(2000, 24h));
  }
  auto s = StateFile::load(path);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  ASSERT_NE(s->find("1:2:3:4:abcd"), nullptr);
  EXPECT_EQ(s->find("1:2:3:4:abcd")->shipment_id, "shipA");
  EXPECT_EQ(s->find("5:6:7:8:ef01")->shipped_at, 2000);
  EXPECT_EQ(s->find("9:9:9:9:9999"), nullptr);
  // One line per entry: a newline in a path cannot break the format.
  const std::string text = test::read_file(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

TEST(StateFile, RetentionDropsOldEntries) {
  test::TempDir dir;
  auto path = dir.path() / "ship.state";
  auto s = StateFile::load(path);
  ASSERT_TRUE(s.has_value());
  s->record("old", "a", 1000, "/x");
  s->record("new", "b", 1000 + 86400 * 10, "/y");
  ASSERT_TRUE(s->save(1000 + 86400 * 10, std::chrono::hours(24 * 5)));
  auto again = StateFile::load(path);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->find("old"), nullptr);
  EXPECT_NE(again->find("new"), nullptr);
}

TEST(StateFile, RecordingTwiceKeepsOneEntry) {
  test::TempDir dir;
  auto s = StateFile::load(dir.path() / "s");
  ASSERT_TRUE(s.has_value());
  s->record("id", "a", 1, "/x");
  s->record("id", "a", 2, "/x");
  EXPECT_EQ(s->entries().size(), 1u);
  EXPECT_EQ(s->find("id")->shipped_at, 2);
}

TEST(StateFile, MalformedLineIsAnErrorNamingTheLine) {
  test::TempDir dir;
  auto path = dir.path() / "bad.state";
  test::write_file(path, "a\tb\t1\t/x\ngarbage line\n");
  auto s = StateFile::load(path);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::data);
  EXPECT_NE(s.error().message.find(":2:"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace logpost::shipper
