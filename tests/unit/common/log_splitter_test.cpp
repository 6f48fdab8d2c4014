#include "common/log_splitter.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace logpost;

namespace {

struct Collected {
  std::vector<std::string> texts;
  std::vector<LogEntry> entries;  // text views are dangling; flags and offsets only
};

Collected split(LogKind kind, std::string_view input, size_t chunk, size_t max = LogSplitter::k_default_max_entry_bytes) {
  Collected c;
  LogSplitter s(kind, max);
  auto sink = [&](const LogEntry& e) {
    c.texts.emplace_back(e.text);
    c.entries.push_back(e);
  };
  for (size_t i = 0; i < input.size(); i += chunk) s.feed(input.substr(i, chunk), sink);
  s.finish(sink);
  return c;
}

// Every byte is accounted for, in order, and offsets are consistent.
void expect_exact_cover(const Collected& c, std::string_view input) {
  std::string joined;
  uint64_t offset = 0;
  for (size_t i = 0; i < c.texts.size(); ++i) {
    EXPECT_EQ(c.entries[i].offset, offset) << "entry " << i;
    offset += c.texts[i].size();
    joined += c.texts[i];
  }
  EXPECT_EQ(joined, input);
}

const std::string k_slow =
    "/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-0+deb12u1-log (Debian 12). started with:\n"
    "Tcp port: 0  Unix socket: /run/mysqld/mysqld.sock\n"
    "Time                 Id Command    Argument\n"
    "# Time: 241121  6:25:01\n"
    "# User@Host: app[app] @ localhost []\n"
    "# Thread_id: 31  Schema: shop  QC_hit: No\n"
    "# Query_time: 0.000211  Lock_time: 0.000071  Rows_sent: 1  Rows_examined: 1\n"
    "use shop;\n"
    "SET timestamp=1732170301;\n"
    "SELECT * FROM items\n"
    "WHERE id = 5;\n"
    "# User@Host: app[app] @ localhost []\n"
    "# Query_time: 0.1  Lock_time: 0.0  Rows_sent: 0  Rows_examined: 10\n"
    "SET timestamp=1732170301;\n"
    "# administrator command: Ping;\n"
    "# Time: 2024-11-21T06:25:02.123456Z\n"
    "# User@Host: root[root] @ localhost []  Id:     8\n"
    "# Query_time: 2.000000  Lock_time: 0.000000 Rows_sent: 1  Rows_examined: 0\n"
    "SET timestamp=1732170302;\n"
    "select sleep(2);\n";

TEST(LogSplitterTest, SlowLogEntriesAndBannersInAnyChunking) {
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}, size_t{100000}}) {
    auto c = split(LogKind::mysql_slow, k_slow, chunk);
    ASSERT_EQ(c.texts.size(), 6u) << "chunk " << chunk;
    EXPECT_TRUE(c.entries[0].banner);
    EXPECT_TRUE(c.entries[1].banner);
    EXPECT_TRUE(c.entries[2].banner);
    EXPECT_EQ(c.texts[3].rfind("# Time: 241121", 0), 0u);
    EXPECT_NE(c.texts[3].find("WHERE id = 5;\n"), std::string::npos);
    EXPECT_FALSE(c.entries[3].banner);
    // An entry without "# Time:" starts at its "# User@Host:" line; the
    // administrator command comment stays inside it.
    EXPECT_EQ(c.texts[4].rfind("# User@Host: app", 0), 0u);
    EXPECT_NE(c.texts[4].find("# administrator command: Ping;\n"), std::string::npos);
    EXPECT_EQ(c.texts[5].rfind("# Time: 2024-11-21T06:25:02", 0), 0u);
    expect_exact_cover(c, k_slow);
  }
}

// MariaDB 10.11 pads the column header with tabs, MySQL with spaces; both
// are banners, never events (found by the end-to-end test on a real MariaDB).
TEST(LogSplitterTest, TabPaddedMariadbBannerIsABanner) {
  std::string s = "Time\t\t    Id Command\tArgument\n# Time: 1\n# User@Host: a\nselect 1;\n";
  auto c = split(LogKind::mysql_slow, s, 4);
  ASSERT_EQ(c.texts.size(), 2u);
  EXPECT_TRUE(c.entries[0].banner);
  EXPECT_FALSE(c.entries[1].banner);
  // A query that merely starts with "Time" is no banner.
  auto q = split(LogKind::mysql_slow, "# Time: 1\n# User@Host: a\nTime\tId Command Argument;\n", 4);
  ASSERT_EQ(q.texts.size(), 1u);
  EXPECT_FALSE(q.entries[0].banner);
}

TEST(LogSplitterTest, SlowLogLastEntryWithoutNewline) {
  std::string s = k_slow.substr(0, k_slow.size() - 1);
  auto c = split(LogKind::mysql_slow, s, 5);
  EXPECT_EQ(c.texts.back().back(), ';');
  expect_exact_cover(c, s);
}

TEST(LogSplitterTest, BannerInTheMiddleAfterFlush) {
  std::string s = "# Time: 1\n# User@Host: a\nselect 1;\n" + k_slow.substr(0, k_slow.find("# Time")) + "# User@Host: b\nselect 2;\n";
  auto c = split(LogKind::mysql_slow, s, 3);
  ASSERT_EQ(c.texts.size(), 5u);
  EXPECT_FALSE(c.entries[0].banner);
  EXPECT_TRUE(c.entries[1].banner && c.entries[2].banner && c.entries[3].banner);
  EXPECT_EQ(c.texts[4], "# User@Host: b\nselect 2;\n");
}

TEST(LogSplitterTest, LinesWithCrlfAndNoFinalNewline) {
  std::string s = "a\r\nbb\n\nccc";
  auto c = split(LogKind::nginx_access, s, 2);
  EXPECT_EQ(c.texts, (std::vector<std::string>{"a\r\n", "bb\n", "\n", "ccc"}));
  expect_exact_cover(c, s);
}

TEST(LogSplitterTest, OverlongLineIsCutIntoFlaggedPieces) {
  std::string s = "short\n" + std::string(250, 'x') + "\nafter\n";
  auto c = split(LogKind::raw, s, 17, 100);
  ASSERT_EQ(c.texts.size(), 5u);
  EXPECT_EQ(c.texts[1].size(), 100u);
  EXPECT_TRUE(c.entries[1].continues);
  EXPECT_FALSE(c.entries[1].continuation);
  EXPECT_TRUE(c.entries[2].continues && c.entries[2].continuation);
  EXPECT_TRUE(c.entries[3].continuation);
  EXPECT_FALSE(c.entries[3].continues);
  EXPECT_EQ(c.texts[4], "after\n");
  EXPECT_FALSE(c.entries[4].continuation);
  expect_exact_cover(c, s);
}

TEST(LogSplitterTest, OverlongSlowEntryIsCutAndTheNextEntryStillFound) {
  std::string s = "# Time: 1\n# User@Host: a\nselect '" + std::string(500, 'y') + "';\n# Time: 2\n# User@Host: b\nselect 2;\n";
  auto c = split(LogKind::mysql_slow, s, 13, 128);
  expect_exact_cover(c, s);
  for (const auto& t : c.texts) EXPECT_LE(t.size(), 128u);
  EXPECT_EQ(c.texts.back(), "# Time: 2\n# User@Host: b\nselect 2;\n");
  EXPECT_FALSE(c.entries.back().continuation);
  EXPECT_TRUE(c.entries.front().continues);
}

TEST(LogSplitterTest, EmptyInputGivesNoEntries) {
  EXPECT_TRUE(split(LogKind::mysql_slow, "", 1).texts.empty());
  EXPECT_TRUE(split(LogKind::raw, "", 1).texts.empty());
}

TEST(LogSplitterTest, KindNames) {
  for (auto kind : {LogKind::mysql_slow, LogKind::nginx_access, LogKind::apache_access, LogKind::raw})
    EXPECT_EQ(parse_log_kind(log_kind_name(kind)), kind);
  EXPECT_FALSE(parse_log_kind("syslog"));
  EXPECT_EQ(log_kind_dataset(LogKind::mysql_slow), "mysql.slowlog");
}

}  // namespace
