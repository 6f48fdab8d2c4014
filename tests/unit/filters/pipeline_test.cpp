// The engine: building from text, conditionals, common options, drop,
// stats, and every configuration error reported at once.
#include "filters/pipeline.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/json.hpp"

namespace logpost::filters {
namespace {

Pipeline build(std::string_view config) {
  auto p = Pipeline::from_string(config, "p.conf", BuildContext{});
  if (!p) ADD_FAILURE() << p.error().message;
  return p ? std::move(*p) : std::move(*Pipeline::from_string("", "empty", BuildContext{}));
}

std::vector<std::string> run(Pipeline& p, std::initializer_list<std::string_view> inputs) {
  std::vector<Event> out;
  for (auto in : inputs) {
    auto e = event_from_json(in);
    EXPECT_TRUE(e) << in;
    if (e) p.process(std::move(*e), out);
  }
  std::vector<std::string> json;
  for (const auto& e : out) json.push_back(to_json(e));
  return json;
}

TEST(Pipeline, EmptyPipelinePassesEventsThrough) {
  Pipeline p = build("filter { }");
  EXPECT_EQ(run(p, {R"({"message":"x"})"}), std::vector<std::string>{R"({"message":"x"})"});
  EXPECT_EQ(p.events_in(), 1u);
  EXPECT_EQ(p.events_out(), 1u);
}

TEST(Pipeline, ConditionalsChooseOneBranch) {
  Pipeline p = build(R"(filter {
    if [status] >= 500 { mutate { add_tag => "server_error" } }
    else if [status] >= 400 { mutate { add_tag => "client_error" } }
    else { mutate { add_tag => "ok" } }
  })");
  EXPECT_EQ(run(p, {R"({"status":503})", R"({"status":404})", R"({"status":200})", R"({})"}),
            (std::vector<std::string>{R"({"status":503,"tags":["server_error"]})",
                                      R"({"status":404,"tags":["client_error"]})", R"({"status":200,"tags":["ok"]})",
                                      R"({"tags":["ok"]})"}));
}

TEST(Pipeline, DropRemovesEventsAndCountsThem) {
  Pipeline p = build(R"(filter {
    if [level] == "debug" { drop { } }
    mutate { add_tag => "kept" }
  })");
  auto out = run(p, {R"({"level":"debug"})", R"({"level":"info"})", R"({"level":"debug"})"});
  EXPECT_EQ(out, std::vector<std::string>{R"({"level":"info","tags":["kept"]})"});
  EXPECT_EQ(p.events_in(), 3u);
  EXPECT_EQ(p.events_out(), 1u);
  EXPECT_EQ(p.events_dropped(), 2u);
  ASSERT_EQ(p.stats().size(), 2u);
  EXPECT_EQ(p.stats()[0].plugin, "drop");
  EXPECT_EQ(p.stats()[0].id, "drop@2:29");
  EXPECT_EQ(p.stats()[0].in, 2u);
  EXPECT_EQ(p.stats()[0].dropped, 2u);
  EXPECT_EQ(p.stats()[1].in, 1u);
  EXPECT_EQ(p.stats()[1].out, 1u);
}

TEST(Pipeline, CommonOptionsInLogstashOrder) {
  // add_field, then remove_field, then add_tag, then remove_tag: "temp" is
  // added then removed again, so the tag naming it does not render; "kind"
  // has become an array before the tags render, so "%{kind}-x" no longer
  // names the "k-x" tag.
  Pipeline p = build(R"(filter {
    mutate {
      id => "m1"
      remove_tag => ["old", "%{kind}-x"]
      add_tag => ["new_%{kind}", "%{temp}"]
      remove_field => ["temp", "[nested][gone]"]
      add_field => { "temp" => "t" "[nested][added]" => "%{kind}!" "kind" => ["second", "third"] }
      enable_metric => false
      periodic_flush => false
    }
  })");
  auto out = run(p, {R"({"kind":"k","tags":["old","k-x","keep"],"nested":{"gone":1}})"});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0],
            R"({"kind":["k","second","third"],"tags":["k-x","keep","new_k,second,third","%{temp}"],"nested":{"added":"k!"}})");
  EXPECT_EQ(p.stats()[0].id, "m1");
}

TEST(Pipeline, CommonOptionsApplyOnlyOnSuccess) {
  Pipeline p = build(R"(filter {
    dissect { mapping => { "message" => "%{a} %{b}" } add_tag => "dissected" }
  })");
  auto out = run(p, {R"({"message":"x y"})", R"({"message":"nospace"})"});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], R"({"message":"x y","a":"x","b":"y","tags":["dissected"]})");
  EXPECT_EQ(out[1], R"({"message":"nospace","tags":["_dissectfailure"]})");
  EXPECT_EQ(p.stats()[0].failed, 1u);
  EXPECT_EQ(p.stats()[0].out, 2u);
}

TEST(Pipeline, AllConfigurationErrorsAtOnce) {
  auto p = Pipeline::from_string(R"(filter {
  nosuch { }
  mutate { bogus => 1 convert => { "a" => "complex" } }
  if [a] =~ /(/ { drop { percentage => 400 } }
  mutate { id => "same" }
  mutate { id => "same" add_field => "not a hash" }
  kv { target => "[broken" }
  mutate { add_tag => "%{unclosed" }
  dissect { mapping => { "message" => "%{a}%{b}" } }
})",
                                 "bad.conf", BuildContext{});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::config);
  const std::string& m = p.error().message;
  for (const char* expected :
       {"bad.conf:2:3: unknown filter plugin 'nosuch' (known: ", "bad.conf:3:21: mutate: unknown option 'bogus'",
        "mutate: convert: unknown type 'complex'", "bad.conf:4:13: invalid regular expression",
        "bad.conf:4:40: drop: percentage: must be between 0 and 100", "bad.conf:6:3: duplicate plugin id 'same'",
        "bad.conf:6:38: mutate: add_field: expected a hash", "bad.conf:7:18: kv: target:",
        "bad.conf:8:23: template '%{unclosed': unterminated", "dissect: mapping: pattern '%{a}%{b}'"})
    EXPECT_NE(m.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n" << m;
}

TEST(Pipeline, SyntaxAndPluginErrorsTogether) {
  auto p = Pipeline::from_string("filter {\n  mutate { a = 1 }\n  nosuch { }\n}\n", "x.conf", BuildContext{});
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("x.conf:2:14:"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("x.conf:3:3: unknown filter plugin 'nosuch'"), std::string::npos)
      << p.error().message;
}

TEST(Pipeline, FromFileReadsAndNamesTheFile) {
  auto dir = std::filesystem::temp_directory_path() / ("logpost-pipeline-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "a.conf");
    f << "input { stdin { } }\nfilter {\n  mutate { replace => { \"x\" => \"from file\" } }\n}\n";
  }
  auto p = Pipeline::from_file(dir / "a.conf", BuildContext{});
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->notices().size(), 1u);
  EXPECT_NE(p->notices()[0].find("a.conf:1:1: notice: 'input' section ignored"), std::string::npos);
  EXPECT_EQ(run(*p, {R"({})"}), std::vector<std::string>{R"({"x":"from file"})"});
  auto missing = Pipeline::from_file(dir / "missing.conf", BuildContext{});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::config);
  std::filesystem::remove_all(dir);
}

TEST(Pipeline, TimestampIsAFieldForConditionsAndMutate) {
  Pipeline p = build(R"(filter {
    mutate { copy => { "ts" => "@timestamp" } }
    if [@timestamp] =~ /^2024-05-01/ { mutate { add_tag => "may_day" } }
  })");
  std::vector<Event> out;
  Event e;
  e.set("ts", Value("2024-05-01T10:00:00+02:00"));
  p.process(std::move(e), out);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].timestamp_us());
  EXPECT_EQ(format_timestamp_us(*out[0].timestamp_us()), "2024-05-01T08:00:00.000Z");
  EXPECT_TRUE(out[0].has_tag("may_day"));
}

TEST(Pipeline, NestedConditionalsAndMoves) {
  Pipeline p = build(R"(filter {
    if [a] { if [b] == 1 { mutate { add_tag => "a_b1" } } else { mutate { add_tag => "a_not_b1" } } }
  })");
  Pipeline moved = std::move(p);
  EXPECT_EQ(run(moved, {R"({"a":true,"b":1})", R"({"a":true,"b":2})", R"({"a":false})"}),
            (std::vector<std::string>{R"({"a":true,"b":1,"tags":["a_b1"]})", R"({"a":true,"b":2,"tags":["a_not_b1"]})",
                                      R"({"a":false})"}));
}

}  // namespace
}  // namespace logpost::filters
