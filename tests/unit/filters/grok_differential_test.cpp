// The grok fast path (span plans, grok_compiler.hpp) must give exactly the
// result of one plain RE2 match of the same expression: same match/no-match,
// same capture positions, same unset groups. Checked on the Apache corpus
// (../shared, skipped when absent), on seeded mutations of it and of the
// repo's own samples, and on seeded random grok expressions over random
// inputs assembled from pattern samples.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "filters/grok_compiler.hpp"
#include "filters/grok_library.hpp"

namespace logpost::filters {
namespace {

GrokLibrary library(EcsMode mode) {
  auto lib = GrokLibrary::load_builtin(std::string(LOGPOST_SOURCE_DIR) + "/grok-patterns", mode);
  EXPECT_TRUE(lib) << lib.error().message;
  return lib ? std::move(*lib) : GrokLibrary();
}

// Compares fast and reference results on one input; returns whether it matched.
bool same_result(const GrokExpression& expr, const std::string& text) {
  std::vector<std::string_view> fast, reference;
  bool a = expr.match(text, fast);
  bool b = expr.match_reference(text, reference);
  EXPECT_EQ(a, b) << "pattern " << expr.pattern() << "\ninput: " << text;
  if (!a || !b) return false;
  EXPECT_EQ(fast.size(), reference.size());
  for (size_t i = 0; i < std::min(fast.size(), reference.size()); ++i) {
    bool same = fast[i].data() == reference[i].data() && fast[i].size() == reference[i].size();
    EXPECT_TRUE(same) << "pattern " << expr.pattern() << " capture " << expr.captures()[i].name << "\ninput: " << text
                      << "\nfast: " << (fast[i].data() ? std::string(fast[i]) : "<unset>")
                      << "\nreference: " << (reference[i].data() ? std::string(reference[i]) : "<unset>");
    if (!same) break;
  }
  return true;
}

std::string mutate(std::string s, std::mt19937& rng) {
  static const std::string alphabet = " \"-[]:/.0123456789aZ\\?%@";
  int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 5) {
      case 0: if (pos < s.size()) s.erase(pos, 1); break;
      case 1: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
      case 2: if (pos < s.size()) s[pos] = alphabet[rng() % alphabet.size()]; break;
      case 3: s.resize(pos); break;                       // truncation
      case 4: s.insert(0, std::string(1 + rng() % 3, alphabet[rng() % alphabet.size()])); break;  // shifted start
    }
  }
  return s;
}

const char* const k_expressions[] = {
    "%{COMBINEDAPACHELOG}",
    "%{COMMONAPACHELOG}",
    "%{HTTPD_ERRORLOG}",
    "%{SYSLOGLINE}",
    "%{SYSLOG5424LINE}",
    "%{IPORHOST:client} %{GREEDYDATA:rest}",
    "\\[%{HTTPDATE:ts}\\] \"%{WORD:verb} %{DATA:url}\" %{INT:status:int}",
    "%{NUMBER:a}%{SPACE}%{NUMBER:b}",
    "(?<x>[a-z]+)-(?P<y>[^-]*)-%{INT:z}?",
    "^%{IP:ip} (?:-|%{USER:user}) \\[%{DATA:inner}\\]",
    "%{QS:q1} %{QS:q2}$",
};

std::vector<std::string> repo_samples() {
  return {
      "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
      "203.0.113.9 - - [17/May/2015:10:05:03 +0000] \"GET /a?b=\"c\" HTTP/1.1\" 200 203023 \"http://e.com/\" \"UA \\\"q\\\"\"",
      "2001:db8::7 ident bob@example.com [01/Jan/2024:00:00:00 +0100] \"POST /login\" 302 - \"-x\" \"curl/8.0\"",
      "::1 - - [10/Oct/2000:13:55:36 -0700] \"\\x16\\x03\\x01\" 400 -",
      "[Wed Oct 11 14:32:52 2000] [core:error] [pid 35708:tid 4328636416] [client 127.0.0.1:50612] AH00037: no",
      "[Mon Dec 26 16:22:08 2016] [error] [client 1.2.3.4] File does not exist: /var/www/favicon.ico",
      "Nov  1 00:00:01 host sshd[9]: Accepted publickey for root",
      "<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - 'su root' failed",
      "abc-def-12 and more",
      "\"a \\\" b\" \"c\"",
      "12.5   -7",
  };
}

TEST(GrokDifferential, MainExpressionsHaveAFastPath) {
  for (EcsMode mode : {EcsMode::v1, EcsMode::disabled}) {
    GrokLibrary lib = library(mode);
    for (const char* pattern : {"%{COMBINEDAPACHELOG}", "%{COMMONAPACHELOG}", "%{SYSLOGLINE}"}) {
      auto expr = GrokExpression::compile(pattern, lib);
      ASSERT_TRUE(expr) << expr.error().message;
      EXPECT_TRUE(expr->has_fast_path()) << pattern;
    }
  }
}

TEST(GrokDifferential, RepoSamplesAndMutations) {
  std::mt19937 rng(20261121);
  for (EcsMode mode : {EcsMode::v1, EcsMode::disabled}) {
    GrokLibrary lib = library(mode);
    for (const char* pattern : k_expressions) {
      auto expr = GrokExpression::compile(pattern, lib);
      ASSERT_TRUE(expr) << pattern << ": " << expr.error().message;
      for (const auto& sample : repo_samples()) {
        same_result(*expr, sample);
        for (int k = 0; k < 60; ++k) same_result(*expr, mutate(sample, rng));
      }
    }
  }
}

TEST(GrokDifferential, ApacheCorpus) {
  std::ifstream in(std::string(LOGPOST_SHARED_DIR) + "/corpus/access-logs/apache_logs");
  if (!in) GTEST_SKIP() << "../shared/corpus not present";
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_GT(lines.size(), 1000u);
  std::mt19937 rng(7);
  for (EcsMode mode : {EcsMode::v1, EcsMode::disabled}) {
    GrokLibrary lib = library(mode);
    for (const char* pattern : {"%{COMBINEDAPACHELOG}", "%{COMMONAPACHELOG}", "%{IPORHOST:client} %{GREEDYDATA:rest}"}) {
      auto expr = GrokExpression::compile(pattern, lib);
      ASSERT_TRUE(expr) << expr.error().message;
      size_t matched = 0;
      for (size_t i = 0; i < lines.size(); ++i) {
        matched += same_result(*expr, lines[i]);
        if (i % 10 == 0) same_result(*expr, mutate(lines[i], rng));
        if (::testing::Test::HasFailure()) return;  // one clear report, not thousands
      }
      EXPECT_GT(matched, lines.size() * 9 / 10) << pattern;  // the comparison is not vacuous
    }
  }
}

// A run of one capture between zero-width assertions (`^(\S+) `, `(\w+)$`)
// is that capture on the run's span, not an RE2 call with submatches; the
// results stay the reference's, including where ^ or $ cannot hold.
TEST(GrokDifferential, AssertionsAroundOneCaptureNeedNoEngine) {
  GrokLibrary lib = library(EcsMode::v1);
  for (const char* pattern : {"^%{NOTSPACE:a} %{WORD:b}$", "^%{NOTSPACE:a} \\b%{WORD:b}\\b$",
                              "%{INT:a}:^%{WORD:b}"}) {
    auto expr = GrokExpression::compile(pattern, lib);
    ASSERT_TRUE(expr) << expr.error().message;
    ASSERT_TRUE(expr->has_fast_path()) << pattern;
    EXPECT_EQ(expr->describe_fast_path().find("engine"), std::string::npos) << pattern << "\n"
                                                                             << expr->describe_fast_path();
    for (const char* input : {"GET index", "x GET index", "GET index x", "GET  index", "a:b c", "12:ab", "12:^ab",
                              "GET ind\xc3\xa9x", "\xff\xfe w", "- -", " GET index"}) {
      same_result(*expr, input);
    }
  }
}

// Random grok expressions (sequences of library references, literals and
// optional/alternative groups) over inputs assembled from matching samples,
// then mutated: exercises boundaries the hand-written cases miss.
enum class Anchoring { random, both_ends };

// Returns {expressions with a fast path, piecewise-validated ones, inputs matched}.
struct RandomRun {
  size_t fast = 0, piecewise = 0, matched = 0;
};
RandomRun random_expressions(Anchoring anchoring, uint32_t seed) {
  struct Piece {
    const char* pattern;  // %s = capture name
    std::vector<const char*> samples;
  };
  const std::vector<Piece> pieces = {
      {"%{INT:%s}", {"42", "-7", "+3"}},
      {"%{NUMBER:%s}", {"3.14", "200", ".5"}},
      {"%{WORD:%s}", {"GET", "hello_1"}},
      {"%{NOTSPACE:%s}", {"/a\"b", "x:y", "-"}},
      {"%{DATA:%s}", {"", "some text", "a\"b"}},
      {"%{IPORHOST:%s}", {"10.0.0.1", "2001:db8::1", "host.example"}},
      {"%{QS:%s}", {"\"q\"", "\"a \\\" b\""}},
      {"(?:-|%{INT:%s})", {"-", "12"}},
      {"(?:%{WORD:%s} )?", {"", "opt "}},
      {"%{HTTPDATE:%s}", {"17/May/2015:10:05:03 +0000"}},
  };
  const std::vector<const char*> literals = {" ", "\"", "[", "]", ":", " - ", "/", "\" \""};
  auto escape = [](std::string s) {
    std::string out;
    for (char c : s) {
      if (std::string("[](){}.*+?^$|\\").find(c) != std::string::npos) out += '\\';
      out += c;
    }
    return out;
  };
  std::mt19937 rng(seed);
  GrokLibrary lib = library(EcsMode::v1);
  RandomRun run;
  for (int round = 0; round < 300; ++round) {
    std::string pattern;
    std::vector<std::vector<std::string>> sample_sets;
    int n = 2 + static_cast<int>(rng() % 6);
    int field = 0;
    for (int k = 0; k < n; ++k) {
      if (rng() % 2 == 0) {
        std::string lit = literals[rng() % literals.size()];
        pattern += escape(lit);
        sample_sets.push_back({lit});
      } else {
        const Piece& p = pieces[rng() % pieces.size()];
        std::string text = p.pattern;
        text.replace(text.find("%s"), 2, "f" + std::to_string(field++));
        pattern += text;
        sample_sets.emplace_back(p.samples.begin(), p.samples.end());
      }
    }
    bool both = anchoring == Anchoring::both_ends;
    if (both || rng() % 4 == 0) pattern = "^" + pattern;
    if (both || rng() % 4 == 0) pattern += "$";
    auto expr = GrokExpression::compile(pattern, lib);
    EXPECT_TRUE(expr) << pattern << ": " << expr.error().message;
    if (!expr) return run;
    run.fast += expr->has_fast_path();
    run.piecewise += expr->describe_fast_path().starts_with("piecewise validation");
    for (int t = 0; t < 20; ++t) {
      std::string input = !both && rng() % 3 == 0 ? "prefix " : "";
      for (const auto& set : sample_sets) input += set[rng() % set.size()];
      if (!both && rng() % 3 == 0) input += " trailer";
      run.matched += same_result(*expr, input);
      same_result(*expr, mutate(input, rng));
      // Bytes the piecewise checks must not take for ASCII: a newline (not
      // matched by .), a high byte (falls back to the DFA).
      std::string odd = input;
      if (!odd.empty()) odd[rng() % odd.size()] = rng() % 2 ? '\n' : '\xe9';
      same_result(*expr, odd);
      if (::testing::Test::HasFailure()) return run;
    }
  }
  return run;
}

TEST(GrokDifferential, RandomExpressions) {
  RandomRun run = random_expressions(Anchoring::random, 424242);
  EXPECT_GT(run.fast, 150u);     // most random expressions take the fast path
  EXPECT_GT(run.matched, 1000u);  // and the inputs do match often
}

// Anchored at both ends, matches are proved piece by piece without the DFA
// (ASCII text): the same results as one RE2 match, on matching inputs, their
// mutations, and inputs with a newline or a non-ASCII byte.
TEST(GrokDifferential, AnchoredExpressionsValidatedPiecewise) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    RandomRun run = random_expressions(Anchoring::both_ends, seed);
    EXPECT_GT(run.piecewise, 150u);  // most take the piecewise path
    EXPECT_GT(run.matched, 1000u);
  }
}

// The checks' byte classes on their own: each pattern agrees with RE2 on
// inputs at the edges of its classes.
TEST(GrokDifferential, PiecewiseChecksAgreeWithRe2OnClassEdges) {
  GrokLibrary lib = library(EcsMode::v1);
  const char* const patterns[] = {
      "^%{NOTSPACE:a} %{DATA:b}$",
      "^(?<a>[^\\s,\"]+) (?<b>[+-]?[0-9]+)(?: (?<c>.*))?$",
      "^(?<a>\\w+)-(?<b>[]a-c]*)-(?<c>[^]x]+)$",
      "^(?<a>[\\t ]*)x(?<b>\\S*)y(?<c>\\D+)$",
      "^(?<a>[a-z]{2,3}) (?<b>\\d+)$",
      "^(?<a>\\bfoo\\b) (?<b>\\S+)$",
      "^(?<a>\\d{2,3})-(?<b>x{2})$",
      "^a(?<a>\\Bbc) (?<b>\\w+)$",
      "^(?<a>(?:ab|a)c)$", "^(?<a>(?:a|ab)c)$",  // the second needs backtracking: RE2 decides
      "^(?<a>Jan|Feb|Mar) (?<b>\\S+)$",
      "^(?<a>abc)d$",
      "^(?<a>a\\bb)$", "^(?<a>a\\B b)$", "^(?<a>(?:x?a|b)c)$",  // \\b, \\B that cannot hold; an optional first
      "^(?<a>%{HTTPDATE})$",  // too large a check: RE2 proves that piece
      "^(?<a>x(?:ab)?c)$",                 // an optional group that fails half-way
      "^(?<a>x$)y$", "^x(?<a>^y)$",          // ^ and $ inside a piece
      "^%{INT:a}:^%{WORD:b}$", "^%{WORD:a}$ %{WORD:b}$",  // ^ and $ around a capture
  };
  const char* const inputs[] = {
      "abc def", "abc ", "abc", " abc", "a,b 12", "ab +12 rest", "ab -1", "ab 1x", "a\"b 3",
      "w1-]ab-zz", "w1--q", "w1-a-]", "\t x!!y12", "x y1", "xyQ", "foo bar", "foo  bar", "ab 12",
      "abcd 1", "abc\n12", "ab\t12", "abc def\n", "a\x01b 2", "xac", "xabc", "xc", "xy", "12:ab", "ab cd",
      "12-xx", "1-xx", "1234-xx", "123-x", "123-xxx", "abc d", "a bc d", "abc", "ac", "abac", "Mar x", "Apr x",
      "Ma x", "Febx", "abcd", "abd", "abcdd", "04/Mar/2024:00:00:00 +0000", "4/Mar/2024:00:00:00 +0000",
      "04/Mar/2024:0:00:00 +0000", "04/mar/2024:00:00:00 -0100", "ab", "a b", "ac", "xac", "bc",
  };
  for (const char* pattern : patterns) {
    auto expr = GrokExpression::compile(pattern, lib);
    ASSERT_TRUE(expr) << pattern << ": " << expr.error().message;
    EXPECT_TRUE(expr->describe_fast_path().starts_with("piecewise validation")) << pattern;
    for (const char* input : inputs) same_result(*expr, input);
  }
}

}  // namespace
}  // namespace logpost::filters
