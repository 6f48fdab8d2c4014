#include "filters/grok_compiler.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cstring>

namespace logpost::filters {

using ByteSet = std::bitset<256>;

// Piecewise validation's types (named, not anonymous: Plan holds them).
namespace grok_validation {

// A 7-bit byte set: validation runs on ASCII text only. A table, one load
// per byte tested; `sole_absent`: the one ASCII byte not in the set, when
// there is exactly one (`.` lacks only \n), so a run is a memchr.
struct AsciiSet {
  std::array<bool, 256> member{};
  int sole_absent = -1;
  int sole_member = -1;  // the one byte in the set, when there is exactly one
  void add(unsigned c) {
    if (c < 0x80) member[c] = true;
  }
  [[nodiscard]] bool has(unsigned char c) const { return member[c]; }
  void finish() {
    int absent = 0;
    int present = 0;
    for (unsigned c = 0; c < 0x80; ++c) {
      if (!member[c]) {
        ++absent;
        sole_absent = static_cast<int>(c);
      } else {
        ++present;
        sole_member = static_cast<int>(c);
      }
    }
    if (absent != 1) sole_absent = -1;
    if (present != 1) sole_member = -1;
  }
};

// One element of a piece check: a run of min..max bytes from `set`, an
// optional group (tried greedily, skipped when it does not fit), an
// alternation (the first alternative that fits), or ^, $, \b, \B.
struct CheckElement {
  enum class Kind { run, literal, optional, alternation, line_start, line_end, word_boundary, not_word_boundary };
  Kind kind = Kind::run;
  AsciiSet set;
  size_t min = 1;
  size_t max = 1;  // SIZE_MAX: unbounded
  std::string literal;  // literal: consecutive single-byte runs, merged
  std::vector<CheckElement> group;                    // optional
  std::vector<std::vector<CheckElement>> alternatives;  // alternation
  // alternation of at most 64: per byte, the alternatives that can start
  // with it (bit i); the others are not tried.
  std::vector<uint64_t> starting_with;
};

struct PieceCheck {
  std::vector<CheckElement> elements;
};

}  // namespace grok_validation
using grok_validation::AsciiSet;
using grok_validation::CheckElement;
using grok_validation::PieceCheck;

// How to recover the submatches of a piece of the expression once the span
// it matched is known (see build_fast_path()).
struct GrokExpression::Plan {
  enum class Kind {
    free,           // no captures inside: nothing to extract
    capture,        // one capturing group = the whole span; `child` for inner captures
    alternatives,   // a|b|c: the first alternative that matches the whole span wins
    optional,       // (?:x)? or (?:x)??
    sequence,       // a concatenation split at forced literal boundaries
    engine,         // RE2 with this piece's captures, anchored on the span
  };
  struct Item {
    bool literal = false;
    unsigned char byte = 0;
    bool forced = false;  // literal: the run before it can never contain `byte`
    int same_literals_after = 0;  // literal: literal items with `byte` from here to the end
    std::unique_ptr<Plan> plan;   // non-literal
  };
  struct Alternative {
    bool is_literal = false;
    std::string literal;
    std::unique_ptr<re2::RE2> test;  // full-match test, no submatches (DFA)
    std::unique_ptr<PieceCheck> check;  // tried before `test`: a pass proves the match
    std::unique_ptr<Plan> plan;
  };
  Kind kind = Kind::free;
  int capture = -1;
  bool lazy = false;
  bool never_empty = false;  // optional: the group cannot match "" (it holds a literal)
  std::unique_ptr<Plan> child;
  std::unique_ptr<re2::RE2> re;  // engine; optional: the test
  int first_capture = 0;
  int captures = 0;
  std::vector<Alternative> alternatives;
  std::vector<Item> items;
  // sequence: for the non-literal run starting at item i, an engine for
  // items [i, next literal) (runs[i]) and one for items [i, end) (suffixes[i]).
  std::vector<std::unique_ptr<Plan>> runs;
  std::vector<std::unique_ptr<Plan>> suffixes;
  // sequence ending in an optional group that starts with literal byte
  // `tail_byte`, after a run that can never contain that byte: the run ends
  // at the first tail_byte, or at the end when there is none. `tail_run` is
  // the plan of that run (items from the last literal up to the optional).
  int tail_byte = -1;
  std::unique_ptr<Plan> tail_run;
  std::string source;  // the regex text, for describe_fast_path()

  // Piecewise validation (GrokExpression::match on an expression anchored at
  // both ends, ASCII text): a free piece, or a capture without inner
  // captures, proves its span matches with `check` (a greedy walk over byte
  // classes) or, when the piece is beyond it, with `check_re` (RE2, anchored
  // on the span, no submatches).
  std::unique_ptr<PieceCheck> check;
  std::unique_ptr<re2::RE2> check_re;
  // sequence: for a run that is one consuming node between ^/$ assertions
  // (runs[i] is that node's plan), the assertions: (after the node?, is $).
  // run_unsure[i]: the run has another zero-width assertion (\b...).
  std::vector<std::vector<std::pair<bool, bool>>> run_asserts;
  std::vector<bool> run_unsure;
  std::vector<std::pair<bool, bool>> tail_asserts;
  bool tail_unsure = false;

  [[nodiscard]] bool validates(std::string_view text, size_t begin, size_t end) const;
};

struct GrokExpression::Scratch {
  std::vector<re2::StringPiece> subs;
};

namespace {

// ---------------------------------------------------------------------------
// Byte sets: which bytes can occur anywhere inside a match of a regex piece.
// Always an over-approximation: a byte absent from the set provably never
// occurs in a match; that is all the fast path relies on. Non-ASCII runes
// only ever produce bytes >= 0x80 in UTF-8, so they are summarised as "all
// high bytes".

ByteSet range_set(int lo, int hi) {
  ByteSet s;
  for (int c = lo; c <= hi; ++c) s.set(static_cast<size_t>(c));
  return s;
}
ByteSet high_bytes() { return range_set(0x80, 0xff); }
ByteSet all_bytes() { return ByteSet().set(); }
ByteSet digit_set() { return range_set('0', '9'); }
ByteSet word_set() { return range_set('0', '9') | range_set('A', 'Z') | range_set('a', 'z') | range_set('_', '_'); }
ByteSet space_set() {  // RE2's \s: [\t\n\f\r ]
  ByteSet s;
  for (char c : {'\t', '\n', '\f', '\r', ' '}) s.set(static_cast<unsigned char>(c));
  return s;
}
ByteSet complement_ascii(const ByteSet& s) {
  ByteSet r = high_bytes();
  for (size_t c = 0; c < 0x80; ++c)
    if (!s[c]) r.set(c);
  return r;
}

bool posix_class(std::string_view name, ByteSet& out) {
  if (name == "alnum") out = range_set('0', '9') | range_set('A', 'Z') | range_set('a', 'z');
  else if (name == "alpha") out = range_set('A', 'Z') | range_set('a', 'z');
  else if (name == "ascii") out = range_set(0, 0x7f);
  else if (name == "blank") out = range_set(' ', ' ') | range_set('\t', '\t');
  else if (name == "cntrl") out = range_set(0, 0x1f) | range_set(0x7f, 0x7f);
  else if (name == "digit") out = digit_set();
  else if (name == "graph") out = range_set('!', '~');
  else if (name == "lower") out = range_set('a', 'z');
  else if (name == "print") out = range_set(' ', '~');
  else if (name == "punct") out = range_set('!', '/') | range_set(':', '@') | range_set('[', '`') | range_set('{', '~');
  else if (name == "space") out = range_set('\t', '\r') | range_set(' ', ' ');
  else if (name == "upper") out = range_set('A', 'Z');
  else if (name == "word") out = word_set();
  else if (name == "xdigit") out = range_set('0', '9') | range_set('A', 'F') | range_set('a', 'f');
  else return false;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A single-character escape "\x" at re[i] (re[i] == '\\'). Returns the
// index after it; `value` is the character (-1 when the escape is a class
// or unknown), `set` what it may match.
size_t parse_escape(std::string_view re, size_t i, int& value, ByteSet& set, bool& empty_width) {
  value = -1;
  empty_width = false;
  size_t n = re.size();
  if (i + 1 >= n) {
    set = all_bytes();
    return n;
  }
  char d = re[i + 1];
  size_t j = i + 2;
  switch (d) {
    case 'd': set = digit_set(); return j;
    case 'D': set = complement_ascii(digit_set()); return j;
    case 'w': set = word_set(); return j;
    case 'W': set = complement_ascii(word_set()); return j;
    case 's': set = space_set(); return j;
    case 'S': set = complement_ascii(space_set()); return j;
    case 'b': case 'B': case 'A': case 'z': empty_width = true; set.reset(); return j;
    case 'n': value = '\n'; break;
    case 't': value = '\t'; break;
    case 'r': value = '\r'; break;
    case 'f': value = '\f'; break;
    case 'v': value = '\v'; break;
    case 'a': value = '\a'; break;
    case 'p': case 'P':
      set = all_bytes();
      if (j < n && re[j] == '{') {
        size_t e = re.find('}', j);
        return e == std::string_view::npos ? n : e + 1;
      }
      return std::min(n, j + 1);
    case 'x': {
      long v = 0;
      if (j < n && re[j] == '{') {
        size_t e = re.find('}', j);
        if (e == std::string_view::npos) { set = all_bytes(); return n; }
        for (size_t k = j + 1; k < e; ++k) {
          int h = hex_value(re[k]);
          if (h < 0 || v > 0x10ffff) { v = 0x110000; break; }
          v = v * 16 + h;
        }
        j = e + 1;
      } else {
        int h1 = j < n ? hex_value(re[j]) : -1;
        int h2 = j + 1 < n ? hex_value(re[j + 1]) : -1;
        if (h1 < 0 || h2 < 0) { set = all_bytes(); return std::min(n, j + 2); }
        v = h1 * 16 + h2;
        j += 2;
      }
      if (v < 0x80) value = static_cast<int>(v);
      else { set = high_bytes(); return j; }
      break;
    }
    default:
      if ((d >= '!' && d <= '/') || (d >= ':' && d <= '@') || (d >= '[' && d <= '`') || (d >= '{' && d <= '~')) {
        value = static_cast<unsigned char>(d);
        break;
      }
      set = all_bytes();  // octal, \C, anything unusual: assume anything
      return j;
  }
  set.reset();
  set.set(static_cast<size_t>(value));
  return j;
}

// A character class at re[i] == '['. Returns the index after its ']' or npos
// when unterminated; `set` receives what it may match.
size_t parse_class(std::string_view re, size_t i, ByteSet& set) {
  size_t n = re.size();
  size_t j = i + 1;
  bool negated = false;
  if (j < n && re[j] == '^') { negated = true; ++j; }
  ByteSet members;
  bool unknown = false;
  bool first = true;
  auto read_char = [&](size_t& k, int& value) {  // one class element that can be a range end
    value = -1;
    if (re[k] == '\\') {
      ByteSet s;
      bool empty = false;
      k = parse_escape(re, k, value, s, empty);
      if (value < 0) members |= s;
      if (empty) unknown = true;
      return;
    }
    auto c = static_cast<unsigned char>(re[k]);
    ++k;
    if (c < 0x80) { value = c; return; }
    while (k < n && (static_cast<unsigned char>(re[k]) & 0xc0) == 0x80) ++k;
    value = 0x80;  // any non-ASCII rune: "somewhere in the high bytes"
  };
  while (j < n) {
    if (re[j] == ']' && !first) {
      ++j;
      if (unknown) set = all_bytes();
      else if (negated) set = complement_ascii(members);
      else set = members;
      return j;
    }
    first = false;
    if (re[j] == '[' && j + 1 < n && re[j + 1] == ':') {
      size_t e = re.find(":]", j + 2);
      if (e == std::string_view::npos) return std::string_view::npos;
      std::string_view name = re.substr(j + 2, e - j - 2);
      bool neg = !name.empty() && name[0] == '^';
      if (neg) name.remove_prefix(1);
      ByteSet s;
      if (!posix_class(name, s)) unknown = true;
      members |= neg ? complement_ascii(s) : s;
      j = e + 2;
      continue;
    }
    int lo = -1;
    read_char(j, lo);
    if (lo < 0) continue;
    if (j + 1 < n && re[j] == '-' && re[j + 1] != ']') {
      ++j;
      int hi = -1;
      read_char(j, hi);
      if (hi < 0) { unknown = true; continue; }
      if (lo >= 0x80 || hi >= 0x80) members |= high_bytes();
      if (lo < 0x80) members |= range_set(lo, std::min(hi, 0x7f));
      continue;
    }
    if (lo >= 0x80) members |= high_bytes();
    else members.set(static_cast<size_t>(lo));
  }
  return std::string_view::npos;
}

// "{n}", "{n,}", "{n,m}" at re[i]: the index after it, or npos when the brace
// is a literal (RE2's rule too).
size_t repetition_end(std::string_view re, size_t i) {
  size_t n = re.size();
  size_t j = i + 1;
  size_t digits = 0;
  while (j < n && re[j] >= '0' && re[j] <= '9') { ++j; ++digits; }
  if (digits == 0) return std::string_view::npos;
  if (j < n && re[j] == ',') {
    ++j;
    while (j < n && re[j] >= '0' && re[j] <= '9') ++j;
  }
  if (j < n && re[j] == '}') return j + 1;
  return std::string_view::npos;
}

// ---------------------------------------------------------------------------
// Expansion of %{...} references into one RE2 regex.

class Expander {
 public:
  Expander(const GrokLibrary& library, const GrokCompileOptions& options) : m_library(library), m_options(options) {}

  Result<void> expand(std::string_view re, const std::string& what);

  std::string out;
  std::vector<GrokCapture> captures;

 private:
  const GrokLibrary& m_library;
  const GrokCompileOptions& m_options;
  std::vector<std::string> m_stack;
};

Result<void> Expander::expand(std::string_view re, const std::string& what) {
  auto err = [&](const std::string& message) -> Result<void> {
    return fail(ErrorCode::config, what + ": " + message);
  };
  auto cannot = [&](const std::string& construct) -> Result<void> {
    return err("uses " + construct + ", which RE2 cannot run (RE2 never backtracks); rewrite the pattern without it");
  };
  size_t n = re.size();
  size_t i = 0;
  // The last single-character atom (for the possessive rewrite): [begin, end).
  size_t atom_begin = std::string_view::npos;
  size_t atom_end = 0;
  while (i < n) {
    char c = re[i];
    size_t start = i;
    bool single_atom = false;
    if (c == '\\') {
      if (i + 1 >= n) return err("ends with a lone backslash");
      char d = re[i + 1];
      if (d >= '1' && d <= '9') return cannot(std::string("the back-reference '\\") + d + "'");
      if (d == 'k' || d == 'g') return cannot(std::string("the back-reference '\\") + d + "'");
      if (d == 'Z') return cannot("'\\Z' (end of text or before a final newline: a look-ahead); use '\\z' or '$'");
      if (d == 'G' || d == 'K' || d == 'R' || d == 'X') return cannot(std::string("'\\") + d + "'");
      if (d == 'Q') {
        size_t e = re.find("\\E", i + 2);
        size_t stop = e == std::string_view::npos ? n : e + 2;
        out.append(re.substr(i, stop - i));
        i = stop;
        atom_begin = std::string_view::npos;
        continue;
      }
      int value = 0;
      ByteSet set;
      bool empty = false;
      i = parse_escape(re, i, value, set, empty);
      out.append(re.substr(start, i - start));
      single_atom = !empty;
    } else if (c == '[') {
      ByteSet set;
      size_t e = parse_class(re, i, set);
      if (e == std::string_view::npos) return err("unterminated character class");
      out.append(re.substr(i, e - i));
      i = e;
      single_atom = true;
    } else if (c == '(') {
      std::string_view rest = re.substr(i);
      if (rest.starts_with("(?#")) {
        size_t e = re.find(')', i);
        if (e == std::string_view::npos) return err("unterminated comment '(?#'");
        i = e + 1;
        continue;
      }
      if (rest.starts_with("(?=") || rest.starts_with("(?!")) return cannot("the look-ahead '" + std::string(rest.substr(0, 3)) + "...)'");
      if (rest.starts_with("(?<=") || rest.starts_with("(?<!")) return cannot("the look-behind '" + std::string(rest.substr(0, 4)) + "...)'");
      if (rest.starts_with("(?>")) return cannot("the atomic group '(?>...)'");
      if (rest.starts_with("(?|")) return cannot("the branch reset '(?|...)'");
      if (rest.starts_with("(?P=") || rest.starts_with("(?P>") || rest.starts_with("(?&") ||
          rest.starts_with("(?R") || (rest.size() > 2 && rest[1] == '?' && rest[2] >= '0' && rest[2] <= '9'))
        return cannot("the back-reference or recursion '" + std::string(rest.substr(0, 4)) + "'");
      if (rest.starts_with("(?<") || rest.starts_with("(?P<") || rest.starts_with("(?'")) {
        size_t name_start = i + (rest[2] == 'P' ? 4 : 3);
        char close = rest[2] == '\'' ? '\'' : '>';
        size_t e = re.find(close, name_start);
        if (e == std::string_view::npos) return err("unterminated group name");
        std::string name(re.substr(name_start, e - name_start));
        if (name.empty()) return err("empty capture name");
        captures.push_back(GrokCapture{std::move(name), GrokCapture::Type::string});
        out += '(';
        i = e + 1;
        atom_begin = std::string_view::npos;
        continue;
      }
      if (rest.starts_with("(?")) {
        size_t e = i + 2;
        while (e < n && re[e] != ':' && re[e] != ')') ++e;
        if (e >= n) return err("unterminated group");
        for (size_t k = i + 2; k < e; ++k)
          if (!std::strchr("imsU-", re[k]))
            return err("unsupported group flag '" + std::string(1, re[k]) + "' in '" + std::string(re.substr(i, e + 1 - i)) + "'");
        out.append(re.substr(i, e + 1 - i));
        i = e + 1;
        atom_begin = std::string_view::npos;
        continue;
      }
      // A plain group: grok reports named captures only, and every extra
      // capture pushes RE2 towards its slow engine.
      out += "(?:";
      ++i;
      atom_begin = std::string_view::npos;
      continue;
    } else if (c == '%' && i + 1 < n && re[i + 1] == '{') {
      size_t e = re.find('}', i + 2);
      if (e == std::string_view::npos) return err("unterminated '%{'");
      std::string_view ref = re.substr(i + 2, e - i - 2);
      std::string_view syntax = ref.substr(0, ref.find(':'));
      std::string semantic;
      auto type = GrokCapture::Type::string;
      if (syntax.size() < ref.size()) {
        std::string_view rest = ref.substr(syntax.size() + 1);
        size_t colon = rest.rfind(':');
        if (colon != std::string_view::npos) {
          std::string_view t = rest.substr(colon + 1);
          if (t == "int" || t == "integer") type = GrokCapture::Type::integer;
          else if (t == "float") type = GrokCapture::Type::real;
          else return err("'%{" + std::string(ref) + "}': unknown type '" + std::string(t) + "' (int or float)");
          rest = rest.substr(0, colon);
        }
        semantic = std::string(rest);
        if (semantic.empty()) return err("'%{" + std::string(ref) + "}': empty field name");
      }
      if (!GrokLibrary::is_valid_name(syntax)) return err("'%{" + std::string(ref) + "}': invalid pattern name");
      const GrokDefinition* def = m_library.find(syntax);
      if (!def) return err("unknown pattern '%{" + std::string(syntax) + "}'");
      if (std::find(m_stack.begin(), m_stack.end(), syntax) != m_stack.end()) {
        std::string chain;
        for (const auto& s : m_stack) chain += s + " -> ";
        return err("pattern '" + std::string(syntax) + "' is recursive: " + chain + std::string(syntax));
      }
      if (m_stack.size() > 100) return err("patterns nested more than 100 deep");
      bool capture = !semantic.empty() || !m_options.named_captures_only;
      if (capture) {
        captures.push_back(GrokCapture{semantic.empty() ? std::string(syntax) : semantic, type});
        out += '(';
      } else {
        out += "(?:";
      }
      m_stack.emplace_back(syntax);
      auto ok = expand(def->regex, "pattern " + std::string(syntax) + " (" + def->origin + ")");
      m_stack.pop_back();
      if (!ok) return ok;
      out += ')';
      i = e + 1;
      atom_begin = std::string_view::npos;
      continue;
    } else if (c == '*' || c == '+' || c == '?' || (c == '{' && repetition_end(re, i) != std::string_view::npos)) {
      size_t e = c == '{' ? repetition_end(re, i) : i + 1;
      out.append(re.substr(i, e - i));
      i = e;
      if (i < n && re[i] == '+') {
        // Possessive. Identical to greedy when the atom is one character and
        // the next thing is a literal character the atom cannot match: the
        // greedy loop could never give a character back to it anyway.
        bool rewritten = false;
        if (atom_begin != std::string_view::npos && i + 1 < n) {
          ByteSet atom;
          std::string_view a = re.substr(atom_begin, atom_end - atom_begin);
          int value = -1;
          bool empty = false;
          if (a[0] == '[') parse_class(a, 0, atom);
          else if (a[0] == '\\') parse_escape(a, 0, value, atom, empty);
          else if (a[0] == '.') atom = all_bytes();
          else atom.set(static_cast<unsigned char>(a[0]));
          int next = -1;
          ByteSet next_set;
          bool next_empty = false;
          // What follows may sit after the groups that close here, as long
          // as those groups are not themselves repeated.
          size_t k = i + 1;
          while (k < n && re[k] == ')' && !(k + 1 < n && std::strchr("*+?{", re[k + 1]))) ++k;
          char nc = k < n ? re[k] : '\0';
          if (nc == '\0' || (k > i + 1 && std::strchr("*+?{", re[k - 1]))) nc = '\0';
          if (nc == '\\') parse_escape(re, k, next, next_set, next_empty);
          else if (nc != '\0' && !std::strchr("[](){}.*+?^$|%", nc) && static_cast<unsigned char>(nc) < 0x80)
            next = static_cast<unsigned char>(nc);
          if (next >= 0 && !atom[static_cast<size_t>(next)]) rewritten = true;
        }
        if (!rewritten) {
          size_t from = atom_begin != std::string_view::npos ? atom_begin : start;
          return cannot("the possessive quantifier '" + std::string(re.substr(from, i + 1 - from)) + "'");
        }
        ++i;  // drop the '+'
      }
      atom_begin = std::string_view::npos;
      continue;
    } else {
      auto uc = static_cast<unsigned char>(c);
      out += c;
      ++i;
      single_atom = uc < 0x80 && !std::strchr("^$|)", c);
    }
    if (single_atom) {
      atom_begin = start;
      atom_end = i;
    } else {
      atom_begin = std::string_view::npos;
    }
  }
  return {};
}

// ---------------------------------------------------------------------------
// A small parser of the expanded regex (RE2 syntax, as the Expander writes
// it) into a tree, used only to find the top-level concatenation and the
// byte sets of its items.

struct Node {
  enum class Kind { literal, atom, empty, group };
  Kind kind = Kind::atom;
  unsigned char byte = 0;
  ByteSet set;
  size_t begin = 0;
  size_t end = 0;
  bool quantified = false;
  bool capturing = false;
  bool flagged = false;  // (?flags:...) group, or a (?flags) setter
  bool optional = false;  // the only quantifier is ? or ??
  bool lazy = false;
  int captures = 0;
  int first_capture = 0;  // RE2 number (0-based) of the first capture in or at this node
  std::vector<std::vector<Node>> alternatives;
};

class TreeParser {
 public:
  explicit TreeParser(std::string_view re) : m_re(re) {}

  bool parse(std::vector<std::vector<Node>>& top) {
    top = alternation();
    return m_ok && m_i == m_re.size();
  }
  bool case_folding = false;

 private:
  std::vector<std::vector<Node>> alternation() {
    std::vector<std::vector<Node>> alts;
    alts.push_back(sequence());
    while (m_ok && m_i < m_re.size() && m_re[m_i] == '|') {
      ++m_i;
      alts.push_back(sequence());
    }
    return alts;
  }

  std::vector<Node> sequence() {
    std::vector<Node> seq;
    while (m_ok && m_i < m_re.size() && m_re[m_i] != '|' && m_re[m_i] != ')') {
      Node node = atom();
      quantifier(node);
      seq.push_back(std::move(node));
    }
    return seq;
  }

  Node atom() {
    Node node;
    node.begin = m_i;
    node.first_capture = m_next_capture;
    char c = m_re[m_i];
    size_t n = m_re.size();
    if (c == '(') {
      std::string_view rest = m_re.substr(m_i);
      if (rest.starts_with("(?:")) {
        m_i += 3;
      } else if (rest.starts_with("(?")) {
        size_t e = m_i + 2;
        while (e < n && m_re[e] != ':' && m_re[e] != ')') ++e;
        if (e >= n) { m_ok = false; return node; }
        std::string_view flags = m_re.substr(m_i + 2, e - m_i - 2);
        if (flags.find('i') != std::string_view::npos) case_folding = true;
        node.flagged = true;
        if (m_re[e] == ')') {  // a setter: changes what follows in its group
          m_i = e + 1;
          node.kind = Node::Kind::empty;
          node.end = m_i;
          return node;
        }
        m_i = e + 1;
      } else {
        node.capturing = true;
        ++m_next_capture;
        ++m_i;
      }
      node.kind = Node::Kind::group;
      node.alternatives = alternation();
      if (m_i >= n || m_re[m_i] != ')') { m_ok = false; return node; }
      ++m_i;
      node.captures = node.capturing ? 1 : 0;
      for (const auto& seq : node.alternatives)
        for (const auto& child : seq) {
          node.set |= child.set;
          node.captures += child.captures;
        }
      node.end = m_i;
      return node;
    }
    if (c == '[') {
      size_t e = parse_class(m_re, m_i, node.set);
      if (e == std::string_view::npos) { m_ok = false; return node; }
      m_i = e;
      node.end = e;
      return node;
    }
    if (c == '\\') {
      if (m_re.substr(m_i).starts_with("\\Q")) {
        size_t e = m_re.find("\\E", m_i + 2);
        size_t stop = e == std::string_view::npos ? n : e + 2;
        node.set = all_bytes();
        m_i = stop;
        node.end = stop;
        return node;
      }
      int value = -1;
      bool empty = false;
      m_i = parse_escape(m_re, m_i, value, node.set, empty);
      if (empty) node.kind = Node::Kind::empty;
      else if (value >= 0) { node.kind = Node::Kind::literal; node.byte = static_cast<unsigned char>(value); }
      node.end = m_i;
      return node;
    }
    if (c == '.') { node.set = all_bytes(); node.end = ++m_i; return node; }
    if (c == '^' || c == '$') { node.kind = Node::Kind::empty; node.end = ++m_i; return node; }
    if (c == '*' || c == '+' || c == '?') { m_ok = false; return node; }
    auto uc = static_cast<unsigned char>(c);
    ++m_i;
    if (uc < 0x80) {
      node.kind = Node::Kind::literal;
      node.byte = uc;
      node.set.set(uc);
    } else {
      while (m_i < n && (static_cast<unsigned char>(m_re[m_i]) & 0xc0) == 0x80) ++m_i;
      node.set = high_bytes();
    }
    node.end = m_i;
    return node;
  }

  void quantifier(Node& node) {
    size_t n = m_re.size();
    int count = 0;
    while (m_i < n) {
      char c = m_re[m_i];
      size_t e = std::string_view::npos;
      if (c == '*' || c == '+' || c == '?') e = m_i + 1;
      else if (c == '{') e = repetition_end(m_re, m_i);
      if (e == std::string_view::npos) break;
      node.quantified = true;
      node.optional = c == '?' && count == 0;
      ++count;
      m_i = e;
      node.lazy = false;
      if (m_i < n && m_re[m_i] == '?') {  // non-greedy
        ++m_i;
        node.lazy = true;
      }
    }
    if (count > 1) node.optional = false;
    node.end = m_i;
  }

  std::string_view m_re;
  size_t m_i = 0;
  bool m_ok = true;
  int m_next_capture = 0;
};

void flatten(const std::vector<Node>& seq, std::vector<const Node*>& out) {
  for (const auto& node : seq) {
    if (node.kind == Node::Kind::group && !node.capturing && !node.flagged && !node.quantified &&
        node.alternatives.size() == 1)
      flatten(node.alternatives[0], out);
    else
      out.push_back(&node);
  }
}

// ---------------------------------------------------------------------------
// Piecewise validation: checks built from the tree. Every check is sound: it
// accepts a span only if the piece's regex matches it (on ASCII text). It
// may reject a span that matches; callers then fall back to the DFA.

bool is_ascii_punct(char d) {
  return (d >= '!' && d <= '/') || (d >= ':' && d <= '@') || (d >= '[' && d <= '`') || (d >= '{' && d <= '~');
}

// An escape whose ASCII meaning parse_escape computes exactly.
bool exact_escape(char d) { return is_ascii_punct(d) || std::strchr("dDwWsSntrf", d) != nullptr; }

void add_ascii(const ByteSet& set, AsciiSet& out) {
  for (unsigned c = 0; c < 0x80; ++c)
    if (set[c]) out.add(c);
}

// The ASCII members of the one-character atom at re[i]: `.`, \d \D \w \W
// \s \S, a punctuation or control escape, or a class made of ASCII
// characters and such escapes (no \p, \x, octal, POSIX names: there
// parse_class over-approximates). Returns the index after the atom, or npos
// for any other form.
size_t exact_ascii_atom(std::string_view re, size_t i, AsciiSet& out) {
  size_t n = re.size();
  char c = re[i];
  if (c == '.') {  // RE2 without (?s): any character but \n
    for (unsigned k = 0; k < 0x80; ++k)
      if (k != '\n') out.add(k);
    return i + 1;
  }
  if (c == '\\') {
    if (i + 1 >= n || !exact_escape(re[i + 1])) return std::string_view::npos;
    ByteSet set;
    int value = -1;
    bool empty = false;
    size_t e = parse_escape(re, i, value, set, empty);
    if (empty || value >= 0x80) return std::string_view::npos;
    if (value >= 0) out.add(static_cast<unsigned>(value));
    else add_ascii(set, out);
    return e;
  }
  if (c != '[') return std::string_view::npos;
  size_t j = i + 1;
  if (j < n && re[j] == '^') ++j;
  if (j < n && re[j] == ']') ++j;  // a leading ']' is a member
  for (; j < n && re[j] != ']'; ++j) {
    auto b = static_cast<unsigned char>(re[j]);
    if (b >= 0x80 || b == '[') return std::string_view::npos;
    if (b == '\\') {
      if (j + 1 >= n || !exact_escape(re[j + 1])) return std::string_view::npos;
      ++j;
    }
  }
  ByteSet set;
  size_t e = parse_class(re, i, set);
  if (e == std::string_view::npos) return e;
  add_ascii(set, out);
  return e;
}

// "", "?", "*", "+", "{n}", "{n,}", "{n,m}" (each possibly lazy: same
// language): the bounds of a run element.
bool run_bounds(std::string_view quantifier, CheckElement& e) {
  if (quantifier.size() >= 2 && quantifier.back() == '?' && quantifier != "?") quantifier.remove_suffix(1);
  constexpr size_t unbounded = SIZE_MAX;
  if (quantifier.empty()) { e.min = 1; e.max = 1; }
  else if (quantifier == "?") { e.min = 0; e.max = 1; }
  else if (quantifier == "*") { e.min = 0; e.max = unbounded; }
  else if (quantifier == "+") { e.min = 1; e.max = unbounded; }
  else if (quantifier.size() >= 3 && quantifier.front() == '{' && quantifier.back() == '}') {
    std::string_view body = quantifier.substr(1, quantifier.size() - 2);
    auto number = [](std::string_view digits, size_t& out) {
      if (digits.empty() || digits.size() > 4) return false;
      out = 0;
      for (char c : digits) {
        if (c < '0' || c > '9') return false;
        out = out * 10 + static_cast<size_t>(c - '0');
      }
      return true;
    };
    size_t comma = body.find(',');
    if (comma == std::string_view::npos) {
      if (!number(body, e.min)) return false;
      e.max = e.min;
    } else {
      if (!number(body.substr(0, comma), e.min)) return false;
      if (comma + 1 == body.size()) e.max = unbounded;
      else if (!number(body.substr(comma + 1), e.max) || e.max < e.min) return false;
    }
  } else {
    return false;
  }
  return true;
}

bool add_check(const Node& node, const std::string& regex, std::vector<CheckElement>& out) {
  std::string_view re(regex);
  switch (node.kind) {
    case Node::Kind::empty: {
      if (node.flagged) return false;
      std::string_view text = re.substr(node.begin, node.end - node.begin);
      CheckElement e;
      if (text == "^") e.kind = CheckElement::Kind::line_start;
      else if (text == "$") e.kind = CheckElement::Kind::line_end;
      else if (text == "\\b") e.kind = CheckElement::Kind::word_boundary;
      else if (text == "\\B") e.kind = CheckElement::Kind::not_word_boundary;
      else return false;  // \A, \z
      out.push_back(std::move(e));
      return true;
    }
    case Node::Kind::literal:
    case Node::Kind::atom: {
      CheckElement e;
      size_t atom_end = exact_ascii_atom(re, node.begin, e.set);
      if (atom_end == std::string_view::npos && node.kind == Node::Kind::literal && node.byte < 0x80 &&
          static_cast<unsigned char>(re[node.begin]) < 0x80 && re[node.begin] != '\\') {
        e.set.add(node.byte);  // a plain character
        atom_end = node.begin + 1;
      }
      if (atom_end == std::string_view::npos || atom_end > node.end) return false;
      if (!run_bounds(re.substr(atom_end, node.end - atom_end), e)) return false;
      e.set.finish();
      out.push_back(std::move(e));
      return true;
    }
    case Node::Kind::group: {
      if (node.flagged) return false;
      std::vector<CheckElement> inner;
      if (node.alternatives.size() == 1) {
        for (const Node& child : node.alternatives[0])
          if (!add_check(child, regex, inner)) return false;
      } else {
        CheckElement alternation;
        alternation.kind = CheckElement::Kind::alternation;
        for (const auto& alternative : node.alternatives) {
          alternation.alternatives.emplace_back();
          for (const Node& child : alternative)
            if (!add_check(child, regex, alternation.alternatives.back())) return false;
        }
        inner.push_back(std::move(alternation));
      }
      if (!node.quantified) {
        for (auto& e : inner) out.push_back(std::move(e));
        return true;
      }
      if (!node.optional) return false;
      CheckElement e;
      e.kind = CheckElement::Kind::optional;
      e.group = std::move(inner);
      out.push_back(std::move(e));
      return true;
    }
  }
  return false;
}

bool is_single_byte(const CheckElement& e) {
  return e.kind == CheckElement::Kind::run && e.min == 1 && e.max == 1 && e.set.sole_member >= 0;
}

// Speed only (the language is unchanged): runs of single bytes become one
// literal; alternations learn which alternatives each byte can start.
void compact(std::vector<CheckElement>& elements) {
  std::vector<CheckElement> out;
  for (auto& e : elements) {
    compact(e.group);
    for (auto& alternative : e.alternatives) compact(alternative);
    if (e.kind == CheckElement::Kind::alternation && e.alternatives.size() <= 64) {
      e.starting_with.assign(256, 0);
      for (size_t i = 0; i < e.alternatives.size(); ++i) {
        const auto& alt = e.alternatives[i];
        uint64_t bit = uint64_t{1} << i;
        bool known = !alt.empty() && ((alt[0].kind == CheckElement::Kind::run && alt[0].min >= 1) ||
                                      alt[0].kind == CheckElement::Kind::literal);
        for (unsigned c = 0; c < 256; ++c) {
          bool may = !known || (alt[0].kind == CheckElement::Kind::literal
                                    ? static_cast<unsigned char>(alt[0].literal[0]) == c
                                    : alt[0].set.has(static_cast<unsigned char>(c)));
          if (may) e.starting_with[c] |= bit;
        }
      }
    }
    if (is_single_byte(e)) {
      char byte = static_cast<char>(e.set.sole_member);
      if (!out.empty() && out.back().kind == CheckElement::Kind::literal) {
        out.back().literal += byte;
        continue;
      }
      CheckElement literal;
      literal.kind = CheckElement::Kind::literal;
      literal.literal = std::string(1, byte);
      out.push_back(std::move(literal));
      continue;
    }
    out.push_back(std::move(e));
  }
  elements = std::move(out);
}

size_t element_count(const std::vector<CheckElement>& elements) {
  size_t n = elements.size();
  for (const auto& e : elements) {
    n += element_count(e.group);
    for (const auto& alternative : e.alternatives) n += element_count(alternative);
  }
  return n;
}

// Walking costs about 25 instructions per element visited; RE2 anchored on a
// short span about 700 plus 14 per byte (callgrind). A check larger than
// this (HTTPDATE: alternations of month names) is left to RE2.
constexpr size_t k_max_check_elements = 24;

std::unique_ptr<PieceCheck> finish_check(std::unique_ptr<PieceCheck> check) {
  compact(check->elements);
  if (element_count(check->elements) > k_max_check_elements) return nullptr;
  return check;
}

std::unique_ptr<PieceCheck> build_check(const std::vector<const Node*>& nodes, const std::string& regex) {
  auto check = std::make_unique<PieceCheck>();
  for (const Node* n : nodes)
    if (!add_check(*n, regex, check->elements)) return nullptr;
  return finish_check(std::move(check));
}

// A capturing group's content: add_check reads a group the same way
// whether it captures or not.
std::unique_ptr<PieceCheck> build_group_content_check(const Node& group, const std::string& regex) {
  if (group.quantified) return nullptr;
  auto check = std::make_unique<PieceCheck>();
  if (!add_check(group, regex, check->elements)) return nullptr;
  return finish_check(std::move(check));
}

bool text_is_ascii(std::string_view text) {
  const char* p = text.data();
  size_t n = text.size();
  uint64_t high = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    high |= word;
  }
  for (; i < n; ++i) high |= static_cast<unsigned char>(p[i]);
  return (high & 0x8080808080808080ULL) == 0;
}

bool is_word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

// RE2's \b over the whole text (ASCII word characters).
bool at_word_boundary(std::string_view text, size_t pos) {
  bool before = pos > 0 && is_word_byte(static_cast<unsigned char>(text[pos - 1]));
  bool after = pos < text.size() && is_word_byte(static_cast<unsigned char>(text[pos]));
  return before != after;
}

// Greedy, without backtracking: true when the elements consume [pos, end)
// up to some point (pos is advanced). A greedy parse is a parse, so success
// proves a match; failure proves nothing.
bool walk_check(const std::vector<CheckElement>& elements, std::string_view text, size_t& pos, size_t end) {
  for (const auto& e : elements) {
    switch (e.kind) {
      case CheckElement::Kind::line_start:
        if (pos != 0) return false;
        break;
      case CheckElement::Kind::line_end:
        if (pos != text.size()) return false;
        break;
      case CheckElement::Kind::word_boundary:
        if (!at_word_boundary(text, pos)) return false;
        break;
      case CheckElement::Kind::not_word_boundary:
        if (at_word_boundary(text, pos)) return false;
        break;
      case CheckElement::Kind::optional: {
        size_t saved = pos;
        if (!walk_check(e.group, text, pos, end)) pos = saved;
        break;
      }
      case CheckElement::Kind::literal:
        if (end - pos < e.literal.size() || text.compare(pos, e.literal.size(), e.literal) != 0) return false;
        pos += e.literal.size();
        break;
      case CheckElement::Kind::alternation: {
        size_t saved = pos;
        bool fitted = false;
        uint64_t candidates = ~uint64_t{0};
        if (!e.starting_with.empty() && pos < end) candidates = e.starting_with[static_cast<unsigned char>(text[pos])];
        for (size_t i = 0; i < e.alternatives.size(); ++i) {
          if (i < 64 && ((candidates >> i) & 1) == 0) continue;
          if (walk_check(e.alternatives[i], text, pos, end)) {
            fitted = true;
            break;
          }
          pos = saved;
        }
        if (!fitted) return false;
        break;
      }
      case CheckElement::Kind::run: {
        size_t start = pos;
        size_t limit = e.max == SIZE_MAX || end - pos < e.max ? end : pos + e.max;
        if (e.max == SIZE_MAX && e.set.sole_absent >= 0) {  // everything up to that byte, and no high byte
          const void* hit = std::memchr(text.data() + pos, e.set.sole_absent, end - pos);
          size_t stop = hit ? static_cast<size_t>(static_cast<const char*>(hit) - text.data()) : end;
          if (text_is_ascii(text.substr(pos, stop - pos))) pos = stop;
          else
            while (pos < stop && static_cast<unsigned char>(text[pos]) < 0x80) ++pos;
        } else {
          while (pos < limit && e.set.has(static_cast<unsigned char>(text[pos]))) ++pos;
        }
        if (pos - start < e.min) return false;
        break;
      }
    }
  }
  return true;
}

// The zero-width assertions of a run whose one consuming node is `sole`:
// (after the node?, is it $). False when one of them is not ^ or $.
bool run_assertions(const std::vector<const Node*>& items, size_t first, size_t last, const Node* sole,
                    const std::string& regex, std::vector<std::pair<bool, bool>>& out) {
  bool after = false;
  for (size_t k = first; k < last; ++k) {
    if (items[k] == sole) {
      after = true;
      continue;
    }
    std::string_view text = std::string_view(regex).substr(items[k]->begin, items[k]->end - items[k]->begin);
    if (text == "^") out.emplace_back(after, false);
    else if (text == "$") out.emplace_back(after, true);
    else return false;
  }
  return true;
}

re2::RE2::Options re2_options(int64_t max_mem) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(max_mem);
  return options;
}

}  // namespace

GrokExpression::GrokExpression() : m_scratch(std::make_unique<Scratch>()) {}
GrokExpression::GrokExpression(GrokExpression&&) noexcept = default;
GrokExpression& GrokExpression::operator=(GrokExpression&&) noexcept = default;
GrokExpression::~GrokExpression() = default;

bool GrokExpression::has_fast_path() const { return m_plan != nullptr; }

Result<GrokExpression> GrokExpression::compile(std::string_view pattern, const GrokLibrary& library,
                                               const GrokCompileOptions& options) {
  Expander expander(library, options);
  if (auto ok = expander.expand(pattern, "grok pattern '" + std::string(pattern) + "'"); !ok)
    return tl::unexpected(ok.error());
  GrokExpression expr;
  expr.m_pattern = std::string(pattern);
  expr.m_regex = std::move(expander.out);
  expr.m_captures = std::move(expander.captures);
  // The DFA of a large expansion (IPv6 alternatives) needs room: when its
  // cache overflows, RE2 drops to the NFA for good.
  expr.m_re = std::make_unique<re2::RE2>(expr.m_regex, re2_options(64 << 20));
  if (!expr.m_re->ok())
    return fail(ErrorCode::config, "grok pattern '" + std::string(pattern) + "': " + expr.m_re->error() +
                                       " (expanded regex: " + expr.m_regex + ")");
  if (expr.m_re->NumberOfCapturingGroups() != static_cast<int>(expr.m_captures.size()))
    return fail(ErrorCode::internal, "grok pattern '" + std::string(pattern) + "': capture count mismatch");
  expr.m_scratch->subs.resize(expr.m_captures.size() + 1);
  if (options.fast_path) expr.build_fast_path();
  return expr;
}


namespace {

using Plan = GrokExpression::Plan;

std::string node_text(const std::string& regex, const std::vector<const Node*>& nodes) {
  std::string text;
  for (const Node* n : nodes) text.append(regex, n->begin, n->end - n->begin);
  return text;
}

std::unique_ptr<re2::RE2> compile_piece(const std::string& text, bool& ok) {
  auto re = std::make_unique<re2::RE2>(text, re2_options(8 << 20));
  if (!re->ok()) ok = false;
  return re;
}

std::unique_ptr<Plan> build_node(const Node& node, const std::string& regex, bool& ok);

std::unique_ptr<Plan> build_engine(const std::vector<const Node*>& nodes, const std::string& regex, bool& ok) {
  auto plan = std::make_unique<Plan>();
  plan->source = node_text(regex, nodes);
  int captures = 0;
  for (const Node* n : nodes) captures += n->captures;
  if (captures == 0) {
    plan->kind = Plan::Kind::free;
    plan->check = build_check(nodes, regex);
    return plan;
  }
  plan->kind = Plan::Kind::engine;
  plan->re = compile_piece(plan->source, ok);
  plan->first_capture = nodes.front()->first_capture;
  plan->captures = captures;
  if (ok && plan->re->NumberOfCapturingGroups() != captures) ok = false;
  return plan;
}

// The one node of items [first, last) that consumes text, when every other
// one is a zero-width assertion (^, $, \b, ...; not a flag setter, which
// changes how what follows compiles): on a span known to match the run, that
// node matches the whole span, so its own plan replaces an engine over the
// run (`^(\S+)` is a capture, not an RE2 call with submatches). Null otherwise.
const Node* sole_consuming_node(const std::vector<const Node*>& items, size_t first, size_t last) {
  const Node* sole = nullptr;
  for (size_t k = first; k < last; ++k) {
    const Node* node = items[k];
    if (node->kind == Node::Kind::empty && !node->flagged) continue;
    if (sole) return nullptr;
    sole = node;
  }
  return sole;
}

std::unique_ptr<Plan> build_sequence(const std::vector<const Node*>& items, const std::string& regex, bool& ok) {
  if (items.size() == 1 && items[0]->kind != Node::Kind::literal) return build_node(*items[0], regex, ok);
  auto plan = std::make_unique<Plan>();
  plan->source = node_text(regex, items);
  int captures = 0;
  for (const Node* n : items) captures += n->captures;
  if (captures == 0) {
    plan->kind = Plan::Kind::free;
    plan->check = build_check(items, regex);
    return plan;
  }
  plan->kind = Plan::Kind::sequence;
  plan->first_capture = items.front()->first_capture;
  plan->captures = captures;
  size_t n = items.size();
  plan->items.resize(n);
  plan->runs.resize(n);
  plan->suffixes.resize(n);
  plan->run_asserts.resize(n);
  plan->run_unsure.resize(n, false);
  ByteSet run_set;
  for (size_t i = 0; i < n; ++i) {
    const Node& node = *items[i];
    auto& item = plan->items[i];
    if (node.kind == Node::Kind::literal && !node.quantified) {
      item.literal = true;
      item.byte = node.byte;
      item.forced = !run_set[node.byte];
      for (size_t k = i; k < n; ++k)
        item.same_literals_after += items[k]->kind == Node::Kind::literal && !items[k]->quantified &&
                                    items[k]->byte == node.byte;
      run_set.reset();
      continue;
    }
    item.plan = build_node(node, regex, ok);
    run_set |= node.set;
    bool run_start = i == 0 || plan->items[i - 1].literal;
    if (run_start) {
      size_t stop = i;
      while (stop < n && !(items[stop]->kind == Node::Kind::literal && !items[stop]->quantified)) ++stop;
      if (stop - i > 1) {
        const Node* sole = sole_consuming_node(items, i, stop);
        if (sole) plan->run_unsure[i] = !run_assertions(items, i, stop, sole, regex, plan->run_asserts[i]);
        plan->runs[i] = sole ? build_node(*sole, regex, ok)
                             : build_engine(std::vector<const Node*>(items.begin() + static_cast<long>(i),
                                                                     items.begin() + static_cast<long>(stop)),
                                            regex, ok);
      }
      plan->suffixes[i] =
          build_engine(std::vector<const Node*>(items.begin() + static_cast<long>(i), items.end()), regex, ok);
    }
  }
  // A trailing (?:c...)? after a run that excludes c (e.g. `%{NOTSPACE}(?: HTTP/%{NUMBER})?`).
  size_t last_literal = n;
  for (size_t i = 0; i < n; ++i)
    if (plan->items[i].literal) last_literal = i;
  size_t run_begin = last_literal == n ? 0 : last_literal + 1;
  const Node& tail = *items[n - 1];
  if (n >= 2 && run_begin + 1 < n && tail.kind == Node::Kind::group && tail.optional && !tail.flagged &&
      tail.alternatives.size() == 1) {
    std::vector<const Node*> inner;
    flatten(tail.alternatives[0], inner);
    if (!inner.empty() && inner[0]->kind == Node::Kind::literal && !inner[0]->quantified) {
      ByteSet before;
      for (size_t i = run_begin; i + 1 < n; ++i) before |= items[i]->set;
      if (!before[inner[0]->byte]) {
        plan->tail_byte = inner[0]->byte;
        const Node* sole = sole_consuming_node(items, run_begin, n - 1);
        if (sole) {
          plan->tail_unsure = !run_assertions(items, run_begin, n - 1, sole, regex, plan->tail_asserts);
          plan->tail_run = build_node(*sole, regex, ok);
        } else
          plan->tail_run = build_engine(std::vector<const Node*>(items.begin() + static_cast<long>(run_begin),
                                                                 items.end() - 1), regex, ok);
      }
    }
  }
  return plan;
}

std::unique_ptr<Plan> build_alternatives(const std::vector<std::vector<Node>>& alternatives, const std::string& regex,
                                         bool& ok) {
  if (alternatives.size() == 1) {
    std::vector<const Node*> items;
    flatten(alternatives[0], items);
    if (items.empty()) return std::make_unique<Plan>();
    return build_sequence(items, regex, ok);
  }
  auto plan = std::make_unique<Plan>();
  plan->kind = Plan::Kind::alternatives;
  for (const auto& alt : alternatives) {
    Plan::Alternative a;
    std::vector<const Node*> items;
    flatten(alt, items);
    a.is_literal = true;
    for (const Node* n : items) {
      if (n->kind == Node::Kind::literal && !n->quantified) a.literal += static_cast<char>(n->byte);
      else a.is_literal = false;
    }
    if (!a.is_literal) {
      a.test = compile_piece(node_text(regex, items), ok);
      a.check = build_check(items, regex);
    }
    a.plan = items.empty() ? std::make_unique<Plan>() : build_sequence(items, regex, ok);
    plan->alternatives.push_back(std::move(a));
  }
  return plan;
}

std::unique_ptr<Plan> build_node(const Node& node, const std::string& regex, bool& ok) {
  std::vector<const Node*> self{&node};
  if (node.captures == 0) return build_engine(self, regex, ok);  // free
  if (node.kind != Node::Kind::group || node.flagged) return build_engine(self, regex, ok);
  if (node.quantified) {
    if (!node.optional) return build_engine(self, regex, ok);
    // (?:x)? on a known span: x when x matches it (greedy) or when the span
    // is not empty (lazy); otherwise the group did not take part.
    auto plan = std::make_unique<Plan>();
    plan->kind = Plan::Kind::optional;
    plan->lazy = node.lazy;
    plan->source = node_text(regex, self);
    Node inner = node;
    inner.quantified = false;
    inner.optional = false;
    inner.end = node.begin;  // recompute the span without the quantifier
    size_t depth = 0;
    for (size_t k = node.begin; k < node.end; ++k) {  // find the group's closing ')'
      char c = regex[k];
      if (c == '\\') { ++k; continue; }
      if (c == '[') {
        ByteSet unused;
        k = parse_class(regex, k, unused) - 1;
        continue;
      }
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) { inner.end = k + 1; break; }
    }
    plan->re = compile_piece(std::string(regex, inner.begin, inner.end - inner.begin), ok);
    plan->child = build_node(inner, regex, ok);
    if (node.alternatives.size() == 1)
      for (const auto& child : node.alternatives[0])
        plan->never_empty = plan->never_empty || (child.kind == Node::Kind::literal && !child.quantified);
    return plan;
  }
  if (node.capturing) {
    auto plan = std::make_unique<Plan>();
    plan->kind = Plan::Kind::capture;
    plan->capture = node.first_capture;
    plan->source = node_text(regex, self);
    if (node.captures > 1) plan->child = build_alternatives(node.alternatives, regex, ok);
    else plan->check = build_group_content_check(node, regex);
    return plan;
  }
  return build_alternatives(node.alternatives, regex, ok);
}

void describe(const Plan& plan, int depth, std::string& out) {
  std::string indent(static_cast<size_t>(depth) * 2, ' ');
  switch (plan.kind) {
    case Plan::Kind::free: out += indent + "free\n"; break;
    case Plan::Kind::capture:
      out += indent + "capture #" + std::to_string(plan.capture) + "\n";
      if (plan.child) describe(*plan.child, depth + 1, out);
      break;
    case Plan::Kind::alternatives:
      out += indent + "alternatives\n";
      for (const auto& a : plan.alternatives) {
        if (a.is_literal) out += indent + "  literal '" + a.literal + "'\n";
        describe(*a.plan, depth + 1, out);
      }
      break;
    case Plan::Kind::optional:
      out += indent + (plan.lazy ? "optional (lazy)\n" : "optional\n");
      describe(*plan.child, depth + 1, out);
      break;
    case Plan::Kind::engine:
      out += indent + "engine " + std::to_string(plan.captures) + " captures: " + plan.source + "\n";
      break;
    case Plan::Kind::sequence:
      out += indent + "sequence\n";
      for (size_t i = 0; i < plan.items.size(); ++i) {
        const auto& item = plan.items[i];
        if (item.literal) {
          out += indent + "  literal '" + std::string(1, static_cast<char>(item.byte)) + "'" +
                 (item.forced ? " forced" : " counted") + "\n";
          continue;
        }
        if (plan.runs[i]) {  // what eval runs on the span up to the next literal
          out += indent + "  run\n";
          describe(*plan.runs[i], depth + 2, out);
        }
        describe(*item.plan, depth + 1, out);
      }
      if (plan.tail_run) out += indent + "  (trailing optional split at '" + std::string(1, static_cast<char>(plan.tail_byte)) + "')\n";
      break;
  }
}

}  // namespace

namespace {

// Gives every free piece and every capture without inner captures that has
// no greedy check an RE2 test of its own text. False when one fails to
// compile (the expression then never validates piecewise).
bool prepare_validation(Plan& plan) {
  bool ok = true;
  bool leaf = plan.kind == Plan::Kind::free || (plan.kind == Plan::Kind::capture && !plan.child);
  if (leaf && !plan.check) plan.check_re = compile_piece(plan.source, ok);
  if (plan.child) ok = prepare_validation(*plan.child) && ok;
  for (auto& a : plan.alternatives) ok = prepare_validation(*a.plan) && ok;
  for (auto& item : plan.items)
    if (item.plan) ok = prepare_validation(*item.plan) && ok;
  for (auto& run : plan.runs)
    if (run) ok = prepare_validation(*run) && ok;
  if (plan.tail_run) ok = prepare_validation(*plan.tail_run) && ok;
  return ok;
}

// Anchored at both ends (every match is the whole text) and free of flags
// and of any (? construct but (?: and named groups: the conditions under
// which match() may prove a match piece by piece, without the DFA.
bool validates_piecewise(const std::vector<std::vector<Node>>& top, const std::string& regex) {
  if (top.size() != 1) return false;
  std::vector<const Node*> items;
  flatten(top[0], items);
  if (items.size() < 2) return false;
  auto is = [&](const Node* n, std::string_view text) {
    return n->kind == Node::Kind::empty && !n->flagged &&
           std::string_view(regex).substr(n->begin, n->end - n->begin) == text;
  };
  if (!is(items.front(), "^") || !is(items.back(), "$")) return false;
  for (size_t k = regex.find("(?"); k != std::string::npos; k = regex.find("(?", k + 2)) {
    std::string_view rest = std::string_view(regex).substr(k + 2);
    if (!rest.starts_with(':') && !rest.starts_with("P<")) return false;
  }
  return true;
}


}  // namespace

void GrokExpression::build_fast_path() {
  TreeParser parser(m_regex);
  std::vector<std::vector<Node>> top;
  if (!parser.parse(top) || parser.case_folding) return;
  for (const auto& alt : top)
    for (const auto& node : alt)
      if (node.kind == Node::Kind::empty && node.flagged) return;  // a top-level (?s) etc.
  bool ok = true;
  auto plan = build_alternatives(top, m_regex, ok);
  // A plan that is one engine over everything is the plain match again.
  if (!ok || plan->kind == Plan::Kind::engine) return;
  m_validate_pieces = validates_piecewise(top, m_regex) && prepare_validation(*plan);
  m_plan = std::move(plan);
}

namespace {
bool check_passes(const PieceCheck& check, std::string_view text, size_t begin, size_t end) {
  size_t pos = begin;
  return walk_check(check.elements, text, pos, end) && pos == end;
}
}  // namespace

// A piece that captures nothing inside: its own check.
bool GrokExpression::Plan::validates(std::string_view text, size_t begin, size_t end) const {
  if (check) return check_passes(*check, text, begin, end);
  return check_re && check_re->Match(re2::StringPiece(text.data(), text.size()), begin, end, re2::RE2::ANCHOR_BOTH,
                                     nullptr, 0);
}

namespace {
// The ^ / $ assertions around a run's one consuming node hold at the run's
// ends.
bool assertions_hold(const std::vector<std::pair<bool, bool>>& asserts, size_t text_size, size_t begin, size_t end) {
  for (const auto& [after, is_end] : asserts) {
    size_t at = after ? end : begin;
    if (is_end ? at != text_size : at != 0) return false;
  }
  return true;
}
}  // namespace

// validate: the span is not yet known to match `plan` (piecewise mode, see
// match()); every piece then proves its span, and a false return means "no
// proof", not "no match".
bool GrokExpression::eval(const Plan& plan, std::string_view text, size_t begin, size_t end,
                          std::vector<std::string_view>& out, bool validate) const {
  switch (plan.kind) {
    case Plan::Kind::free: return !validate || plan.validates(text, begin, end);
    case Plan::Kind::capture:
      out[static_cast<size_t>(plan.capture)] = text.substr(begin, end - begin);
      if (plan.child) return eval(*plan.child, text, begin, end, out, validate);
      return !validate || plan.validates(text, begin, end);
    case Plan::Kind::alternatives: {
      re2::StringPiece whole(text.data(), text.size());
      size_t last = plan.alternatives.size() - 1;
      for (size_t i = 0; i <= last; ++i) {
        const auto& alt = plan.alternatives[i];
        bool matches;
        if (alt.is_literal) matches = text.substr(begin, end - begin) == alt.literal;
        else if (i == last && validate) return eval(*alt.plan, text, begin, end, out, true);
        else if (i == last) matches = true;  // the span matched the whole group: the last one must
        else
          matches = (alt.check && check_passes(*alt.check, text, begin, end)) ||
                    alt.test->Match(whole, begin, end, re2::RE2::ANCHOR_BOTH, nullptr, 0);
        // An exact test passed: the alternative's plan gets a span it matches.
        if (matches) return eval(*alt.plan, text, begin, end, out, false);
      }
      return false;
    }
    case Plan::Kind::optional: {
      // The span is known to match (?:x)?: a non-empty span is x's. An empty
      // one is x's only when greedy and x can match "" here.
      bool take = begin != end;
      if (!take && !plan.lazy && !plan.never_empty)
        take = plan.re->Match(re2::StringPiece(text.data(), text.size()), begin, end, re2::RE2::ANCHOR_BOTH, nullptr, 0);
      if (!take) return begin == end;  // the group did not take part: its captures stay unset
      return eval(*plan.child, text, begin, end, out, validate);
    }
    case Plan::Kind::engine: {
      auto& subs = m_scratch->subs;
      if (!plan.re->Match(re2::StringPiece(text.data(), text.size()), begin, end, re2::RE2::ANCHOR_BOTH, subs.data(),
                          plan.captures + 1))
        return false;
      for (int c = 0; c < plan.captures; ++c) {
        const auto& sp = subs[static_cast<size_t>(c) + 1];
        out[static_cast<size_t>(plan.first_capture + c)] =
            sp.data() ? std::string_view(sp.data(), sp.size()) : std::string_view();
      }
      return true;
    }
    case Plan::Kind::sequence: return eval_sequence(plan, text, begin, end, out, validate);
  }
  return false;
}

namespace {
// Occurrences of c in text, counting no further than limit + 1 (the caller
// only asks "exactly limit?"): memchr hops over the bytes in between.
size_t count_byte_up_to(std::string_view text, char c, size_t limit) {
  size_t count = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (count <= limit && p < end) {
    const void* hit = std::memchr(p, c, static_cast<size_t>(end - p));
    if (!hit) break;
    ++count;
    p = static_cast<const char*>(hit) + 1;
  }
  return count;
}
}  // namespace

// Walks a concatenation over a span it is known to match. A non-literal run
// followed by literal byte c ends at the first c when (a) the run can never
// contain c (decided at build time), or (b) the span holds exactly as many
// c's as there are literal c items left: then every c is one of those
// literals. Either way every parse has the boundary there, so the preferred
// parse does too. When neither holds, RE2 takes the rest of the span.
// In validate mode the same boundaries are taken: each rule holds in every
// parse, so once every piece is proved on them, a parse exists and the
// preferred one has them too.
bool GrokExpression::eval_sequence(const Plan& plan, std::string_view text, size_t begin, size_t end,
                                   std::vector<std::string_view>& out, bool validate) const {
  size_t pos = begin;
  size_t run_start = 0;
  size_t n = plan.items.size();
  std::string_view span = text.substr(0, end);
  for (size_t i = 0; i < n; ++i) {
    const auto& item = plan.items[i];
    if (!item.literal) continue;
    if (run_start == i) {  // a literal right after a literal (or first)
      if (pos >= end || static_cast<unsigned char>(text[pos]) != item.byte) return false;
      ++pos;
      run_start = i + 1;
      continue;
    }
    size_t boundary = span.find(static_cast<char>(item.byte), pos);
    if (boundary == std::string_view::npos) return false;
    if (!item.forced) {
      auto expected = static_cast<size_t>(item.same_literals_after);
      if (count_byte_up_to(text.substr(boundary, end - boundary), static_cast<char>(item.byte), expected) != expected)
        return eval(*plan.suffixes[run_start], text, pos, end, out, validate);  // an engine: proves itself
    }
    const Plan& run = plan.runs[run_start] ? *plan.runs[run_start] : *plan.items[run_start].plan;
    if (validate && (plan.run_unsure[run_start] ||
                     !assertions_hold(plan.run_asserts[run_start], text.size(), pos, boundary)))
      return false;
    if (!eval(run, text, pos, boundary, out, validate)) return false;
    pos = boundary + 1;
    run_start = i + 1;
  }
  if (run_start < n) {
    if (plan.tail_run && run_start + 1 < n) {
      size_t boundary = span.find(static_cast<char>(plan.tail_byte), pos);
      if (boundary == std::string_view::npos) boundary = end;
      if (validate && (plan.tail_unsure || !assertions_hold(plan.tail_asserts, text.size(), pos, boundary)))
        return false;
      return eval(*plan.tail_run, text, pos, boundary, out, validate) &&
             eval(*plan.items[n - 1].plan, text, boundary, end, out, validate);
    }
    const Plan& run = plan.runs[run_start] ? *plan.runs[run_start] : *plan.items[run_start].plan;
    if (validate && (plan.run_unsure[run_start] || !assertions_hold(plan.run_asserts[run_start], text.size(), pos, end)))
      return false;
    return eval(run, text, pos, end, out, validate);
  }
  return pos == end;
}

bool GrokExpression::match(std::string_view text, std::vector<std::string_view>& out) const {
  if (!m_plan) return match_reference(text, out);
  out.assign(m_captures.size(), std::string_view());
  // Anchored at both ends, the match can only be the whole text: proving
  // each piece on the plan's boundaries replaces the DFA pass over the line
  // (ASCII only, where the checks' byte classes are exact).
  if (m_validate_pieces && text_is_ascii(text)) {
    if (eval(*m_plan, text, 0, text.size(), out, true)) return true;
    out.assign(m_captures.size(), std::string_view());
  }
  // The DFA alone finds the span (no submatches asked for): first anchored
  // at 0, the common case, which needs one forward pass; else a search.
  re2::StringPiece whole(text.data(), text.size());
  re2::StringPiece span;
  if (!m_re->Match(whole, 0, text.size(), re2::RE2::ANCHOR_START, &span, 1) &&
      !m_re->Match(whole, 0, text.size(), re2::RE2::UNANCHORED, &span, 1))
    return false;
  auto begin = static_cast<size_t>(span.data() - text.data());
  if (eval(*m_plan, text, begin, begin + span.size(), out, false)) return true;
  // Unreachable if the boundary arguments hold; stay correct regardless.
  return match_reference(text, out);
}
bool GrokExpression::match_reference(std::string_view text, std::vector<std::string_view>& out) const {
  auto& subs = m_scratch->subs;
  int nsub = static_cast<int>(m_captures.size()) + 1;
  if (!m_re->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::UNANCHORED, subs.data(),
                   nsub))
    return false;
  out.resize(m_captures.size());
  for (size_t c = 0; c < m_captures.size(); ++c) {
    const auto& sp = subs[c + 1];
    out[c] = sp.data() ? std::string_view(sp.data(), sp.size()) : std::string_view();
  }
  return true;
}

std::string GrokExpression::describe_fast_path() const {
  std::string out;
  if (m_validate_pieces) out += "piecewise validation (anchored at both ends; ASCII text)\n";
  if (m_plan) describe(*m_plan, 0, out);
  return out;
}

}  // namespace logpost::filters
