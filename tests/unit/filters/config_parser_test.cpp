// The Logstash configuration language: what parses into what, and that
// mistakes are reported with file:line:column, all at once.
#include "filters/config_parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace logpost::filters {
namespace {

ParsedConfig parse_ok(std::string_view text) {
  auto r = parse_config(text, "t.conf");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? std::move(*r) : ParsedConfig{};
}

std::string parse_error(std::string_view text) {
  auto r = parse_config(text, "t.conf");
  EXPECT_FALSE(r.has_value()) << "expected a parse error";
  if (r) return {};
  EXPECT_EQ(r.error().code, ErrorCode::config);
  return r.error().message;
}

TEST(ConfigParser, PluginWithEveryValueKind) {
  auto c = parse_ok(R"(filter {
  mutate {
    s => "double"  q => 'single'  w => bareword
    n => 42 f => -1.5 t => true b => false
    a => ["x", 1, 'y']
    h => { "k" => "v" other => 2 }
  }
})");
  ASSERT_EQ(c.filters.size(), 1u);
  const auto& p = c.filters[0].plugin;
  EXPECT_EQ(p.name, "mutate");
  EXPECT_EQ(p.where.line, 2);
  EXPECT_EQ(p.where.column, 3);
  ASSERT_EQ(p.options.size(), 9u);
  EXPECT_EQ(p.options[0].first, "s");
  EXPECT_EQ(p.options[0].second.string, "double");
  EXPECT_EQ(p.options[1].second.string, "single");
  EXPECT_EQ(p.options[2].second.kind, OptionValue::Kind::string);
  EXPECT_EQ(p.options[2].second.string, "bareword");
  EXPECT_EQ(p.options[3].second.kind, OptionValue::Kind::number);
  EXPECT_EQ(p.options[3].second.number, 42);
  EXPECT_EQ(p.options[4].second.number, -1.5);
  EXPECT_EQ(p.options[4].second.string, "-1.5");
  EXPECT_EQ(p.options[5].second.kind, OptionValue::Kind::boolean);
  EXPECT_TRUE(p.options[5].second.boolean);
  EXPECT_FALSE(p.options[6].second.boolean);
  ASSERT_EQ(p.options[7].second.kind, OptionValue::Kind::array);
  ASSERT_EQ(p.options[7].second.array.size(), 3u);
  EXPECT_EQ(p.options[7].second.array[1].kind, OptionValue::Kind::number);
  ASSERT_EQ(p.options[8].second.kind, OptionValue::Kind::hash);
  ASSERT_EQ(p.options[8].second.hash.size(), 2u);
  EXPECT_EQ(p.options[8].second.hash[1].first.string, "other");
  EXPECT_EQ(p.options[8].second.hash[1].second.number, 2);
  // Locations point at the value.
  EXPECT_EQ(p.options[0].second.where.line, 3);
  EXPECT_EQ(p.options[0].second.where.column, 10);
}

TEST(ConfigParser, StringsAreRawAsInLogstash) {
  auto c = parse_ok(R"(filter { grok { match => { "message" => "\d+ \"quoted\" \t" } } })");
  ASSERT_EQ(c.filters.size(), 1u);
  EXPECT_EQ(c.filters[0].plugin.options[0].second.hash[0].second.string, R"(\d+ \"quoted\" \t)");
}

TEST(ConfigParser, EnvironmentVariablesInOptionStrings) {
  ::setenv("LOGPOST_TEST_DIR", "/srv/geo", 1);
  ::unsetenv("LOGPOST_TEST_UNSET");
  auto c = parse_ok(R"(filter { geoip { a => "${LOGPOST_TEST_DIR}/x.mmdb" b => "${LOGPOST_TEST_UNSET:fallback}" c => "${not a var} $${LOGPOST_TEST_DIR" } })");
  ASSERT_EQ(c.filters.size(), 1u);
  const auto& o = c.filters[0].plugin.options;
  EXPECT_EQ(o[0].second.string, "/srv/geo/x.mmdb");
  EXPECT_EQ(o[1].second.string, "fallback");
  EXPECT_EQ(o[2].second.string, "${not a var} $${LOGPOST_TEST_DIR");
  std::string m = parse_error("filter {\n  x { a => \"${LOGPOST_TEST_UNSET}\" }\n}");
  EXPECT_NE(m.find("t.conf:2:12: environment variable 'LOGPOST_TEST_UNSET' is not set"), std::string::npos) << m;
}

TEST(ConfigParser, CommentsAndMultipleFilterSections) {
  auto c = parse_ok(R"(# leading comment
filter { drop { } # trailing
}
filter {
  # inside
  mutate { add_tag => "x" } # after
}
)");
  ASSERT_EQ(c.filters.size(), 2u);
  EXPECT_EQ(c.filters[0].plugin.name, "drop");
  EXPECT_EQ(c.filters[1].plugin.name, "mutate");
}

TEST(ConfigParser, InputAndOutputSectionsAreIgnoredWithANotice) {
  auto c = parse_ok(R"(input { beats { port => 5044 codec => json { charset => "UTF-8" } } }
filter { mutate { } }
output { if [x] { elasticsearch { hosts => ["http://es:9200"] } } else { stdout { } } })");
  ASSERT_EQ(c.filters.size(), 1u);
  ASSERT_EQ(c.notices.size(), 2u);
  EXPECT_NE(c.notices[0].find("t.conf:1:1: notice: 'input' section ignored"), std::string::npos) << c.notices[0];
  EXPECT_NE(c.notices[1].find("t.conf:3:1"), std::string::npos) << c.notices[1];
}

TEST(ConfigParser, Conditionals) {
  auto c = parse_ok(R"(filter {
  if [status] >= 500 and [verb] == "GET" {
    mutate { add_tag => "err" }
  } else if "x" in [tags] {
    drop { }
  } else {
    if ![a][b] { mutate { } }
  }
})");
  ASSERT_EQ(c.filters.size(), 1u);
  const auto& st = c.filters[0];
  ASSERT_EQ(st.kind, Statement::Kind::conditional);
  ASSERT_EQ(st.branches.size(), 3u);
  ASSERT_TRUE(st.branches[0].condition);
  const Expr& e = *st.branches[0].condition;
  EXPECT_EQ(e.kind, Expr::Kind::logical);
  EXPECT_EQ(e.text, "and");
  ASSERT_EQ(e.children.size(), 2u);
  EXPECT_EQ(e.children[0].kind, Expr::Kind::compare);
  EXPECT_EQ(e.children[0].text, ">=");
  EXPECT_EQ(e.children[0].children[0].kind, Expr::Kind::selector);
  EXPECT_EQ(e.children[0].children[0].text, "[status]");
  EXPECT_EQ(e.children[0].children[1].kind, Expr::Kind::number);
  EXPECT_EQ(st.branches[1].condition->kind, Expr::Kind::in);
  EXPECT_FALSE(st.branches[2].condition.has_value());
  ASSERT_EQ(st.branches[2].body.size(), 1u);
  EXPECT_EQ(st.branches[2].body[0].branches[0].condition->kind, Expr::Kind::negate);
  EXPECT_EQ(st.branches[1].body[0].plugin.name, "drop");
}

TEST(ConfigParser, PrecedenceAndBindsTighterThanOr) {
  auto e = parse_condition("[a] or [b] and [c]", "c");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->text, "or");
  EXPECT_EQ(e->children[1].text, "and");
  auto p = parse_condition("([a] or [b]) and [c]", "c");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->text, "and");
  EXPECT_EQ(p->children[0].text, "or");
  auto x = parse_condition("[a] xor [b] or [c] nand [d]", "c");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->text, "or");
  EXPECT_EQ(x->children[0].text, "xor");
  EXPECT_EQ(x->children[1].text, "nand");
}

TEST(ConfigParser, SelectorsArraysRegexesAndNotIn) {
  auto e = parse_condition(R"([message] =~ /a\/b [x]/ and [f] not in ["a", 1] and [g] in [h])", "c");
  ASSERT_TRUE(e) << e.error().message;
  const Expr& m = e->children[0].children[0];
  EXPECT_EQ(m.kind, Expr::Kind::match);
  EXPECT_EQ(m.children[1].kind, Expr::Kind::regex);
  EXPECT_EQ(m.children[1].text, R"(a\/b [x])");
  const Expr& notin = e->children[0].children[1];
  EXPECT_EQ(notin.text, "not in");
  EXPECT_EQ(notin.children[1].kind, Expr::Kind::array);
  EXPECT_EQ(notin.children[1].children.size(), 2u);
  const Expr& in = e->children[1];
  EXPECT_EQ(in.children[1].kind, Expr::Kind::selector);
}

TEST(ConfigParser, ErrorsNameFileLineColumn) {
  std::string m = parse_error("filter {\n  mutate {\n    x => \n  }\n}\n");
  EXPECT_NE(m.find("t.conf:4:3: unexpected '}', expected a value"), std::string::npos) << m;
}

TEST(ConfigParser, SeveralSyntaxErrorsAreReportedAtOnce) {
  std::string m = parse_error(R"(filter {
  mutate { a = "x" }
  if [x] == { drop { } }
  kv { b => }
  mutate { ok => "fine" }
})");
  EXPECT_NE(m.find("t.conf:2:14:"), std::string::npos) << m;
  EXPECT_NE(m.find("t.conf:3:13:"), std::string::npos) << m;
  EXPECT_NE(m.find("t.conf:4:13:"), std::string::npos) << m;
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 2) << m;
}

TEST(ConfigParser, StructuralErrors) {
  EXPECT_NE(parse_error("filter { mutate { }").find("t.conf:1:1: block is never closed"), std::string::npos);
  EXPECT_NE(parse_error("filter { else { } }").find("'else' without 'if'"), std::string::npos);
  EXPECT_NE(parse_error("codec { }").find("unknown section 'codec'"), std::string::npos);
  EXPECT_NE(parse_error("filter { x { y => \"unterminated } }").find("t.conf:1:19: unterminated string"),
            std::string::npos);
  EXPECT_NE(parse_error("filter { if [a] == foo { } }").find("bare word 'foo'"), std::string::npos);
  EXPECT_NE(parse_error("filter { if [a] =~ [b] { } }").find("a /regex/ or a string"), std::string::npos);
}

TEST(ConfigParser, DeepNestingFailsCleanly) {
  std::string deep = "filter { if ";
  for (int i = 0; i < 5000; ++i) deep += "(";
  deep += "[a]";
  for (int i = 0; i < 5000; ++i) deep += ")";
  deep += " { } }";
  EXPECT_NE(parse_error(deep).find("nesting too deep"), std::string::npos);
}

TEST(ConfigParser, EveryTruncationFailsCleanlyOrParses) {
  // Each prefix of a real config is either valid or a config error with a
  // location — never a crash, hang or exception (ASan/UBSan run this too).
  const std::string full = R"(input { x { } }
filter {
  if [a][b] =~ /re\/x/ and "t" not in [tags] or !([n] >= -1.5) {
    mutate { add_field => { "k" => ["v1", 'v2'] } gsub => ["f", "a", "b"] }
  } else if [x] in ["a", 2] { drop { } } else { kv { } }
}
output { y { codec => json { } } })";
  for (size_t n = 0; n <= full.size(); ++n) {
    auto r = parse_config(full.substr(0, n), "cut.conf");
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::config);
      EXPECT_EQ(r.error().message.rfind("cut.conf:", 0), 0u) << r.error().message;
    }
  }
  EXPECT_TRUE(parse_config(full, "cut.conf"));
}

TEST(ConfigParser, EmptyConfigIsValid) {
  auto c = parse_ok("  # nothing\n");
  EXPECT_TRUE(c.filters.empty());
  auto d = parse_ok("filter { }");
  EXPECT_TRUE(d.filters.empty());
}

}  // namespace
}  // namespace logpost::filters
