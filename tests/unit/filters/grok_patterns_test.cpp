// Table-driven tests of every shipped grok pattern (grok-patterns/), in both
// modes, from data/grok/patterns.tsv: anchored matches and non-matches, and
// the exact fields composite patterns capture (ECS names in v1 mode, legacy
// names when disabled).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "filters/grok_compiler.hpp"
#include "filters/grok_library.hpp"

namespace logpost::filters {
namespace {

struct Row {
  int line = 0;
  std::string mode;  // "*", "legacy", "ecs"
  std::string name;
  std::string expectation;
  std::string input;
};

std::string unescape(std::string s) {
  for (auto [token, ch] : {std::pair<std::string, char>{"<TAB>", '\t'}, {"<LF>", '\n'}}) {
    for (size_t p = s.find(token); p != std::string::npos; p = s.find(token, p + 1)) s.replace(p, token.size(), 1, ch);
  }
  return s;
}

std::vector<Row> load_rows() {
  std::ifstream in(std::string(LOGPOST_SOURCE_DIR) + "/tests/unit/filters/data/grok/patterns.tsv");
  std::vector<Row> rows;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    Row r;
    r.line = n;
    size_t a = line.find('\t'), b = line.find('\t', a + 1), c = line.find('\t', b + 1);
    if (a == std::string::npos || b == std::string::npos || c == std::string::npos) {
      ADD_FAILURE() << "patterns.tsv:" << n << ": needs 4 tab-separated columns";
      continue;
    }
    r.mode = line.substr(0, a);
    r.name = line.substr(a + 1, b - a - 1);
    r.expectation = line.substr(b + 1, c - b - 1);
    r.input = unescape(line.substr(c + 1));
    rows.push_back(std::move(r));
  }
  return rows;
}

GrokLibrary library(EcsMode mode) {
  auto lib = GrokLibrary::load_builtin(std::string(LOGPOST_SOURCE_DIR) + "/grok-patterns", mode);
  EXPECT_TRUE(lib) << lib.error().message;
  return lib ? std::move(*lib) : GrokLibrary();
}

class GrokPatterns : public ::testing::TestWithParam<EcsMode> {};

TEST_P(GrokPatterns, TableRowsHold) {
  EcsMode mode = GetParam();
  GrokLibrary lib = library(mode);
  auto rows = load_rows();
  ASSERT_GT(rows.size(), 100u);
  std::vector<std::string_view> captures;
  for (const auto& r : rows) {
    if (r.mode != "*" && r.mode != (mode == EcsMode::v1 ? "ecs" : "legacy")) continue;
    std::string where = "patterns.tsv:" + std::to_string(r.line) + " " + r.name;
    if (r.expectation == "match" || r.expectation == "nomatch") {
      auto expr = GrokExpression::compile("^(?:%{" + r.name + "})$", lib);
      ASSERT_TRUE(expr) << where << ": " << expr.error().message;
      EXPECT_EQ(expr->match(r.input, captures), r.expectation == "match") << where << " on '" << r.input << "'";
      continue;
    }
    auto expected = parse_json(r.expectation);
    ASSERT_TRUE(expected && expected->is_object()) << where << ": bad JSON";
    auto expr = GrokExpression::compile("%{" + r.name + "}", lib);
    ASSERT_TRUE(expr) << where << ": " << expr.error().message;
    ASSERT_TRUE(expr->match(r.input, captures)) << where << " on '" << r.input << "'";
    std::map<std::string, std::string> got;
    for (size_t i = 0; i < captures.size(); ++i)
      if (captures[i].data() && !got.count(expr->captures()[i].name))
        got[expr->captures()[i].name] = std::string(captures[i]);
    std::map<std::string, std::string> want;
    for (const auto& [k, v] : expected->as_object()) want[k] = v.as_string();
    EXPECT_EQ(got, want) << where << " on '" << r.input << "'";
  }
}

// Every pattern of the library has a row that must match and a row that must
// fail (or a capture row), so no pattern ships untested.
TEST_P(GrokPatterns, EveryPatternIsCovered) {
  EcsMode mode = GetParam();
  GrokLibrary lib = library(mode);
  std::set<std::string> positive, negative;
  for (const auto& r : load_rows()) {
    if (r.mode != "*" && r.mode != (mode == EcsMode::v1 ? "ecs" : "legacy")) continue;
    if (r.expectation == "nomatch") negative.insert(r.name);
    else positive.insert(r.name);
  }
  for (const auto& name : lib.names()) {
    EXPECT_TRUE(positive.count(name)) << name << " has no matching row in patterns.tsv";
    EXPECT_TRUE(negative.count(name)) << name << " has no non-matching row in patterns.tsv";
  }
}

// Every shipped pattern compiles on its own (no unknown references, nothing
// RE2 refuses), in both modes.
TEST_P(GrokPatterns, EveryPatternCompiles) {
  GrokLibrary lib = library(GetParam());
  for (const auto& name : lib.names()) {
    auto expr = GrokExpression::compile("%{" + name + "}", lib);
    EXPECT_TRUE(expr) << name << ": " << (expr ? "" : expr.error().message);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, GrokPatterns, ::testing::Values(EcsMode::v1, EcsMode::disabled),
                         [](const auto& param_info) { return param_info.param == EcsMode::v1 ? "ecs_v1" : "legacy"; });

}  // namespace
}  // namespace logpost::filters
