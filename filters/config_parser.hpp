// config_parser.hpp — the Logstash configuration language, parsed into an
// AST of plugin blocks and conditionals with a SourceLocation on every node.
//
// Accepted (Logstash's grammar, see docs/filters.md for the details):
//   filter { <statements> }            any number of filter sections, in order
//   input { ... }  output { ... }      parsed for syntax, then ignored with a
//                                      notice, so whole Logstash configs load
//   statement  := plugin | if
//   plugin     := name "{" (option_name "=>" value)* "}"
//   value      := "string" | 'string' | bareword | number | true | false
//               | "[" value ("," value)* "]" | "{" (key "=>" value)* "}"
//   if         := "if" condition "{" statements "}"
//                 ("else if" condition "{" statements "}")* ("else" "{" statements "}")?
//   condition  := expression (("and"|"or"|"xor"|"nand") expression)*
//   expression := "(" condition ")" | "!" expression
//               | rvalue (("=="|"!="|"<"|"<="|">"|">=") rvalue
//                         | ("=~"|"!~") (/regex/ | "string")
//                         | ("in"|"not in") rvalue)?
//   rvalue     := "string" | number | [field][ref] | [ "array", ... ] | /regex/
//   comments: "#" to the end of the line.
// In option strings, ${VAR} and ${VAR:default} are replaced by the
// environment variable's value (Logstash's substitution); an unset variable
// without a default is an error. Conditions are not substituted.
// Strings are taken raw, as Logstash does by default (config.support_escapes
// off): a backslash stays in the value, and \" does not end a "..." string.
// Precedence of boolean operators: "and"/"nand" bind tighter than "xor",
// which binds tighter than "or"; all are left-associative.
//
// Errors (ErrorCode::config): one "file:line:column: message" line per
// problem. After a syntax error inside a plugin block or a condition the
// parser skips to the end of that block and goes on, so several mistakes are
// reported in one run. Unknown plugins and options are not checked here but
// by Pipeline, which collects those errors too.
//
// Cost: one pass over the text; recursion depth bounded (256 levels of
// nesting), so hostile configs fail cleanly instead of overflowing the stack.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "filters/filter.hpp"

namespace logpost::filters {

// A conditional expression. Leaves (rvalues) and operators share one node
// type; `text` holds the operator, the field reference, the string, the
// number's source text or the regex source.
struct Expr {
  enum class Kind {
    selector,   // [a][b]           text = reference
    string,     // "text"           text = value
    number,     // 42, -1.5         text = source, number = value
    array,      // ["a", "b"]       children = items
    regex,      // /re/             text = pattern
    compare,    // == != < <= > >=  children = {lhs, rhs}
    match,      // =~ !~            children = {lhs, rhs (regex or string)}
    in,         // in, not in       children = {needle, haystack}
    negate,     // !                children = {operand}
    logical,    // and or xor nand  children = {lhs, rhs}
  };
  Kind kind = Kind::string;
  std::string text;
  double number = 0;
  std::vector<Expr> children;
  SourceLocation where;

  // True for leaves, which a condition tests for truthiness.
  [[nodiscard]] bool is_rvalue() const {
    return kind == Kind::selector || kind == Kind::string || kind == Kind::number || kind == Kind::array ||
           kind == Kind::regex;
  }
};

struct Branch;

// One statement of a filter section: a plugin block or an if/else chain.
struct Statement {
  enum class Kind { plugin, conditional };
  Kind kind = Kind::plugin;
  PluginBlock plugin;              // Kind::plugin
  std::vector<Branch> branches;    // Kind::conditional: if, else if..., else
  SourceLocation where;
};

struct Branch {
  std::optional<Expr> condition;   // empty for the final "else"
  std::vector<Statement> body;
  SourceLocation where;
};

struct ParsedConfig {
  std::vector<Statement> filters;      // every filter section, concatenated
  std::vector<std::string> notices;    // "file:line:col: notice: ..." (ignored sections)
};

// Parses a whole configuration. `origin` names the text in locations (a
// file name, "<string>").
Result<ParsedConfig> parse_config(std::string_view text, std::string_view origin);

// The same, returning what could be parsed and appending each error line
// to `errors` (Pipeline uses it to report syntax and plugin errors together).
ParsedConfig parse_config_collecting(std::string_view text, std::string_view origin, std::vector<std::string>& errors);

// Parses a lone condition ("[status] >= 500 and [verb] == 'GET'"), for tests
// and tools.
Result<Expr> parse_condition(std::string_view text, std::string_view origin);

}  // namespace logpost::filters
