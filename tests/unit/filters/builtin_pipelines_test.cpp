// Tests of the built-in pipelines in pipelines/, built through
// filters::Pipeline exactly as logpost-ingest builds them.
//
// Expected query classes (fingerprint and digest) come from the installed
// pt-query-digest 3.2.1, not from our implementation.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

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

// Access logs: the GeoIP database is MaxMind's test database from ../shared,
// linked under the name the pipelines expect. One directory per process:
// ctest runs these tests in parallel processes, and a shared file being
// rewritten by one while another maps it made the reader fail.
std::filesystem::path geoip_dir() {
  const auto test_db = std::filesystem::path(LOGPOST_SHARED_DIR) / "corpus/geoip/GeoLite2-City-Test.mmdb";
  if (!std::filesystem::exists(test_db)) return {};
  const auto dir =
      std::filesystem::path(LOGPOST_BINARY_DIR) / ("builtin_pipelines_test_geoip-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto link = dir / "GeoLite2-City.mmdb";
  if (!std::filesystem::is_symlink(link)) std::filesystem::create_symlink(std::filesystem::absolute(test_db), link);
  return dir;
}

// The built-in pipeline of an access-log kind, with GeoIP databases from `geoip`.
Result<Pipeline> build_access(const std::string& kind, const std::filesystem::path& geoip) {
  BuildContext context;
  context.patterns_dir = k_source / "grok-patterns";
  context.geoip_dir = geoip;
  auto pipeline = Pipeline::from_file(k_source / "pipelines" / (kind + ".conf"), context);
  EXPECT_TRUE(pipeline) << (pipeline ? "" : pipeline.error().message);
  return pipeline;
}

std::vector<Event> run_access(const std::string& kind, const std::filesystem::path& geoip) {
  auto pipeline = build_access(kind, geoip);
  std::vector<Event> out;
  if (!pipeline) return out;
  auto text = read_small_file(k_source / "tests/unit/filters/data/access" /
                              (kind.substr(0, kind.find('-')) + "-variants.log"));
  EXPECT_TRUE(text);
  if (!text) return out;
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    pipeline->process(Event(std::string(rest.substr(0, eol))), out);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
  }
  return out;
}

int64_t int_at(const Event& e, std::string_view ref) {
  const Value* v = at(e, ref);
  return v && v->is_int() ? v->as_int() : -1;
}

void check_access_variants(const std::string& kind, const std::string& ns) {
  const auto geoip = geoip_dir();
  if (geoip.empty()) GTEST_SKIP() << "no GeoIP test database in ../shared";
  auto out = run_access(kind, geoip);
  ASSERT_EQ(out.size(), 10u);
  // combined, with a user and a +0100 time
  EXPECT_EQ(str_at(out[0], "[source][ip]"), "203.0.113.7");
  EXPECT_EQ(str_at(out[0], "[source][address]"), "203.0.113.7");
  EXPECT_EQ(str_at(out[0], "[user][name]"), "alice");
  EXPECT_EQ(str_at(out[0], "[http][request][method]"), "GET");
  EXPECT_EQ(str_at(out[0], "[url][original]"), "/shop/cart?id=5");
  EXPECT_EQ(str_at(out[0], "[http][version]"), "1.1");
  EXPECT_EQ(int_at(out[0], "[http][response][status_code]"), 200);
  EXPECT_EQ(int_at(out[0], "[http][response][body][bytes]"), 5123);
  EXPECT_EQ(str_at(out[0], "[http][request][referrer]"), "https://example.com/");
  EXPECT_EQ(str_at(out[0], "[user_agent][original]"), "Mozilla/5.0 (X11; Linux x86_64)");
  EXPECT_EQ(out[0].timestamp_us(), int64_t{1709543702} * 1'000'000);  // 10:15:02 +0100
  EXPECT_EQ(at(out[0], "message"), nullptr);
  // common format: no referrer, no agent
  EXPECT_EQ(int_at(out[1], "[http][response][status_code]"), 201);
  EXPECT_EQ(at(out[1], "[user_agent][original]"), nullptr);
  // virtual host first
  EXPECT_EQ(str_at(out[2], "[url][domain]"), "shop.example.com");
  EXPECT_EQ(str_at(out[2], "[source][ip]"), "203.0.113.9");
  // X-Forwarded-For list: the first address is the client, all are kept
  EXPECT_EQ(str_at(out[3], "[source][ip]"), "198.51.100.23");
  const Value* list = at(out[3], "[" + ns + "][access][remote_ip_list]");
  ASSERT_TRUE(list && list->is_array());
  ASSERT_EQ(list->as_array().size(), 2u);
  EXPECT_EQ(list->as_array()[1].as_string(), "10.0.0.2");
  // IPv6 client
  EXPECT_EQ(str_at(out[4], "[source][ip]"), "2001:db8::1");
  EXPECT_EQ(int_at(out[4], "[http][response][status_code]"), 404);
  // malformed requests: kept, tagged, status still read
  EXPECT_TRUE(out[5].has_tag("_malformed_request"));
  EXPECT_EQ(str_at(out[5], "[" + ns + "][access][request_invalid]"), "-");
  EXPECT_EQ(int_at(out[5], "[http][response][status_code]"), 400);
  EXPECT_TRUE(out[6].has_tag("_malformed_request"));
  EXPECT_EQ(str_at(out[6], "[" + ns + "][access][request_invalid]").substr(0, 4), "\\x16");
  EXPECT_EQ(at(out[6], "[http][request][method]"), nullptr);
  // extra fields after the user agent
  EXPECT_EQ(str_at(out[7], "[user_agent][original]"), "ua");
  EXPECT_FALSE(out[7].has_tag("_grokparsefailure"));
  // not an access-log line: kept whole and tagged
  EXPECT_TRUE(out[8].has_tag("_grokparsefailure"));
  EXPECT_EQ(out[8].message(), "this is not an access log line");
  // virtual host with port; GeoIP on a client in the test database
  EXPECT_EQ(int_at(out[9], "[url][port]"), 443);
  EXPECT_EQ(str_at(out[9], "[source][geo][city_name]"), "London");
  EXPECT_EQ(str_at(out[9], "[source][geo][country_iso_code]"), "GB");
  EXPECT_FALSE(out[9].has_tag("_geoip_lookup_failure"));
}

TEST(BuiltinPipelines, NginxAccessVariants) { check_access_variants("nginx-access", "nginx"); }

TEST(BuiltinPipelines, ApacheAccessVariants) {
  check_access_variants("apache-access", "apache");
  const auto geoip = geoip_dir();
  if (geoip.empty()) return;
  auto out = run_access("apache-access", geoip);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(str_at(out[0], "[apache][access][user][identity]"), "ident7");
}

// X-Forwarded-For lists as the client field (issue 6): the client is the
// left-most public address, the whole list is kept, GeoIP runs on the
// client, and a list without any address is tagged, not lost.
std::vector<Event> run_lines(const std::string& kind, const std::filesystem::path& geoip,
                             const std::vector<std::string>& clients) {
  auto pipeline = build_access(kind, geoip);
  std::vector<Event> out;
  if (!pipeline) return out;
  for (const auto& client : clients)
    pipeline->process(
        Event(client + " - - [04/Mar/2024:10:15:05 +0000] \"GET /x HTTP/1.1\" 200 10 \"-\" \"curl/8.0\""), out);
  return out;
}

std::vector<std::string> strings_at(const Event& e, std::string_view ref) {
  std::vector<std::string> out;
  const Value* v = at(e, ref);
  if (!v || !v->is_array()) return {"<not an array>"};
  for (const auto& item : v->as_array()) out.push_back(item.is_string() ? item.as_string() : "<not a string>");
  return out;
}

void check_forwarded_for(const std::string& kind, const std::string& ns) {
  const auto geoip = geoip_dir();
  if (geoip.empty()) GTEST_SKIP() << "no GeoIP test database in ../shared";
  const std::string list = "[" + ns + "][access][remote_ip_list]";
  auto out = run_lines(kind, geoip,
                       {
                           "10.0.0.5, 203.0.113.7",                     // proxy chain, unquoted
                           "\"unknown, 10.1.1.1, 81.2.69.142\"",        // unknown token, quoted
                           "\"fd00::1, 2001:db8::7, 198.51.100.1\"",    // IPv6 unique-local first
                           "\"10.0.0.1,203.0.113.9 ,198.51.100.2\"",    // uneven spacing
                           "192.168.0.9, 10.0.0.1",                     // only private addresses
                           "garbage, <script>",                         // no address at all
                           "shop.example.com \"100.64.0.7, 198.51.100.23\"",  // virtual host, CGNAT
                           "[2001:db8::5]:51234, 127.0.0.1",            // bracketed IPv6 with a port
                       });
  ASSERT_EQ(out.size(), 8u);
  for (const auto& e : out) {
    EXPECT_FALSE(e.has_tag("_grokparsefailure")) << to_json(e);
    EXPECT_EQ(int_at(e, "[http][response][status_code]"), 200) << to_json(e);
  }
  EXPECT_EQ(str_at(out[0], "[source][ip]"), "203.0.113.7");
  EXPECT_EQ(str_at(out[0], "[source][address]"), "203.0.113.7");
  EXPECT_EQ(strings_at(out[0], list), (std::vector<std::string>{"10.0.0.5", "203.0.113.7"}));

  EXPECT_EQ(str_at(out[1], "[source][ip]"), "81.2.69.142");
  EXPECT_EQ(strings_at(out[1], list), (std::vector<std::string>{"unknown", "10.1.1.1", "81.2.69.142"}));
  EXPECT_EQ(str_at(out[1], "[source][geo][city_name]"), "London");  // GeoIP on the client, not the proxy
  EXPECT_FALSE(out[1].has_tag("_client_ip_failure"));

  EXPECT_EQ(str_at(out[2], "[source][ip]"), "2001:db8::7");
  EXPECT_EQ(strings_at(out[2], list).size(), 3u);

  EXPECT_EQ(str_at(out[3], "[source][ip]"), "203.0.113.9");
  EXPECT_EQ(strings_at(out[3], list), (std::vector<std::string>{"10.0.0.1", "203.0.113.9", "198.51.100.2"}));

  EXPECT_EQ(str_at(out[4], "[source][ip]"), "192.168.0.9");
  EXPECT_EQ(str_at(out[4], "[source][address]"), "192.168.0.9");

  EXPECT_TRUE(out[5].has_tag("_client_ip_failure"));
  EXPECT_EQ(at(out[5], "[source][ip]"), nullptr);
  EXPECT_EQ(strings_at(out[5], list), (std::vector<std::string>{"garbage", "<script>"}));
  EXPECT_EQ(str_at(out[5], "[url][original]"), "/x");  // the rest of the line is still there

  EXPECT_EQ(str_at(out[6], "[url][domain]"), "shop.example.com");
  EXPECT_EQ(str_at(out[6], "[source][ip]"), "198.51.100.23");

  EXPECT_EQ(str_at(out[7], "[source][ip]"), "2001:db8::5");
  EXPECT_EQ(strings_at(out[7], list), (std::vector<std::string>{"[2001:db8::5]:51234", "127.0.0.1"}));
}

TEST(BuiltinPipelines, NginxAccessForwardedFor) { check_forwarded_for("nginx-access", "nginx"); }
TEST(BuiltinPipelines, ApacheAccessForwardedFor) { check_forwarded_for("apache-access", "apache"); }

// The shared Apache corpus (real traffic): every line parses.
TEST(BuiltinPipelines, ApacheAccessCorpusParses) {
  const auto corpus = std::filesystem::path(LOGPOST_SHARED_DIR) / "corpus/access-logs/apache_logs";
  const auto geoip = geoip_dir();
  if (!std::filesystem::exists(corpus) || geoip.empty()) GTEST_SKIP() << "no shared corpus";
  BuildContext context;
  context.patterns_dir = k_source / "grok-patterns";
  context.geoip_dir = geoip;
  auto pipeline = Pipeline::from_file(k_source / "pipelines/apache-access.conf", context);
  ASSERT_TRUE(pipeline) << pipeline.error().message;
  auto text = read_small_file(corpus);
  ASSERT_TRUE(text);
  std::vector<Event> out;
  size_t lines = 0, unparsed = 0;
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    out.clear();
    pipeline->process(Event(std::string(rest.substr(0, eol))), out);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    ++lines;
    ASSERT_EQ(out.size(), 1u);
    if (out[0].has_tag("_grokparsefailure")) {
      ++unparsed;
      ADD_FAILURE() << "unparsed: " << out[0].message();
      if (unparsed > 5) break;
    }
  }
  EXPECT_GT(lines, 1000u);
  EXPECT_EQ(unparsed, 0u);
}

}  // namespace
}  // namespace logpost::filters
