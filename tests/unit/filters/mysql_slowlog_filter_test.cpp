// Tests of the mysql_slowlog filter: the slow-log samples in
// tests/unit/filters/data/slowlog (written from the MySQL 8.0, MariaDB and
// Percona Server documentation of their slow-log formats) are split as the
// ingester splits them and each entry must yield the documented fields.
#include "filters/mysql_slowlog_filter.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/log_splitter.hpp"
#include "filters/mysql_slowlog_parser.hpp"

namespace logpost::filters {
namespace {

std::unique_ptr<Filter> make_filter(std::vector<std::pair<std::string, OptionValue>> options = {}) {
  PluginBlock block;
  block.name = "mysql_slowlog";
  block.where = {"<test>", 1, 1};
  block.options = std::move(options);
  auto f = make_mysql_slowlog_filter(block, BuildContext{});
  EXPECT_TRUE(f) << (f ? "" : f.error().message);
  return f ? std::move(*f) : nullptr;
}

OptionValue string_option(std::string s) {
  OptionValue v;
  v.kind = OptionValue::Kind::string;
  v.string = std::move(s);
  return v;
}

// The entries of a sample, as the ingester makes events of them: banners
// skipped, the final line end removed.
std::vector<Event> events_of(const std::string& name) {
  auto text = read_small_file(std::filesystem::path(LOGPOST_SOURCE_DIR) / "tests/unit/filters/data/slowlog" / name);
  EXPECT_TRUE(text) << name;
  std::vector<Event> out;
  if (!text) return out;
  LogSplitter splitter(LogKind::mysql_slow);
  auto sink = [&](const LogEntry& e) {
    if (e.banner) return;
    std::string_view t = e.text;
    if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
    out.emplace_back(std::string(t));
  };
  splitter.feed(*text, sink);
  splitter.finish(sink);
  return out;
}

const Value* at(const Event& e, std::string_view ref) {
  auto path = FieldPath::parse(ref);
  EXPECT_TRUE(path) << ref;
  return path ? e.find(*path) : nullptr;
}

int64_t int_at(const Event& e, std::string_view ref) {
  const Value* v = at(e, ref);
  EXPECT_TRUE(v && v->is_int()) << ref;
  return v && v->is_int() ? v->as_int() : -1;
}
std::string str_at(const Event& e, std::string_view ref) {
  const Value* v = at(e, ref);
  EXPECT_TRUE(v && v->is_string()) << ref;
  return v && v->is_string() ? v->as_string() : "<missing>";
}
double real_at(const Event& e, std::string_view ref) {
  const Value* v = at(e, ref);
  EXPECT_TRUE(v && v->is_number()) << ref;
  return v && v->is_number() ? v->as_double() : -1;
}
bool bool_at(const Event& e, std::string_view ref) {
  const Value* v = at(e, ref);
  EXPECT_TRUE(v && v->is_bool()) << ref;
  return v && v->is_bool() && v->as_bool();
}

TEST(MysqlSlowlogFilter, Mysql80WithLogSlowExtra) {
  auto filter = make_filter();
  auto events = events_of("mysql80-extra.log");
  ASSERT_EQ(events.size(), 3u);

  Event& e = events[0];
  EXPECT_EQ(filter->process(e), FilterOutcome::success);
  EXPECT_EQ(str_at(e, "[user][name]"), "app");
  EXPECT_EQ(str_at(e, "[mysql][slowlog][current_user]"), "app");
  EXPECT_EQ(str_at(e, "[source][domain]"), "web-1");
  EXPECT_EQ(str_at(e, "[source][ip]"), "10.0.0.5");
  EXPECT_EQ(int_at(e, "[mysql][thread_id]"), 42);
  EXPECT_EQ(int_at(e, "[event][duration]"), 1'234'567'000);
  EXPECT_DOUBLE_EQ(real_at(e, "[mysql][slowlog][lock_time][sec]"), 0.000123);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][rows_sent]"), 10);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][rows_examined]"), 20000);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][bytes_sent]"), 1234);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][last_errno]"), 0);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][killed]"), 0);
  // log_slow_extra fields beyond Filebeat's schema keep their (lowercased) names.
  EXPECT_EQ(int_at(e, "[mysql][slowlog][bytes_received]"), 57);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][read_rnd_next]"), 20001);
  EXPECT_EQ(str_at(e, "[mysql][slowlog][start]"), "2024-03-04T10:15:00.888889Z");
  EXPECT_EQ(str_at(e, "[mysql][slowlog][end]"), "2024-03-04T10:15:02.123456Z");
  EXPECT_EQ(str_at(e, "[mysql][slowlog][schema]"), "shop");
  EXPECT_EQ(str_at(e, "[mysql][slowlog][query]"),
            "SELECT *\n  FROM orders\n WHERE status = 'new'\n ORDER BY created_at DESC\n LIMIT 10");
  // SET timestamp is the event time (seconds).
  EXPECT_EQ(e.timestamp_us(), int64_t{1709547300} * 1'000'000);

  Event& quit = events[1];
  EXPECT_EQ(filter->process(quit), FilterOutcome::success);
  EXPECT_EQ(str_at(quit, "[mysql][slowlog][query]"), "administrator command: Quit");
  EXPECT_TRUE(bool_at(quit, "[mysql][slowlog][admin_command]"));
  EXPECT_EQ(str_at(quit, "[user][name]"), "root");
  EXPECT_EQ(str_at(quit, "[source][domain]"), "localhost");
  EXPECT_EQ(at(quit, "[source][ip]"), nullptr);  // "[]" is no address
  EXPECT_EQ(int_at(quit, "[event][duration]"), 12'000);

  // No SET timestamp: "# Time:" with an offset.
  Event& third = events[2];
  EXPECT_EQ(filter->process(third), FilterOutcome::success);
  EXPECT_EQ(at(third, "[source][domain]"), nullptr);
  EXPECT_EQ(str_at(third, "[source][ip]"), "192.0.2.10");
  EXPECT_EQ(str_at(third, "[mysql][slowlog][query]"), "SELECT id FROM customers WHERE email = 'x@example.com'");
  // 2024-03-04T11:15:04.5+01:00 = 2024-03-04T10:15:04.5Z
  EXPECT_EQ(third.timestamp_us(), int64_t{1709547304} * 1'000'000 + 500'000);
}

TEST(MysqlSlowlogFilter, MariaDb1011) {
  auto filter = make_filter();
  auto events = events_of("mariadb1011.log");
  ASSERT_EQ(events.size(), 2u);
  Event& e = events[0];
  e.set(FieldPath::parse("[event][timezone]").value(), Value("Europe/Berlin"));
  EXPECT_EQ(filter->process(e), FilterOutcome::success);
  EXPECT_EQ(int_at(e, "[mysql][thread_id]"), 42);
  EXPECT_EQ(str_at(e, "[mysql][slowlog][schema]"), "shop");
  EXPECT_FALSE(bool_at(e, "[mysql][slowlog][query_cache_hit]"));
  EXPECT_TRUE(bool_at(e, "[mysql][slowlog][full_scan]"));
  EXPECT_TRUE(bool_at(e, "[mysql][slowlog][tmp_table]"));
  EXPECT_TRUE(bool_at(e, "[mysql][slowlog][filesort]"));
  EXPECT_FALSE(bool_at(e, "[mysql][slowlog][priority_queue]"));
  EXPECT_EQ(int_at(e, "[mysql][slowlog][tmp_tables]"), 1);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][rows_affected]"), 0);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][bytes_sent]"), 120);
  EXPECT_EQ(int_at(e, "[event][duration]"), 500'000'000);
  // The explain lines are not the statement.
  EXPECT_EQ(str_at(e, "[mysql][slowlog][query]"), "SELECT COUNT(*) FROM orders WHERE customer_id = 17");
  // No SET timestamp: "# Time: 240304 10:15:02" is Berlin time (UTC+1 in March).
  EXPECT_EQ(e.timestamp_us(), int64_t{1709543702} * 1'000'000);

  Event& second = events[1];
  EXPECT_EQ(filter->process(second), FilterOutcome::success);
  EXPECT_EQ(str_at(second, "[source][domain]"), "web-2");
  // "Schema:   QC_hit: No" is an empty schema; `use shop;` names it.
  EXPECT_EQ(str_at(second, "[mysql][slowlog][schema]"), "shop");
  EXPECT_FALSE(bool_at(second, "[mysql][slowlog][query_cache_hit]"));
  EXPECT_EQ(int_at(second, "[mysql][slowlog][rows_affected]"), 2);
  EXPECT_EQ(second.timestamp_us(), int64_t{1709547302} * 1'000'000);
}

TEST(MysqlSlowlogFilter, MariaDb11ExtraStatisticsAndDefaultZone) {
  auto filter = make_filter({{"timezone", string_option("America/New_York")}});
  auto events = events_of("mariadb11.log");
  ASSERT_EQ(events.size(), 1u);
  Event& e = events[0];
  EXPECT_EQ(filter->process(e), FilterOutcome::success);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][pages_accessed]"), 12);
  EXPECT_DOUBLE_EQ(real_at(e, "[mysql][slowlog][engine_time]"), 2.5);
  EXPECT_EQ(str_at(e, "[mysql][slowlog][query]"), "SELECT name FROM products WHERE sku = 'SKU-1'");
  EXPECT_EQ(e.timestamp_us(), int64_t{1709547302} * 1'000'000);
}

TEST(MysqlSlowlogFilter, PerconaExtendedStatistics) {
  auto filter = make_filter();
  auto events = events_of("percona57-extended.log");
  ASSERT_EQ(events.size(), 1u);
  Event& e = events[0];
  EXPECT_EQ(filter->process(e), FilterOutcome::success);
  EXPECT_EQ(str_at(e, "[mysql][slowlog][schema]"), "shop");
  EXPECT_EQ(int_at(e, "[event][duration]"), 2'000'001'000);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][rows_affected]"), 5);
  EXPECT_EQ(str_at(e, "[mysql][slowlog][innodb][trx_id]"), "1A2B3C");
  EXPECT_EQ(int_at(e, "[mysql][slowlog][innodb][io_r_ops]"), 3);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][innodb][io_r_bytes]"), 49152);
  EXPECT_DOUBLE_EQ(real_at(e, "[mysql][slowlog][innodb][io_r_wait][sec]"), 0.001234);
  EXPECT_DOUBLE_EQ(real_at(e, "[mysql][slowlog][innodb][rec_lock_wait][sec]"), 0.5);
  EXPECT_DOUBLE_EQ(real_at(e, "[mysql][slowlog][innodb][queue_wait][sec]"), 0.0);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][innodb][pages_distinct]"), 7);
  EXPECT_EQ(str_at(e, "[mysql][slowlog][log_slow_rate_type]"), "query");
  EXPECT_EQ(int_at(e, "[mysql][slowlog][log_slow_rate_limit]"), 10);
  EXPECT_EQ(int_at(e, "[mysql][thread_id]"), 42);
}

TEST(MysqlSlowlogFilter, Mysql56EntriesWithoutTimeLine) {
  auto filter = make_filter();
  auto events = events_of("mysql56.log");
  ASSERT_EQ(events.size(), 2u);
  for (auto& e : events) EXPECT_EQ(filter->process(e), FilterOutcome::success);
  EXPECT_EQ(str_at(events[0], "[mysql][slowlog][query]"), "SELECT 1");
  EXPECT_EQ(str_at(events[1], "[mysql][slowlog][query]"), "administrator command: Quit");
  EXPECT_EQ(events[1].timestamp_us(), int64_t{1393928102} * 1'000'000);
}

TEST(MysqlSlowlogFilter, NotASlowLogEntryIsTaggedAndKept) {
  auto filter = make_filter();
  Event e("GET / HTTP/1.1");
  EXPECT_EQ(filter->process(e), FilterOutcome::failure);
  EXPECT_TRUE(e.has_tag("_mysqlslowlogparsefailure"));
  EXPECT_EQ(e.message(), "GET / HTTP/1.1");
  EXPECT_EQ(at(e, "[mysql]"), nullptr);
}

TEST(MysqlSlowlogFilter, BadNumberFailsButKeepsWhatParsed) {
  auto filter = make_filter();
  Event e("# User@Host: a[a] @ h [1.2.3.4]\n# Query_time: 1.2.3  Lock_time: 0.1 Rows_sent: x  Rows_examined: 4\nSELECT 1;");
  EXPECT_EQ(filter->process(e), FilterOutcome::failure);
  EXPECT_TRUE(e.has_tag("_mysqlslowlogparsefailure"));
  EXPECT_EQ(at(e, "[event][duration]"), nullptr);
  EXPECT_EQ(at(e, "[mysql][slowlog][rows_sent]"), nullptr);
  EXPECT_EQ(int_at(e, "[mysql][slowlog][rows_examined]"), 4);
  EXPECT_EQ(str_at(e, "[mysql][slowlog][query]"), "SELECT 1");
}

TEST(MysqlSlowlogFilter, EntryWithoutStatementIsTagged) {
  auto filter = make_filter();
  Event e("# Time: 2024-03-04T10:00:00Z\n# User@Host: a[a] @ h []\n# Query_time: 0.1  Lock_time: 0\nuse db;");
  EXPECT_EQ(filter->process(e), FilterOutcome::success);
  EXPECT_TRUE(e.has_tag("_mysqlslowlog_nostatement"));
  EXPECT_EQ(at(e, "[mysql][slowlog][query]"), nullptr);
  EXPECT_EQ(str_at(e, "[mysql][slowlog][schema]"), "db");
  EXPECT_EQ(e.timestamp_us(), int64_t{1709546400} * 1'000'000);
}

TEST(MysqlSlowlogFilter, MergedEntriesFailAndKeepTheMessage) {
  // Two statements with their own headers but no Time/User@Host between.
  auto filter = make_filter();
  const std::string text = "# Query_time: 1  Lock_time: 0\nSELECT 1;\n# Query_time: 2  Lock_time: 0\nSELECT 2;";
  Event e(text);
  EXPECT_EQ(filter->process(e), FilterOutcome::failure);
  EXPECT_TRUE(e.has_tag("_mysqlslowlog_merged"));
  EXPECT_EQ(str_at(e, "[mysql][slowlog][query]"), "SELECT 1");
  EXPECT_EQ(e.message(), text);
}

TEST(MysqlSlowlogFilter, BuildErrors) {
  PluginBlock block;
  block.name = "mysql_slowlog";
  block.options = {{"timezone", string_option("Mars/Olympus")}, {"bogus", string_option("x")}};
  auto f = make_mysql_slowlog_filter(block, BuildContext{});
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::config);
  EXPECT_NE(f.error().message.find("Mars/Olympus"), std::string::npos);
  EXPECT_NE(f.error().message.find("bogus"), std::string::npos);
}

// Every sample of Percona Toolkit's test corpus: each entry is accounted
// for (parsed, or tagged and kept), and none throws or crashes.
TEST(MysqlSlowlogFilter, PerconaCorpusEveryEntryAccountedFor) {
  const auto dir = std::filesystem::path(LOGPOST_SHARED_DIR) / "corpus/slowlogs/percona";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no shared corpus at " << dir;
  auto filter = make_filter();
  size_t files = 0, entries = 0, parsed = 0, tagged = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    std::string name = file.path().filename().string();
    if (!name.ends_with(".txt")) continue;
    auto text = read_small_file(file.path());
    ASSERT_TRUE(text) << name;
    ++files;
    LogSplitter splitter(LogKind::mysql_slow);
    auto sink = [&](const LogEntry& le) {
      if (le.banner) return;
      ++entries;
      Event e(std::string(le.text));
      FilterOutcome outcome = filter->process(e);
      if (outcome == FilterOutcome::success) {
        ++parsed;
      } else {
        ++tagged;
        EXPECT_TRUE(e.has_tag("_mysqlslowlogparsefailure")) << name;
        EXPECT_EQ(e.message(), le.text) << name;  // kept whole
      }
    };
    splitter.feed(*text, sink);
    splitter.finish(sink);
  }
  EXPECT_GT(files, 60u);
  EXPECT_EQ(parsed + tagged, entries);
  // Nearly everything parses; the rest are pt's deliberately broken samples.
  EXPECT_GT(parsed, entries * 9 / 10) << "parsed " << parsed << " of " << entries;
}

}  // namespace
}  // namespace logpost::filters
