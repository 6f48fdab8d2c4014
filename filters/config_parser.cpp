#include "filters/config_parser.hpp"

#include <cstdlib>
#include <utility>

namespace logpost::filters {
namespace {

// Thrown inside the parser only; parse_config()/parse_condition() catch it,
// so no exception crosses the library boundary.
struct ParseError {
  SourceLocation where;
  std::string message;
};

constexpr int k_max_depth = 256;

bool is_word_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_word_char(char c) { return is_word_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Parser {
 public:
  Parser(std::string_view text, std::string_view origin) : m_text(text), m_origin(origin) {}

  ParsedConfig parse_config() {
    ParsedConfig config;
    try {
      for (;;) {
        skip_ws();
        if (at_end()) break;
        SourceLocation where = here();
        if (!is_word_start(peek())) throw error(where, "expected a section ('filter', 'input' or 'output')");
        std::string name = bareword();
        expect('{', "'{' after '" + name + "'");
        if (name == "filter") {
          auto body = statements(where);
          for (auto& s : body) config.filters.push_back(std::move(s));
        } else if (name == "input" || name == "output") {
          // Parsed so that syntax errors still surface, then dropped: shipping
          // and storage are logpost's own business.
          (void)statements(where);
          config.notices.push_back(where.to_string() + ": notice: '" + name +
                                   "' section ignored (logpost runs only the filter section)");
        } else {
          m_errors.push_back(where.to_string() + ": unknown section '" + name + "' (expected filter, input or output)");
          skip_block_rest();
        }
      }
    } catch (const ParseError& e) {
      record(e);
    }
    config.notices.insert(config.notices.begin(), m_notices.begin(), m_notices.end());
    return config;
  }

  std::optional<Expr> parse_lone_condition() {
    try {
      Expr e = condition();
      skip_ws();
      if (!at_end()) throw error(here(), std::string("unexpected '") + peek() + "' after the condition");
      return e;
    } catch (const ParseError& e) {
      record(e);
      return std::nullopt;
    }
  }

  [[nodiscard]] const std::vector<std::string>& errors() const { return m_errors; }

 private:
  // ---- position and lexing helpers ----
  [[nodiscard]] bool at_end() const { return m_pos >= m_text.size(); }
  [[nodiscard]] char peek(size_t k = 0) const { return m_pos + k < m_text.size() ? m_text[m_pos + k] : '\0'; }
  [[nodiscard]] SourceLocation here() const { return SourceLocation{m_origin, m_line, m_col}; }

  void advance(size_t n = 1) {
    for (size_t i = 0; i < n && m_pos < m_text.size(); ++i) {
      if (m_text[m_pos] == '\n') {
        ++m_line;
        m_col = 1;
      } else {
        ++m_col;
      }
      ++m_pos;
    }
  }

  void skip_ws() {
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
        advance();
      } else if (c == '#') {
        while (!at_end() && peek() != '\n') advance();
      } else {
        break;
      }
    }
  }

  static ParseError error(SourceLocation where, std::string message) {
    return ParseError{std::move(where), std::move(message)};
  }

  void record(const ParseError& e) { m_errors.push_back(e.where.to_string() + ": " + e.message); }

  [[noreturn]] void unexpected(const std::string& expected) {
    if (at_end()) throw error(here(), "unexpected end of input, expected " + expected);
    throw error(here(), std::string("unexpected '") + peek() + "', expected " + expected);
  }

  void expect(char c, const std::string& what) {
    skip_ws();
    if (peek() != c) unexpected(what);
    advance();
  }

  // The word at the cursor (after whitespace), without consuming it.
  std::string_view peek_word() {
    skip_ws();
    size_t end = m_pos;
    if (end < m_text.size() && is_word_start(m_text[end]))
      while (end < m_text.size() && is_word_char(m_text[end])) ++end;
    return m_text.substr(m_pos, end - m_pos);
  }

  std::string bareword() {
    skip_ws();
    if (!is_word_start(peek())) unexpected("a name");
    size_t start = m_pos;
    while (!at_end() && is_word_char(peek())) advance();
    return std::string(m_text.substr(start, m_pos - start));
  }

  // "..." or '...', raw: a backslash stays, and escapes the quote from
  // ending the string (Logstash's default, config.support_escapes off).
  std::string quoted() {
    SourceLocation where = here();
    char q = peek();
    advance();
    size_t start = m_pos;
    while (!at_end() && peek() != q) {
      if (peek() == '\\' && peek(1) == q) advance();
      advance();
    }
    if (at_end()) throw error(where, "unterminated string");
    std::string s(m_text.substr(start, m_pos - start));
    advance();
    return s;
  }

  std::pair<std::string, double> number() {
    SourceLocation where = here();
    size_t start = m_pos;
    if (peek() == '-') advance();
    if (!is_digit(peek())) throw error(where, "expected a number");
    while (is_digit(peek())) advance();
    if (peek() == '.') {
      advance();
      while (is_digit(peek())) advance();
    }
    std::string text(m_text.substr(start, m_pos - start));
    return {text, std::strtod(text.c_str(), nullptr)};
  }

  // Skips to the '}' that closes the block whose '{' was consumed last,
  // stepping over strings and comments; used to recover after an error.
  void skip_block_rest() {
    int depth = 1;
    while (!at_end()) {
      char c = peek();
      if (c == '"' || c == '\'') {
        char q = c;
        advance();
        while (!at_end() && peek() != q) {
          if (peek() == '\\' && peek(1) == q) advance();
          advance();
        }
        advance();
      } else if (c == '#') {
        while (!at_end() && peek() != '\n') advance();
      } else if (c == '{') {
        ++depth;
        advance();
      } else if (c == '}') {
        advance();
        if (--depth == 0) return;
      } else {
        advance();
      }
    }
    throw error(here(), "unexpected end of input inside a block");
  }

  struct Mark {
    size_t pos;
    int line;
    int col;
  };
  [[nodiscard]] Mark mark() const { return Mark{m_pos, m_line, m_col}; }
  void reset(const Mark& m) {
    m_pos = m.pos;
    m_line = m.line;
    m_col = m.col;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : parser(p) {
      if (parser.m_depth >= k_max_depth) throw error(parser.here(), "nesting too deep");
      ++parser.m_depth;
    }
    ~DepthGuard() { --parser.m_depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Parser& parser;
  };

  // ---- statements ----
  // After '{': statements until the matching '}'.
  std::vector<Statement> statements(const SourceLocation& opened_at) {
    DepthGuard guard(*this);
    std::vector<Statement> out;
    for (;;) {
      skip_ws();
      if (at_end()) throw error(opened_at, "block is never closed (missing '}')");
      if (peek() == '}') {
        advance();
        return out;
      }
      std::string_view word = peek_word();
      if (word == "if") {
        out.push_back(conditional());
      } else if (word == "else") {
        throw error(here(), "'else' without 'if'");
      } else if (!word.empty() || peek() == '"' || peek() == '\'') {
        if (auto p = plugin()) out.push_back(std::move(*p));
      } else {
        unexpected("a plugin name, 'if' or '}'");
      }
    }
  }

  std::optional<Statement> plugin() {
    Statement st;
    st.kind = Statement::Kind::plugin;
    st.where = here();
    st.plugin.where = st.where;
    st.plugin.name = (peek() == '"' || peek() == '\'') ? quoted() : bareword();
    expect('{', "'{' after plugin name '" + st.plugin.name + "'");
    Mark body = mark();
    try {
      plugin_options(st.plugin);
    } catch (const ParseError& e) {
      record(e);
      reset(body);
      skip_block_rest();
      return std::nullopt;
    }
    return st;
  }

  void plugin_options(PluginBlock& block) {
    for (;;) {
      skip_ws();
      if (at_end()) throw error(block.where, "plugin block '" + block.name + "' is never closed (missing '}')");
      if (peek() == '}') {
        advance();
        return;
      }
      std::string name;
      if (peek() == '"' || peek() == '\'') name = quoted();
      else if (is_word_start(peek())) name = bareword();
      else unexpected("an option name or '}'");
      skip_ws();
      if (peek() != '=' || peek(1) != '>') unexpected("'=>' after option '" + name + "'");
      advance(2);
      OptionValue v = value();
      block.options.emplace_back(std::move(name), std::move(v));
    }
  }

  OptionValue value() {
    DepthGuard guard(*this);
    skip_ws();
    OptionValue v;
    v.where = here();
    char c = peek();
    if (c == '"' || c == '\'') {
      v.kind = OptionValue::Kind::string;
      v.string = quoted();
      expand_environment(v.string, v.where);
    } else if (is_digit(c) || (c == '-' && is_digit(peek(1)))) {
      v.kind = OptionValue::Kind::number;
      auto [text, num] = number();
      v.string = std::move(text);
      v.number = num;
    } else if (c == '[') {
      v.kind = OptionValue::Kind::array;
      advance();
      skip_ws();
      if (peek() == ']') {
        advance();
        return v;
      }
      for (;;) {
        v.array.push_back(value());
        skip_ws();
        if (peek() == ',') {
          advance();
          continue;
        }
        if (peek() == ']') {
          advance();
          return v;
        }
        unexpected("',' or ']' in array");
      }
    } else if (c == '{') {
      v.kind = OptionValue::Kind::hash;
      advance();
      hash_entries(v);
    } else if (is_word_start(c)) {
      std::string word = bareword();
      skip_ws();
      if (peek() == '{') {
        // A plugin as a value (codec => json { ... }): kept as a hash whose
        // string names the plugin.
        advance();
        v.kind = OptionValue::Kind::hash;
        v.string = std::move(word);
        PluginBlock inner;
        inner.name = v.string;
        inner.where = v.where;
        plugin_options(inner);
        for (auto& [k, val] : inner.options) {
          OptionValue key;
          key.kind = OptionValue::Kind::string;
          key.string = k;
          key.where = val.where;
          v.hash.emplace_back(std::move(key), std::move(val));
        }
      } else if (word == "true" || word == "false") {
        v.kind = OptionValue::Kind::boolean;
        v.boolean = word == "true";
        v.string = std::move(word);
      } else {
        v.kind = OptionValue::Kind::string;
        v.string = std::move(word);
      }
    } else {
      unexpected("a value (string, number, boolean, [array] or {hash})");
    }
    return v;
  }

  // Logstash's ${VAR} and ${VAR:default} in option strings. An unset
  // variable without a default is an error (recorded, parsing goes on).
  void expand_environment(std::string& text, const SourceLocation& where) {
    if (text.find("${") == std::string::npos) return;
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
      size_t open = text.find("${", i);
      size_t close = open == std::string::npos ? std::string::npos : text.find('}', open + 2);
      if (close == std::string::npos) {
        out.append(text, i, std::string::npos);
        break;
      }
      out.append(text, i, open - i);
      std::string spec = text.substr(open + 2, close - open - 2);
      size_t colon = spec.find(':');
      std::string name = spec.substr(0, colon);
      bool valid = !name.empty() && is_word_start(name[0]);
      for (char ch : name) valid = valid && is_word_char(ch);
      if (!valid) {
        out.append(text, open, close - open + 1);  // not a variable reference: kept as written
      } else if (const char* env = std::getenv(name.c_str())) {
        out += env;
      } else if (colon != std::string::npos) {
        out += spec.substr(colon + 1);
      } else {
        m_errors.push_back(where.to_string() + ": environment variable '" + name +
                           "' is not set (write ${" + name + ":default} for a default)");
      }
      i = close + 1;
    }
    text = std::move(out);
  }

  // After '{': `key => value` entries until '}'. Logstash separates entries
  // with whitespace; a comma between them is accepted too.
  void hash_entries(OptionValue& v) {
    for (;;) {
      skip_ws();
      if (peek() == '}') {
        advance();
        return;
      }
      if (peek() == ',' && !v.hash.empty()) {
        advance();
        continue;
      }
      OptionValue key;
      key.where = here();
      key.kind = OptionValue::Kind::string;
      char c = peek();
      if (c == '"' || c == '\'') key.string = quoted();
      else if (is_digit(c) || (c == '-' && is_digit(peek(1)))) key.string = number().first;
      else if (is_word_start(c)) key.string = bareword();
      else unexpected("a hash key or '}'");
      skip_ws();
      if (peek() != '=' || peek(1) != '>') unexpected("'=>' after hash key '" + key.string + "'");
      advance(2);
      OptionValue val = value();
      v.hash.emplace_back(std::move(key), std::move(val));
    }
  }

  Statement conditional() {
    Statement st;
    st.kind = Statement::Kind::conditional;
    st.where = here();
    (void)bareword();  // "if"
    st.branches.push_back(branch(st.where, true));
    for (;;) {
      if (peek_word() != "else") break;
      SourceLocation else_at = here();
      (void)bareword();
      if (peek_word() == "if") {
        (void)bareword();
        st.branches.push_back(branch(else_at, true));
      } else {
        st.branches.push_back(branch(else_at, false));
        break;
      }
    }
    return st;
  }

  Branch branch(const SourceLocation& where, bool with_condition) {
    Branch b;
    b.where = where;
    if (with_condition) {
      Mark start = mark();
      try {
        b.condition = condition();
        skip_ws();
        if (peek() != '{') unexpected("'{' after the condition");
      } catch (const ParseError& e) {
        // Resynchronise on the branch's '{' so the body is still checked.
        record(e);
        reset(start);
        while (!at_end() && peek() != '{') {
          if (peek() == '"' || peek() == '\'') (void)quoted();
          else advance();
        }
      }
    }
    SourceLocation opened = here();
    expect('{', "'{'");
    b.body = statements(opened);
    return b;
  }

  // ---- conditions ----
  Expr logical(std::string op, Expr lhs, Expr rhs, SourceLocation where) {
    Expr e;
    e.kind = Expr::Kind::logical;
    e.text = std::move(op);
    e.where = std::move(where);
    e.children.push_back(std::move(lhs));
    e.children.push_back(std::move(rhs));
    return e;
  }

 public:
  Expr condition() {
    DepthGuard guard(*this);
    Expr lhs = xor_expr();
    for (;;) {
      std::string_view w = peek_word();
      if (w != "or") return lhs;
      SourceLocation where = here();
      (void)bareword();
      Expr rhs = xor_expr();
      lhs = logical("or", std::move(lhs), std::move(rhs), where);
    }
  }

 private:
  Expr xor_expr() {
    Expr lhs = and_expr();
    for (;;) {
      if (peek_word() != "xor") return lhs;
      SourceLocation where = here();
      (void)bareword();
      Expr rhs = and_expr();
      lhs = logical("xor", std::move(lhs), std::move(rhs), where);
    }
  }

  Expr and_expr() {
    Expr lhs = unary();
    for (;;) {
      std::string_view w = peek_word();
      if (w != "and" && w != "nand") return lhs;
      SourceLocation where = here();
      std::string op = bareword();
      Expr rhs = unary();
      lhs = logical(std::move(op), std::move(lhs), std::move(rhs), where);
    }
  }

  Expr unary() {
    DepthGuard guard(*this);
    skip_ws();
    SourceLocation where = here();
    if (peek() == '!') {
      advance();
      Expr e;
      e.kind = Expr::Kind::negate;
      e.where = where;
      e.children.push_back(unary());
      return e;
    }
    if (peek() == '(') {
      advance();
      Expr e = condition();
      expect(')', "')'");
      return e;
    }
    Expr lhs = rvalue();
    skip_ws();
    char c0 = peek(), c1 = peek(1);
    std::string op;
    if ((c0 == '=' || c0 == '!') && c1 == '=') op = std::string{c0, c1};
    else if ((c0 == '<' || c0 == '>') && c1 == '=') op = std::string{c0, c1};
    else if (c0 == '<' || c0 == '>') op = std::string{c0};
    if (!op.empty()) {
      SourceLocation op_at = here();
      advance(op.size());
      Expr e;
      e.kind = Expr::Kind::compare;
      e.text = op;
      e.where = op_at;
      e.children.push_back(std::move(lhs));
      e.children.push_back(rvalue());
      return e;
    }
    if ((c0 == '=' || c0 == '!') && c1 == '~') {
      SourceLocation op_at = here();
      advance(2);
      Expr e;
      e.kind = Expr::Kind::match;
      e.text = std::string{c0, c1};
      e.where = op_at;
      e.children.push_back(std::move(lhs));
      skip_ws();
      if (peek() != '/' && peek() != '"' && peek() != '\'') unexpected("a /regex/ or a string after '" + e.text + "'");
      e.children.push_back(rvalue());
      return e;
    }
    std::string_view w = peek_word();
    if (w == "in" || w == "not") {
      SourceLocation op_at = here();
      (void)bareword();
      std::string in_op = "in";
      if (w == "not") {
        if (peek_word() != "in") unexpected("'in' after 'not'");
        (void)bareword();
        in_op = "not in";
      }
      Expr e;
      e.kind = Expr::Kind::in;
      e.text = std::move(in_op);
      e.where = op_at;
      e.children.push_back(std::move(lhs));
      e.children.push_back(rvalue());
      return e;
    }
    return lhs;
  }

  // Logstash's selector: one or more "[name]" with no brackets, commas or
  // quotes inside. Anything else starting with '[' is an array literal.
  bool try_selector(Expr& out) {
    size_t j = m_pos;
    size_t elements = 0;
    while (j < m_text.size() && m_text[j] == '[') {
      size_t k = j + 1;
      while (k < m_text.size() && m_text[k] != ']' && m_text[k] != '[' && m_text[k] != ',' && m_text[k] != '"' &&
             m_text[k] != '\'' && m_text[k] != '\n')
        ++k;
      if (k >= m_text.size() || m_text[k] != ']' || k == j + 1) return false;
      ++elements;
      j = k + 1;
    }
    if (elements == 0) return false;
    out.kind = Expr::Kind::selector;
    out.text = std::string(m_text.substr(m_pos, j - m_pos));
    advance(j - m_pos);
    return true;
  }

  Expr rvalue() {
    DepthGuard guard(*this);
    skip_ws();
    Expr e;
    e.where = here();
    char c = peek();
    if (c == '"' || c == '\'') {
      e.kind = Expr::Kind::string;
      e.text = quoted();
    } else if (c == '/') {
      e.kind = Expr::Kind::regex;
      advance();
      size_t start = m_pos;
      while (!at_end() && peek() != '/' && peek() != '\n') {
        if (peek() == '\\' && peek(1) == '/') advance();
        advance();
      }
      if (peek() != '/') throw error(e.where, "unterminated /regex/");
      e.text = std::string(m_text.substr(start, m_pos - start));
      advance();
    } else if (is_digit(c) || (c == '-' && is_digit(peek(1)))) {
      e.kind = Expr::Kind::number;
      auto [text, num] = number();
      e.text = std::move(text);
      e.number = num;
    } else if (c == '[') {
      if (try_selector(e)) return e;
      e.kind = Expr::Kind::array;
      advance();
      skip_ws();
      if (peek() == ']') {
        advance();
        return e;
      }
      for (;;) {
        Expr item = rvalue();
        if (item.kind != Expr::Kind::string && item.kind != Expr::Kind::number)
          throw error(item.where, "array items in conditions must be strings or numbers");
        e.children.push_back(std::move(item));
        skip_ws();
        if (peek() == ',') {
          advance();
          continue;
        }
        if (peek() == ']') {
          advance();
          return e;
        }
        unexpected("',' or ']' in array");
      }
    } else if (is_word_start(c)) {
      std::string word = bareword();
      throw error(e.where, "unexpected bare word '" + word + "' in condition (quote strings, write fields as [name])");
    } else {
      unexpected("a value: [field], \"string\", number, [array] or /regex/");
    }
    return e;
  }

  std::string_view m_text;
  std::string m_origin;
  size_t m_pos = 0;
  int m_line = 1;
  int m_col = 1;
  int m_depth = 0;
  std::vector<std::string> m_errors;
  std::vector<std::string> m_notices;
};

Result<void> join_errors(const std::vector<std::string>& errors) {
  std::string message;
  for (const auto& e : errors) message += (message.empty() ? "" : "\n") + e;
  return fail(ErrorCode::config, std::move(message));
}

}  // namespace

Result<ParsedConfig> parse_config(std::string_view text, std::string_view origin) {
  Parser parser(text, origin);
  ParsedConfig config = parser.parse_config();
  if (!parser.errors().empty()) return tl::unexpected(join_errors(parser.errors()).error());
  return config;
}

ParsedConfig parse_config_collecting(std::string_view text, std::string_view origin, std::vector<std::string>& errors) {
  Parser parser(text, origin);
  ParsedConfig config = parser.parse_config();
  errors.insert(errors.end(), parser.errors().begin(), parser.errors().end());
  return config;
}

Result<Expr> parse_condition(std::string_view text, std::string_view origin) {
  Parser parser(text, origin);
  auto e = parser.parse_lone_condition();
  if (!parser.errors().empty() || !e) return tl::unexpected(join_errors(parser.errors()).error());
  return std::move(*e);
}

}  // namespace logpost::filters
