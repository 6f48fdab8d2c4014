// condition.hpp — a compiled `if` condition, evaluated per event.
//
// Compiled once from the parser's Expr (config_parser.hpp): field references
// are parsed, literals converted to Values, regexes compiled with RE2.
// Semantics (docs/filters.md has the table; Logstash's, with these choices
// where Logstash would raise a runtime error):
//   [f]                 true when the field exists and is neither null nor false
//   == !=               numbers compare by value (1 == 1.0), strings by bytes,
//                       arrays/objects deeply; different types are unequal;
//                       two absent fields are equal
//   < <= > >=           numbers numerically, strings lexicographically (bytes);
//                       any other pairing (or an absent side) is false
//   =~ !~               RE2 search (unanchored) on a string field; a field that
//                       is absent or not a string never matches (so !~ is true)
//   in / not in         needle in an array (element equality), substring of a
//                       string, or key of an object; absent haystack: false
//   and or xor nand !   short-circuit boolean logic
//
// Errors (ErrorCode::config, all at once): malformed field references, bad
// regular expressions, each with file:line:column.
// Cost: evaluate() does no parsing and no allocation (except formatting
// @timestamp when a condition reads it).
// Thread-safety: immutable after compile; evaluate from any thread.
#pragma once

#include <memory>
#include <vector>

#include "common/event.hpp"
#include "common/result.hpp"
#include "common/value.hpp"
#include "filters/config_parser.hpp"
#include "filters/field_ref.hpp"

namespace re2 {
class RE2;
}

namespace logpost::filters {

class Condition {
 public:
  Condition();
  ~Condition();
  Condition(Condition&&) noexcept;
  Condition& operator=(Condition&&) noexcept;
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  static Result<Condition> compile(const Expr& expr);
  [[nodiscard]] bool evaluate(const Event& event) const;

 private:
  enum class Op { field, literal, regex, eq, ne, lt, le, gt, ge, match, not_match, in, not_in, negate, and_, or_, xor_, nand };
  struct Node {
    Op op = Op::literal;
    FieldRef field;                 // Op::field
    Value literal;                  // Op::literal
    std::unique_ptr<re2::RE2> regex;  // Op::regex (also a string used as a regex)
    int lhs = -1;
    int rhs = -1;
  };

  int add(const Expr& expr, std::vector<std::string>& errors, bool as_regex = false);
  [[nodiscard]] bool eval(int index, const Event& event) const;
  [[nodiscard]] const Value* resolve(int index, const Event& event, Value& scratch) const;

  std::vector<Node> m_nodes;
  int m_root = -1;
};

// Equality and ordering as conditions use them (exposed for mutate/tests).
bool values_equal(const Value& a, const Value& b);

}  // namespace logpost::filters
