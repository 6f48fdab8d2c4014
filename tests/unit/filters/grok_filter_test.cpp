// The grok filter through the real engine (config parser, registry, common
// options): options, Logstash's capture-storing rules, failure tagging, and
// the Apache corpus parsed in full.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "filter_test_util.hpp"

namespace logpost::filters {
namespace {

using test::build_error;
using test::run_one;

TEST(GrokFilter, CombinedLogEcsByDefault) {
  auto out = run_one(R"(grok { match => { "message" => "%{COMBINEDAPACHELOG}" } })",
                     R"({"message":"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326 \"-\" \"curl/8\""})");
  EXPECT_EQ(out,
            R"({"message":"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326 \"-\" \"curl/8\"",)"
            R"("source":{"address":"127.0.0.1"},"user":{"name":"frank"},"timestamp":"10/Oct/2000:13:55:36 -0700",)"
            R"("http":{"request":{"method":"GET"},"version":"1.0","response":{"status_code":200,"body":{"bytes":2326}}},)"
            R"("url":{"original":"/a.gif"},"user_agent":{"original":"curl/8"}})")
      << "(the next test checks each field and type separately)";
}

TEST(GrokFilter, CombinedLogFieldsAndTypes) {
  auto p = test::build_pipeline(R"(grok { match => { "message" => "%{COMBINEDAPACHELOG}" } })");
  ASSERT_TRUE(p) << p.error().message;
  std::vector<Event> out;
  p->process(Event("127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326 \"-\" \"curl/8\""), out);
  ASSERT_EQ(out.size(), 1u);
  const Event& e = out[0];
  auto get = [&](const char* ref) { return e.find(*FieldPath::parse(ref)); };
  ASSERT_NE(get("[source][address]"), nullptr);
  EXPECT_EQ(get("[source][address]")->as_string(), "127.0.0.1");
  EXPECT_EQ(get("[user][name]")->as_string(), "frank");
  EXPECT_EQ(get("[http][request][method]")->as_string(), "GET");
  EXPECT_EQ(get("[url][original]")->as_string(), "/a.gif");
  EXPECT_EQ(get("[http][version]")->as_string(), "1.0");
  ASSERT_TRUE(get("[http][response][status_code]")->is_int());
  EXPECT_EQ(get("[http][response][status_code]")->as_int(), 200);
  EXPECT_EQ(get("[http][response][body][bytes]")->as_int(), 2326);
  EXPECT_EQ(get("[user_agent][original]")->as_string(), "curl/8");
  EXPECT_EQ(get("[http][request][referrer]"), nullptr);  // "-" is no referrer
  EXPECT_EQ(get("[apache][access][user][identity]"), nullptr);
  EXPECT_FALSE(e.has_tag("_grokparsefailure"));
}

TEST(GrokFilter, LegacyNamesWhenEcsDisabled) {
  auto out = run_one(R"(grok { match => { "message" => "%{COMMONAPACHELOG}" } ecs_compatibility => "disabled" })",
                     R"({"message":"10.1.2.3 - - [01/Jan/2024:00:00:00 +0000] \"HEAD / HTTP/1.1\" 204 0"})");
  EXPECT_NE(out.find(R"("clientip":"10.1.2.3")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("verb":"HEAD")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("response":"204")"), std::string::npos) << out;
}

TEST(GrokFilter, FailureTagsAndKeepsTheEvent) {
  auto out = run_one(R"(grok { match => { "message" => "%{INT:n}" } })", R"({"message":"no digits"})");
  EXPECT_EQ(out, R"({"message":"no digits","tags":["_grokparsefailure"]})");
  out = run_one(R"(grok { match => { "message" => "%{INT:n}" } tag_on_failure => ["x", "y"] add_tag => ["ok"] })",
                R"({"message":"none"})");
  EXPECT_EQ(out, R"({"message":"none","tags":["x","y"]})");  // add_tag only on success
  out = run_one(R"(grok { match => { "missing" => "%{INT:n}" } })", R"({"message":"1"})");
  EXPECT_EQ(out, R"({"message":"1","tags":["_grokparsefailure"]})");
}

TEST(GrokFilter, SeveralPatternsAndBreakOnMatch) {
  const char* config = R"(grok { match => { "message" => ["%{INT:num}", "%{WORD:word}"] } })";
  EXPECT_EQ(run_one(config, R"({"message":"abc 12"})"), R"({"message":"abc 12","num":"12"})");
  EXPECT_EQ(run_one(config, R"({"message":"abc"})"), R"({"message":"abc","word":"abc"})");
  const char* all = R"(grok { match => { "message" => ["%{INT:num}", "%{WORD:word}"] } break_on_match => false })";
  EXPECT_EQ(run_one(all, R"({"message":"abc 12"})"), R"({"message":"abc 12","num":"12","word":"abc"})");
  // The array form of match.
  EXPECT_EQ(run_one(R"(grok { match => ["message", "%{INT:num}"] })", R"({"message":"x 7"})"),
            R"({"message":"x 7","num":"7"})");
}

TEST(GrokFilter, ExistingFieldsBecomeArraysUnlessOverwritten) {
  const char* join = R"(grok { match => { "message" => "%{WORD:message} %{GREEDYDATA}" } })";
  EXPECT_EQ(run_one(join, R"({"message":"hello world"})"), R"({"message":["hello world","hello"]})");
  const char* replace = R"(grok { match => { "message" => "%{WORD} %{GREEDYDATA:message}" } overwrite => ["message"] })";
  EXPECT_EQ(run_one(replace, R"({"message":"hello world"})"), R"({"message":"world"})");
  // A number already there is left alone (Logstash's rule).
  EXPECT_EQ(run_one(R"(grok { match => { "message" => "%{INT:n}" } })", R"({"message":"5","n":1})"),
            R"({"message":"5","n":1})");
}

TEST(GrokFilter, TypesTargetAndEmptyCaptures) {
  EXPECT_EQ(run_one(R"(grok { match => { "message" => "%{NUMBER:f:float} %{NUMBER:i:int}" } })",
                    R"({"message":"1.5 2.9"})"),
            R"({"message":"1.5 2.9","f":1.5,"i":2})");
  EXPECT_EQ(run_one(R"(grok { match => { "message" => "%{WORD:w}" } target => "[parsed]" })", R"({"message":"hi"})"),
            R"({"message":"hi","parsed":{"w":"hi"}})");
  const char* empty = R"(grok { match => { "message" => "a%{DATA:d}b" } keep_empty_captures => true })";
  EXPECT_EQ(run_one(empty, R"({"message":"ab"})"), R"({"message":"ab","d":""})");
  EXPECT_EQ(run_one(R"(grok { match => { "message" => "a%{DATA:d}b" } })", R"({"message":"ab"})"),
            R"({"message":"ab"})");
}


// Captures go into new objects by a precomputed layout when none of the
// pattern's top-level fields exists, and one by one through their paths
// otherwise: both must give Logstash's result, in the same member order.
TEST(GrokFilter, FreshAndExistingParentsStoreTheSameWay) {
  // [a][x] does not take part: `a` is created by [a][z], after `b`.
  const char* nested =
      R"(grok { match => { "message" => "(?:x=%{WORD:[a][x]} )?%{WORD:[b][y]} %{INT:[a][z]:int} %{WORD:[b][c][d]}" } })";
  EXPECT_EQ(run_one(nested, R"({"message":"one 2 three"})"),
            R"({"message":"one 2 three","b":{"y":"one","c":{"d":"three"}},"a":{"z":2}})");
  EXPECT_EQ(run_one(nested, R"({"message":"x=zero one 2 three"})"),
            R"({"message":"x=zero one 2 three","a":{"x":"zero","z":2},"b":{"y":"one","c":{"d":"three"}}})");
  // `b` exists: the general path merges into it, keeps its member first,
  // and turns the existing string into an array.
  EXPECT_EQ(run_one(nested, R"({"message":"one 2 three","b":{"y":"old"}})"),
            R"({"message":"one 2 three","b":{"y":["old","one"],"c":{"d":"three"}},"a":{"z":2}})");
  // A target that is a prefix of another, or twice the same target: the
  // general path (the second capture into a string field makes an array).
  EXPECT_EQ(run_one(R"(grok { match => { "message" => "%{WORD:[p]} %{WORD:[p]}" } })", R"({"message":"u v"})"),
            R"({"message":"u v","p":["u","v"]})");
  EXPECT_EQ(run_one(R"(grok { match => { "message" => "%{WORD:[p]} %{WORD:[p][q]}" } })", R"({"message":"u v"})"),
            R"({"message":"u v","p":{"q":"v"}})");
  // Empty captures create no parent unless kept.
  EXPECT_EQ(run_one(R"(grok { match => { "message" => "a-%{DATA:[e][f]}-%{WORD:[g]}" } })", R"({"message":"a--c"})"),
            R"({"message":"a--c","g":"c"})");
  EXPECT_EQ(run_one(R"(grok { match => { "message" => "a-%{DATA:[e][f]}-%{WORD:[g]}" } keep_empty_captures => true })",
                    R"({"message":"a--c"})"),
            R"({"message":"a--c","e":{"f":""},"g":"c"})");
}
TEST(GrokFilter, NamedCapturesOnlyAndRawGroups) {
  EXPECT_EQ(run_one(R"cfg(grok { match => { "message" => "%{INT} (?<word>\w+)" } named_captures_only => false })cfg",
                    R"({"message":"7 up"})"),
            R"({"message":"7 up","INT":"7","word":"up"})");
}

TEST(GrokFilter, PatternDefinitionsAndPatternsDir) {
  EXPECT_EQ(run_one(R"(grok { match => { "message" => "%{TICKET:t}" } pattern_definitions => { "TICKET" => "[A-Z]+-[0-9]+" } })",
                    R"({"message":"see OPS-42"})"),
            R"({"message":"see OPS-42","t":"OPS-42"})");
  auto dir = std::filesystem::temp_directory_path() / ("grok-filter-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "extra") << "# mine\nQUEUEID [0-9A-F]{10,11}\n";
  std::string config = "grok { match => { \"message\" => \"%{QUEUEID:qid}\" } patterns_dir => [\"" + dir.string() + "\"] }";
  EXPECT_EQ(run_one(config, R"({"message":"qid 3F1A2B3C4D: ok"})"), R"({"message":"qid 3F1A2B3C4D: ok","qid":"3F1A2B3C4D"})");
  std::filesystem::remove_all(dir);
}

TEST(GrokFilter, ConfigurationErrorsAllAtOnce) {
  auto message = build_error(R"cfg(grok {
    match => { "message" => "%{NOSUCH}" "other" => "a(?=b)" }
    bogus => 1
    ecs_compatibility => "v9"
  })cfg");
  EXPECT_NE(message.find("unknown pattern '%{NOSUCH}'"), std::string::npos) << message;
  EXPECT_NE(message.find("look-ahead"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown option 'bogus'"), std::string::npos) << message;
  EXPECT_NE(message.find("ecs_compatibility"), std::string::npos) << message;
  EXPECT_NE(message.find("test.conf:"), std::string::npos) << message;
}

// Every line of the Apache corpus parses with %{COMBINEDAPACHELOG} except one
// truncated line, which is tagged and still passed on (nothing is lost).
TEST(GrokFilter, ApacheCorpusParsesFully) {
  std::ifstream in(std::string(LOGPOST_SHARED_DIR) + "/corpus/access-logs/apache_logs");
  if (!in) GTEST_SKIP() << "../shared/corpus not present";
  for (const char* mode : {"v1", "disabled"}) {
    auto p = test::build_pipeline(std::string("grok { match => { \"message\" => \"%{COMBINEDAPACHELOG}\" } ecs_compatibility => \"") +
                                  mode + "\" }");
    ASSERT_TRUE(p) << p.error().message;
    in.clear();
    in.seekg(0);
    size_t lines = 0, failed = 0;
    std::vector<Event> out;
    std::string failed_line;
    for (std::string line; std::getline(in, line);) {
      ++lines;
      p->process(Event(line), out);
      if (out.back().has_tag("_grokparsefailure")) {
        ++failed;
        failed_line = line;
      }
    }
    EXPECT_EQ(out.size(), lines) << mode;
    EXPECT_EQ(lines, 10000u);
    EXPECT_EQ(failed, 1u) << mode;
    // The failing line is a truncated one: it lacks the closing quote of the agent.
    EXPECT_NE(failed_line.back(), '"') << failed_line;
  }
}

}  // namespace
}  // namespace logpost::filters
