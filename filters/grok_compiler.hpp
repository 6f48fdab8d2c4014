// grok_compiler.hpp — turns a grok expression into RE2 and matches it fast.
//
// compile() expands %{SYNTAX}, %{SYNTAX:SEMANTIC} and %{SYNTAX:SEMANTIC:type}
// (type: int or float) recursively from a GrokLibrary, turns raw named
// groups `(?<name>...)` / `(?P<name>...)` into captures, and makes every other
// group non-capturing (captures are what make RE2 slow, and grok only reports
// named ones). The result is one RE2 regex whose capturing groups are exactly
// captures(), in order. RE2 runs in time linear in the input: no pattern can
// backtrack catastrophically.
//
// Constructs RE2 cannot run are configuration errors that name the pattern
// and the construct: look-ahead (?= (?!, look-behind (?<= (?<!, back-
// references \1 \k<n> (?P=n), atomic groups (?>...), possessive quantifiers
// *+ ++ ?+ {n}+, branch reset (?|, \Z. One rewrite keeps meaning exactly and
// is applied: a possessive quantifier on a single-character atom directly
// followed by a literal character the atom cannot match (`[^"]*+"` is
// `[^"]*"`: the atom can never give back a character the literal needs).
//
// Fast path. Extracting many submatches pushes RE2 onto its slowest engine,
// so compile() also splits the expansion's top-level concatenation into
// segments at literal bytes c that the preceding part can never contain.
// Such a boundary is forced: every match has it at the first c after the
// previous boundary. Each segment is then matched on its own, anchored,
// with only its own few captures, which keeps RE2 on its DFA/one-pass/
// bit-state engines. The submatches are provably those of the plain match
// (leftmost-first semantics: with every boundary forced, the preferred parse
// is the preferred parse of each segment in turn; see docs/grok.md). When a
// segment does not match at the forced place, there is no match starting
// there, and match() falls back to the plain RE2 search, which also covers
// matches that start later in the line. tests/unit/filters/
// grok_differential_test.cpp checks match() against match_reference() on
// the corpora and on seeded random mutations.
//
// Errors: compile() fails with ErrorCode::config: unknown pattern name,
// recursive definition, unsupported construct, bad type, RE2's own error.
// Cost: compile is build time. match() is one anchored RE2 run per segment
// plus memcmp for literals; no allocation after the first call.
// Thread-safety: match() uses internal scratch space: one thread at a time
// (pipelines are per thread); compile-time state is immutable.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "filters/grok_library.hpp"

namespace re2 {
class RE2;
}

namespace logpost::filters {

struct GrokCapture {
  enum class Type { string, integer, real };
  std::string name;  // the field reference as written: "clientip", "[source][address]"
  Type type = Type::string;
};

struct GrokCompileOptions {
  // When false, %{SYNTAX} without a semantic is captured under SYNTAX.
  bool named_captures_only = true;
  // Disables the segmented fast path (differential tests, benchmarks).
  bool fast_path = true;
};

class GrokExpression {
 public:
  static Result<GrokExpression> compile(std::string_view pattern, const GrokLibrary& library,
                                        const GrokCompileOptions& options = {});

  GrokExpression(GrokExpression&&) noexcept;
  GrokExpression& operator=(GrokExpression&&) noexcept;
  ~GrokExpression();

  // Unanchored search, as grok does. On a match, `out` holds one view per
  // capture (into `text`); a group that did not take part has data() ==
  // nullptr. Returns false (and leaves `out` unspecified) on no match.
  bool match(std::string_view text, std::vector<std::string_view>& out) const;
  // The same through one plain RE2 match with every capture: the reference
  // the fast path must agree with.
  bool match_reference(std::string_view text, std::vector<std::string_view>& out) const;

  [[nodiscard]] const std::vector<GrokCapture>& captures() const { return m_captures; }
  [[nodiscard]] const std::string& pattern() const { return m_pattern; }
  // The expanded RE2 regex.
  [[nodiscard]] const std::string& regex() const { return m_regex; }
  [[nodiscard]] bool has_fast_path() const;
  // One line per segment ("literal ' '", "regex 2 captures: ..."), for
  // tests and for `logpost-pipeline --explain`-style diagnostics.
  [[nodiscard]] std::string describe_fast_path() const;

 // How submatches are recovered (opaque; defined in grok_compiler.cpp).
  struct Plan;

 private:
  GrokExpression();
  void build_fast_path();
  bool eval(const Plan& plan, std::string_view text, size_t begin, size_t end, std::vector<std::string_view>& out) const;
  bool eval_sequence(const Plan& plan, std::string_view text, size_t begin, size_t end,
                     std::vector<std::string_view>& out) const;

  std::string m_pattern;
  std::string m_regex;
  std::vector<GrokCapture> m_captures;
  std::unique_ptr<re2::RE2> m_re;
  std::unique_ptr<Plan> m_plan;  // null: no fast path
  struct Scratch;
  std::unique_ptr<Scratch> m_scratch;  // re2::StringPiece arrays reused by match()
};

}  // namespace logpost::filters
