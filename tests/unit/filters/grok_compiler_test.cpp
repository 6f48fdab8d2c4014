// GrokExpression: expansion, captures and types, the constructs RE2 cannot
// run (configuration errors naming pattern and construct), the one rewrite,
// and GrokLibrary's file format.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "filters/grok_compiler.hpp"
#include "filters/grok_library.hpp"

namespace logpost::filters {
namespace {

GrokLibrary small_library() {
  GrokLibrary lib;
  auto ok = lib.load_text(
      "# comment\n"
      "WORD \\b\\w+\\b\n"
      "INT [+-]?[0-9]+\n"
      "\n"
      "PAIR %{WORD:key}=%{INT:value:int}\n"
      "LOOKAHEAD foo(?=bar)\n"
      "LOOP1 a%{LOOP2}\n"
      "LOOP2 b%{LOOP1}\n",
      "test-patterns");
  EXPECT_TRUE(ok) << ok.error().message;
  return lib;
}

std::string compile_error(std::string_view pattern, const GrokLibrary& lib) {
  auto expr = GrokExpression::compile(pattern, lib);
  if (expr) return "<compiled>";
  EXPECT_EQ(expr.error().code, ErrorCode::config);
  return expr.error().message;
}

TEST(GrokCompiler, ExpandsReferencesAndNamesCaptures) {
  GrokLibrary lib = small_library();
  auto expr = GrokExpression::compile("%{PAIR} (?<rest>.*)", lib);
  ASSERT_TRUE(expr) << expr.error().message;
  ASSERT_EQ(expr->captures().size(), 3u);
  EXPECT_EQ(expr->captures()[0].name, "key");
  EXPECT_EQ(expr->captures()[1].name, "value");
  EXPECT_EQ(expr->captures()[1].type, GrokCapture::Type::integer);
  EXPECT_EQ(expr->captures()[2].name, "rest");
  std::vector<std::string_view> out;
  ASSERT_TRUE(expr->match("x: retries=3 tail end", out));
  EXPECT_EQ(out[0], "retries");
  EXPECT_EQ(out[1], "3");
  EXPECT_EQ(out[2], "tail end");
  EXPECT_FALSE(expr->match("no pair here", out));
}

TEST(GrokCompiler, UnnamedGroupsDoNotCapture) {
  GrokLibrary lib = small_library();
  auto expr = GrokExpression::compile("(a|b)(%{INT:n})", lib);
  ASSERT_TRUE(expr);
  EXPECT_EQ(expr->captures().size(), 1u);
  EXPECT_EQ(expr->regex().find("(a|b)"), std::string::npos);  // turned into (?:a|b)
}

TEST(GrokCompiler, NamedCapturesOnlyFalseCapturesSyntaxNames) {
  GrokLibrary lib = small_library();
  GrokCompileOptions options;
  options.named_captures_only = false;
  auto expr = GrokExpression::compile("%{WORD} %{INT:n:float}", lib, options);
  ASSERT_TRUE(expr);
  ASSERT_EQ(expr->captures().size(), 2u);
  EXPECT_EQ(expr->captures()[0].name, "WORD");
  EXPECT_EQ(expr->captures()[1].type, GrokCapture::Type::real);
}

TEST(GrokCompiler, FieldReferenceCaptureNames) {
  GrokLibrary lib = small_library();
  auto expr = GrokExpression::compile("%{WORD:[a][b]} (?<[c][d]>\\d+)", lib);
  ASSERT_TRUE(expr);
  EXPECT_EQ(expr->captures()[0].name, "[a][b]");
  EXPECT_EQ(expr->captures()[1].name, "[c][d]");
}

TEST(GrokCompiler, UnknownAndRecursivePatternsAreErrors) {
  GrokLibrary lib = small_library();
  EXPECT_NE(compile_error("%{NOPE}", lib).find("unknown pattern '%{NOPE}'"), std::string::npos);
  auto loop = compile_error("%{LOOP1}", lib);
  EXPECT_NE(loop.find("recursive"), std::string::npos) << loop;
  EXPECT_NE(loop.find("LOOP1 -> LOOP2 -> LOOP1"), std::string::npos) << loop;
  EXPECT_NE(compile_error("%{INT:x:bogus}", lib).find("unknown type 'bogus'"), std::string::npos);
  EXPECT_NE(compile_error("%{INT", lib).find("unterminated"), std::string::npos);
}

// Each construct RE2 cannot run is refused with the pattern and the construct
// named, instead of failing (or backtracking) at run time.
TEST(GrokCompiler, UnsupportedConstructsNameThePatternAndTheConstruct) {
  GrokLibrary lib = small_library();
  struct Case {
    const char* pattern;
    const char* construct;
  } cases[] = {
      {"a(?=b)", "look-ahead"},         {"a(?!b)", "look-ahead"},
      {"(?<=a)b", "look-behind"},       {"(?<!a)b", "look-behind"},
      {"(a)\\1", "back-reference"},     {"(?<n>a)\\k<n>", "back-reference"},
      {"(?>ab|a)c", "atomic group"},    {"a++a", "possessive quantifier 'a++'"},
      {"x\\Z", "\\Z"},                  {"(?|a|b)", "branch reset"},
  };
  for (const auto& c : cases) {
    auto message = compile_error(c.pattern, lib);
    EXPECT_NE(message.find(c.construct), std::string::npos) << c.pattern << " -> " << message;
    EXPECT_NE(message.find("RE2"), std::string::npos) << message;
  }
  // Inside a library pattern, the error names that pattern and its origin.
  auto nested = compile_error("x %{LOOKAHEAD}", lib);
  EXPECT_NE(nested.find("pattern LOOKAHEAD (test-patterns:6)"), std::string::npos) << nested;
  EXPECT_NE(nested.find("look-ahead"), std::string::npos) << nested;
}

// A possessive quantifier on one character class directly followed by a
// literal it cannot match means the same as the greedy one: rewritten.
TEST(GrokCompiler, PossessiveRewrittenWhenMeaningIsIdentical) {
  GrokLibrary lib = small_library();
  auto expr = GrokExpression::compile("\"(?<q>[^\"]*+)\"", lib);
  ASSERT_TRUE(expr) << expr.error().message;
  std::vector<std::string_view> out;
  ASSERT_TRUE(expr->match("say \"hello\" now", out));
  EXPECT_EQ(out[0], "hello");
  // [a-z]++ followed by 'a' could give back an 'a': not rewritable.
  EXPECT_NE(compile_error("[a-z]++a", lib).find("possessive"), std::string::npos);
  // a++b is a+b: 'b' can never be taken from the a's.
  auto simple = GrokExpression::compile("(?<n>a++)b", lib);
  ASSERT_TRUE(simple) << simple.error().message;
  ASSERT_TRUE(simple->match("xaaab", out));
  EXPECT_EQ(out[0], "aaa");
  // Followed by a repeated group: not provably the same, refused.
  EXPECT_NE(compile_error("(?:x[^y]*+)*y", lib).find("possessive"), std::string::npos);
}

TEST(GrokCompiler, Re2ErrorsAreReportedWithThePattern) {
  GrokLibrary lib = small_library();
  auto message = compile_error("a[b", lib);
  EXPECT_NE(message.find("a[b"), std::string::npos) << message;
}

TEST(GrokCompiler, UnsetGroupsAreNullViews) {
  GrokLibrary lib = small_library();
  auto expr = GrokExpression::compile("%{WORD:w}(?: %{INT:n})? end", lib);
  ASSERT_TRUE(expr);
  std::vector<std::string_view> out;
  ASSERT_TRUE(expr->match("abc end", out));
  EXPECT_EQ(out[0], "abc");
  EXPECT_EQ(out[1].data(), nullptr);
  ASSERT_TRUE(expr->match("abc 12 end", out));
  EXPECT_EQ(out[1], "12");
}

TEST(GrokCompiler, MatchIsUnanchoredAndLeftmost) {
  GrokLibrary lib = small_library();
  auto expr = GrokExpression::compile("%{INT:a}-%{INT:b}", lib);
  ASSERT_TRUE(expr);
  std::vector<std::string_view> out;
  ASSERT_TRUE(expr->match("id 12-34 and 56-78", out));
  EXPECT_EQ(out[0], "12");
  EXPECT_EQ(out[1], "34");
}

TEST(GrokLibrary, LaterDefinitionsOverrideAndErrorsCiteFileAndLine) {
  GrokLibrary lib;
  ASSERT_TRUE(lib.load_text("A x\nA y\n", "one"));
  EXPECT_EQ(lib.find("A")->regex, "y");
  EXPECT_EQ(lib.find("A")->origin, "one:2");
  auto bad = lib.load_text("GOOD ok\nbad-name z\nNOREGEX\n", "two");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("two:2: invalid grok pattern name 'bad-name'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("two:3: grok pattern 'NOREGEX' has no regex"), std::string::npos);
}

TEST(GrokLibrary, DirectoryGlobAndMissingDirectory) {
  auto dir = std::filesystem::temp_directory_path() / ("grok-lib-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "mine.grok") << "MINE [0-9]{3}\n";
  std::ofstream(dir / "other.txt") << "OTHER x\n";
  GrokLibrary lib;
  ASSERT_TRUE(lib.load_directory(dir, "*.grok"));
  EXPECT_NE(lib.find("MINE"), nullptr);
  EXPECT_EQ(lib.find("OTHER"), nullptr);
  auto missing = lib.load_directory(dir / "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::config);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace logpost::filters
