// Conditions: Logstash's operators evaluated against events, table-driven.
#include "filters/condition.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"

namespace logpost::filters {
namespace {

Event sample() {
  auto e = event_from_json(R"({"message":"GET /index.html HTTP/1.1","status":404,"ratio":0.5,"verb":"GET",
    "tags":["a","_grokparsefailure"],"flag":false,"nothing":null,"empty":"",
    "client":{"ip":"10.0.0.1","port":"443"},"codes":[200,404]})");
  EXPECT_TRUE(e) << e.error().message;
  Event ev = e ? std::move(*e) : Event{};
  ev.set_timestamp_us(1714564800000000);  // 2024-05-01T12:00:00Z
  return ev;
}

struct Case {
  const char* condition;
  bool expected;
};

class ConditionTable : public ::testing::TestWithParam<Case> {};

TEST_P(ConditionTable, Evaluates) {
  const Case& c = GetParam();
  auto expr = parse_condition(c.condition, "test");
  ASSERT_TRUE(expr) << expr.error().message;
  auto cond = Condition::compile(*expr);
  ASSERT_TRUE(cond) << cond.error().message;
  EXPECT_EQ(cond->evaluate(sample()), c.expected) << c.condition;
}

INSTANTIATE_TEST_SUITE_P(
    Operators, ConditionTable,
    ::testing::Values(
        // truthiness
        Case{"[status]", true}, Case{"[missing]", false}, Case{"[flag]", false}, Case{"[nothing]", false},
        Case{"[empty]", true}, Case{"[client][ip]", true}, Case{"[client][nope]", false}, Case{"![missing]", true},
        Case{"!([status])", false},
        // equality: numbers by value, types distinct, strings by bytes
        Case{"[status] == 404", true}, Case{"[status] == 404.0", true}, Case{"[status] == \"404\"", false},
        Case{"[status] != 200", true}, Case{"[verb] == 'GET'", true}, Case{"[verb] == \"get\"", false},
        Case{"[client][port] == \"443\"", true}, Case{"[missing] == [also_missing]", true},
        Case{"[missing] != \"x\"", true}, Case{"[codes] == [codes]", true},
        // ordering
        Case{"[status] >= 400", true}, Case{"[status] > 404", false}, Case{"[status] <= 404", true},
        Case{"[status] < 500", true}, Case{"[ratio] < 1", true}, Case{"[ratio] > 0.25", true},
        Case{"[verb] < \"POST\"", true}, Case{"[verb] > \"POST\"", false},
        Case{"[status] < \"500\"", false}, Case{"[status] >= \"0\"", false}, Case{"[missing] < 5", false},
        // regexes (RE2, unanchored)
        Case{"[message] =~ /^GET /", true}, Case{"[message] =~ /\\.html\\b/", true}, Case{"[message] =~ \"HTTP/1\"", true},
        Case{"[message] !~ /POST/", true}, Case{"[message] =~ /post/", false}, Case{"[message] =~ /(?i)get/", true},
        Case{"[status] =~ /404/", false}, Case{"[missing] !~ /x/", true}, Case{"[missing] =~ /x/", false},
        // in / not in
        Case{"\"_grokparsefailure\" in [tags]", true}, Case{"\"zzz\" in [tags]", false},
        Case{"\"zzz\" not in [tags]", true}, Case{"[verb] in [\"GET\", \"HEAD\"]", true},
        Case{"[verb] not in [\"GET\", \"HEAD\"]", false}, Case{"[status] in [200, 404]", true},
        Case{"404 in [codes]", true}, Case{"\"index\" in [message]", true}, Case{"\"ip\" in [client]", true},
        Case{"\"x\" in [missing]", false}, Case{"[missing] in [tags]", false},
        // boolean logic and precedence (and binds tighter than or)
        Case{"[status] == 404 and [verb] == \"GET\"", true}, Case{"[status] == 200 and [verb] == \"GET\"", false},
        Case{"[status] == 200 or [verb] == \"GET\"", true}, Case{"[status] == 404 xor [verb] == \"GET\"", false},
        Case{"[status] == 200 xor [verb] == \"GET\"", true}, Case{"[status] == 404 nand [verb] == \"GET\"", false},
        Case{"[status] == 200 nand [verb] == \"GET\"", true}, Case{"[status] or [flag] and [missing]", true},
        Case{"([flag] or [status]) and [verb]", true}, Case{"!([status] == 200 or [verb] == \"POST\")", true},
        // @timestamp reads as RFC 3339 text
        Case{"[@timestamp] == \"2024-05-01T12:00:00.000Z\"", true}, Case{"[@timestamp] =~ /^2024-05/", true}));

TEST(Condition, BadRegexAndFieldReferencesAreConfigErrors) {
  auto expr = parse_condition("[a] =~ /(unclosed/ or [b] =~ \"[z-a]\"", "f.conf");
  ASSERT_TRUE(expr) << expr.error().message;
  auto cond = Condition::compile(*expr);
  ASSERT_FALSE(cond);
  EXPECT_EQ(cond.error().code, ErrorCode::config);
  EXPECT_NE(cond.error().message.find("f.conf:1:8: invalid regular expression"), std::string::npos) << cond.error().message;
  EXPECT_NE(cond.error().message.find("f.conf:1:30:"), std::string::npos) << cond.error().message;
}

TEST(Condition, IsMovable) {
  auto expr = parse_condition("[verb] =~ /GET/", "t");
  ASSERT_TRUE(expr);
  auto cond = Condition::compile(*expr);
  ASSERT_TRUE(cond);
  Condition moved = std::move(*cond);
  EXPECT_TRUE(moved.evaluate(sample()));
}

}  // namespace
}  // namespace logpost::filters
