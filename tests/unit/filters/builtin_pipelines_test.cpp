// Tests of the built-in pipelines in pipelines/, built through
// filters::Pipeline exactly as logpost-ingest builds them.
//
// Expected query classes (fingerprint and digest) come from the installed
// pt-query-digest 3.2.1, not from our implementation.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/json.hpp"
#include "common/log_splitter.hpp"
#include "filters/pipeline.hpp"

namespace logpost::filters {
namespace {

const std::filesystem::path k_source(LOGPOST_SOURCE_DIR);

Pipeline build(const std::string& name) {
  BuildContext context;
  context.patterns_dir = k_source / "grok-patterns";
  context.geoip_dir = std::filesystem::path(LOGPOST_SHARED_DIR) / "corpus/geoip";
  auto p = Pipeline::from_file(k_source / "pipelines" / name, context);
  if (!p) ADD_FAILURE() << p.error().message;
  return std::move(p.value());
}

const Value* at(const Event& e, std::string_view ref) { return e.find(FieldPath::parse(ref).value()); }
std::string str_at(const Event& e, std::string_view ref) {
  const Value* v = at(e, ref);
  return v && v->is_string() ? v->as_string() : "<missing>";
}

// The events the ingester makes of a slow log (banners skipped).
std::vector<Event> slowlog_events(std::string_view text) {
  std::vector<Event> out;
  LogSplitter splitter(LogKind::mysql_slow);
  auto sink = [&](const LogEntry& e) {
    if (e.banner) return;
    std::string_view t = e.text;
    if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
    Event ev{std::string(t)};
    ev.set(FieldPath::parse("[event][timezone]").value(), Value("UTC"));
    out.push_back(std::move(ev));
  };
  splitter.feed(text, sink);
  splitter.finish(sink);
  return out;
}

TEST(BuiltinPipelines, MysqlSlowParsesAndClassifies) {
  Pipeline pipeline = build("mysql-slow.conf");
  auto text = read_small_file(k_source / "tests/unit/filters/data/slowlog/mysql80-extra.log");
  ASSERT_TRUE(text);
  std::vector<Event> out;
  for (auto& e : slowlog_events(*text)) pipeline.process(std::move(e), out);
  ASSERT_EQ(out.size(), 3u);

  const Event& select = out[0];
  EXPECT_EQ(str_at(select, "[mysql][slowlog][query_fingerprint]"),
            "select * from orders where status = ? order by created_at desc limit ?");
  EXPECT_EQ(str_at(select, "[mysql][slowlog][query_digest]"), "8E37A8B7D1538F1CFD0AE2F0C1FFF504");
  EXPECT_EQ(str_at(select, "[user][name]"), "app");
  EXPECT_EQ(at(select, "message"), nullptr);  // all of it is in fields now
  EXPECT_TRUE(select.fields().find("tags") == nullptr) << "no failure tags expected";

  const Event& quit = out[1];
  EXPECT_EQ(str_at(quit, "[mysql][slowlog][query_fingerprint]"), "administrator command: Quit");
  EXPECT_EQ(str_at(quit, "[mysql][slowlog][query_digest]"), "EDBC971AEC392917AA353644DE4C4CB4");

  EXPECT_EQ(pipeline.events_in(), 3u);
  EXPECT_EQ(pipeline.events_out(), 3u);
}

TEST(BuiltinPipelines, MysqlSlowKeepsWhatItCannotParse) {
  Pipeline pipeline = build("mysql-slow.conf");
  std::vector<Event> out;
  pipeline.process(Event("this is not a slow-log entry"), out);
  // No statement, no header: tagged, message kept, no class.
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].has_tag("_mysqlslowlogparsefailure"));
  EXPECT_EQ(out[0].message(), "this is not a slow-log entry");
  EXPECT_EQ(at(out[0], "[mysql][slowlog][query_digest]"), nullptr);

  // An entry without a statement: parsed, tagged, no class and no
  // fingerprint failure (the pipeline only fingerprints statements).
  out.clear();
  pipeline.process(Event("# User@Host: a[a] @ h []\n# Query_time: 0.5  Lock_time: 0\nuse db;"), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].has_tag("_mysqlslowlog_nostatement"));
  EXPECT_FALSE(out[0].has_tag("_sqlfingerprintfailure"));
  EXPECT_EQ(at(out[0], "[mysql][slowlog][query_digest]"), nullptr);
}

// The generated MySQL 8.0 log: every entry gets a class, and the classes
// are pt-query-digest's (the seeded generator makes 2,000 entries of
// fewer than 320 classes; the parity test compares them one by one).
TEST(BuiltinPipelines, MysqlSlowEveryGeneratedEntryGetsAClass) {
  const auto generator = std::filesystem::path(LOGPOST_SHARED_DIR) / "tools/gen-slow-log";
  if (!std::filesystem::exists(generator)) GTEST_SKIP() << "no shared tools at " << generator;
  const auto file = std::filesystem::path(LOGPOST_BINARY_DIR) / "builtin_pipelines_test_slow.log";
  std::string command = "'" + generator.string() + "' 2000 '" + file.string() + "' 5 > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  auto text = read_small_file(file);
  ASSERT_TRUE(text);
  Pipeline pipeline = build("mysql-slow.conf");
  std::vector<Event> out;
  for (auto& e : slowlog_events(*text)) pipeline.process(std::move(e), out);
  ASSERT_EQ(out.size(), 2000u);
  for (const auto& e : out) {
    ASSERT_EQ(str_at(e, "[mysql][slowlog][query_digest]").size(), 32u) << to_json(e);
    ASSERT_NE(at(e, "[event][duration]"), nullptr);
    ASSERT_TRUE(e.timestamp_us().has_value());
  }
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace logpost::filters
