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
// Fast path. Extracting many submatches pushes RE2 onto its slowest engine
// (the NFA: tens of microseconds per access-log line), so compile() also
// builds a span plan from the parsed expansion. match() first finds the span
// of the leftmost match with the DFA alone (no submatches), then recovers
// the submatches structurally: a capturing group over a known span is that
// span; of alternatives over a known span the first that matches it wins
// (literal ones by memcmp); a concatenation is split at literal bytes whose
// position is the same in every parse of the span (the part before can never
// contain the byte, or the span holds exactly as many of that byte as there
// are literal ones left, or a trailing (?:c...)? after a part without c).
// Under leftmost-first semantics the preferred parse of the whole is then the
// preferred parse of each piece in turn, so the result equals the plain
// match; pieces without such structure run through RE2 with only their own
// captures, anchored on their span. Any inconsistency falls back to the
// plain match (match_reference()). docs/grok.md gives the argument;
// tests/unit/filters/grok_differential_test.cpp checks match() against
// match_reference() on the corpora, seeded mutations and random expressions.
//
// Errors: compile() fails with ErrorCode::config: unknown pattern name,
// recursive definition, unsupported construct, bad type, RE2's own error.
// Cost: compile is build time. match() is one DFA pass over the line plus,
// per piece that needs it, one small anchored RE2 run; memchr/memcmp for
// literals; no allocation after the first call.
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
  // Disables the span-plan fast path (differential tests, benchmarks).
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
  // The span plan, one line per node ("capture #3", "literal ' ' forced"), for
  // tests and for `logpost-pipeline --explain`-style diagnostics.
  [[nodiscard]] std::string describe_fast_path() const;

 // How submatches are recovered (opaque; defined in grok_compiler.cpp).
  struct Plan;

 private:
  GrokExpression();
  void build_fast_path();
  bool eval(const Plan& plan, std::string_view text, size_t begin, size_t end, std::vector<std::string_view>& out,
            bool validate) const;
  bool eval_sequence(const Plan& plan, std::string_view text, size_t begin, size_t end,
                     std::vector<std::string_view>& out, bool validate) const;

  std::string m_pattern;
  std::string m_regex;
  std::vector<GrokCapture> m_captures;
  std::unique_ptr<re2::RE2> m_re;
  std::unique_ptr<Plan> m_plan;  // null: no fast path
  bool m_validate_pieces = false;  // m_plan can prove a match without the DFA (match())
  struct Scratch;
  std::unique_ptr<Scratch> m_scratch;  // re2::StringPiece arrays reused by match()
};

}  // namespace logpost::filters
