#include "filters/sql_fingerprint.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "common/crypto.hpp"

// Each step below reimplements one substitution of pt-query-digest's
// QueryRewriter::fingerprint, in the same order, with hand-written scanners
// instead of regular expressions: the per-event budget of the slow-log
// pipeline (10 µs for everything) leaves no room for a dozen regex passes.
// Where a Perl regex backtracks, the comment says why a single left-to-right
// scan finds the same match.

namespace logpost::filters {
namespace {

// Perl's \s (5.18+): space, \t, \n, \v, \f, \r.
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
// Perl's \w on bytes: [A-Za-z0-9_].
bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive comparison of s at pos with a lowercase literal.
bool iequal_at(std::string_view s, size_t pos, std::string_view lit) {
  if (pos > s.size() || s.size() - pos < lit.size()) return false;
  for (size_t i = 0; i < lit.size(); ++i)
    if (lower(s[pos + i]) != lit[i]) return false;
  return true;
}
bool equal_at(std::string_view s, size_t pos, std::string_view lit) {
  return pos <= s.size() && s.size() - pos >= lit.size() && s.compare(pos, lit.size(), lit) == 0;
}
// \b before position pos when s[pos] is a word character.
bool word_start(std::string_view s, size_t pos) { return pos == 0 || !is_word(s[pos - 1]); }
bool word_end(std::string_view s, size_t pos) { return pos >= s.size() || !is_word(s[pos]); }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

// Writes a pass's output into a reused buffer through a raw pointer: the
// passes run per event, and push_back's capacity check per byte (plus a fresh
// allocation per pass) cost more than the scanning itself. `capacity` is an
// upper bound of the output size, stated by each pass.
class Writer {
 public:
  Writer(std::string& out, size_t capacity) : m_out(out) {
    m_out.resize(capacity);
    m_begin = m_out.data();
    m_p = m_begin;
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() { m_out.resize(static_cast<size_t>(m_p - m_begin)); }
  void put(char c) { *m_p++ = c; }
  void put(std::string_view s) {
    if (!s.empty()) std::memcpy(m_p, s.data(), s.size());
    m_p += s.size();
  }
  [[nodiscard]] size_t size() const { return static_cast<size_t>(m_p - m_begin); }
  [[nodiscard]] char back() const { return m_p[-1]; }
  void set_back(char c) { m_p[-1] = c; }

 private:
  std::string& m_out;
  char* m_begin;
  char* m_p;
};

// m#/\*\w+\.\w+:[0-9]/[0-9]\*/#: the marker pt-table-checksum puts in its queries.
bool has_percona_toolkit_marker(std::string_view s) {
  for (size_t i = s.find("/*"); i != std::string_view::npos; i = s.find("/*", i + 1)) {
    size_t j = i + 2;
    size_t k = j;
    while (k < s.size() && is_word(s[k])) ++k;
    if (k == j || k >= s.size() || s[k] != '.') continue;
    j = ++k;
    while (k < s.size() && is_word(s[k])) ++k;
    if (k == j) continue;
    if (equal_at(s, k, ":") && k + 1 < s.size() && is_digit(s[k + 1]) && equal_at(s, k + 2, "/") &&
        k + 3 < s.size() && is_digit(s[k + 3]) && equal_at(s, k + 4, "*/"))
      return true;
  }
  return false;
}

// m/\A\s*(call\s+\S+)\(/i: returns the length of $1's end, or npos.
// \S+ is greedy and '(' is itself a non-space, so $1 ends before the last
// '(' of the non-space run (and that '(' cannot be the run's first byte).
size_t call_prefix_end(std::string_view s, size_t& begin) {
  size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  if (!iequal_at(s, i, "call")) return std::string_view::npos;
  begin = i;
  i += 4;
  size_t j = i;
  while (j < s.size() && is_space(s[j])) ++j;
  if (j == i) return std::string_view::npos;
  size_t run_end = j;
  while (run_end < s.size() && !is_space(s[run_end])) ++run_end;
  for (size_t k = run_end; k > j + 1; --k)
    if (s[k - 1] == '(') return k - 1;
  return std::string_view::npos;
}

// m/\A((?:INSERT|REPLACE)(?: IGNORE)?\s+INTO.+?VALUES\s*\(.*?\))\s*,\s*\(/is
// Returns the length of $1, or 0 when the query is not a multi-row insert.
// Only the first "VALUES\s*(" can matter: every ')' a later one could end
// on also follows the first one's '(', and .*? takes the earliest ')' that
// is followed by ", (".
size_t multi_insert_prefix(std::string_view s) {
  size_t i;
  if (iequal_at(s, 0, "insert"))
    i = 6;
  else if (iequal_at(s, 0, "replace"))
    i = 7;
  else
    return 0;
  // " IGNORE" is tried first; without it, \s+INTO cannot match "IGNORE" anyway.
  if (i < s.size() && s[i] == ' ' && iequal_at(s, i + 1, "ignore")) i += 7;
  size_t j = i;
  while (j < s.size() && is_space(s[j])) ++j;
  if (j == i || !iequal_at(s, j, "into")) return 0;
  j += 4;
  for (size_t v = j + 1; v + 6 <= s.size(); ++v) {
    if (!iequal_at(s, v, "values")) continue;
    size_t p = v + 6;
    while (p < s.size() && is_space(s[p])) ++p;
    if (p >= s.size() || s[p] != '(') continue;
    for (size_t r = s.find(')', p + 1); r != std::string_view::npos; r = s.find(')', r + 1)) {
      size_t k = r + 1;
      while (k < s.size() && is_space(s[k])) ++k;
      if (k >= s.size() || s[k] != ',') continue;
      ++k;
      while (k < s.size() && is_space(s[k])) ++k;
      if (k < s.size() && s[k] == '(') return r + 1;
    }
    return 0;
  }
  return 0;
}

// s#/\*[^!].*?\*/##sg: block comments, keeping /*! version comments */.
void strip_block_comments(std::string_view s, std::string& result) {
  Writer out(result, s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t open = s.find("/*", i);
    if (open == std::string_view::npos || open + 2 >= s.size()) break;
    if (s[open + 2] == '!') {
      out.put(s.substr(i, open + 1 - i));
      i = open + 1;
      continue;
    }
    size_t close = s.find("*/", open + 3);
    // No "*/" after this opener: none after any later opener either.
    if (close == std::string_view::npos) break;
    out.put(s.substr(i, open - i));
    i = close + 2;
  }
  out.put(s.substr(i));
}

// s/(?:--|#)[^'"\r\n]*(?=[\r\n]|\Z)//g: line comments, unless a quote
// follows on the same line (then the comment start is kept as text).
void strip_line_comments(std::string_view s, std::string& result) {
  Writer out(result, s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t marker = 0;
    if (s[i] == '#')
      marker = 1;
    else if (s[i] == '-' && i + 1 < s.size() && s[i + 1] == '-')
      marker = 2;
    if (marker != 0) {
      size_t j = i + marker;
      while (j < s.size() && s[j] != '\'' && s[j] != '"' && s[j] != '\r' && s[j] != '\n') ++j;
      if (j == s.size() || s[j] == '\r' || s[j] == '\n') {
        i = j;
        continue;
      }
    }
    out.put(s[i]);
    ++i;
  }
}

// s/\Ause \S+\Z/use ?/i: true (and the result) when the query is a USE.
bool abstract_use(std::string_view s, std::string& result) {
  if (!iequal_at(s, 0, "use ")) return false;
  std::string_view rest = s.substr(4);
  bool final_newline = !rest.empty() && rest.back() == '\n';
  if (final_newline) rest.remove_suffix(1);
  if (rest.empty()) return false;
  for (char c : rest)
    if (is_space(c)) return false;
  result = final_newline ? "use ?\n" : "use ?";
  return true;
}

// s/\\["']//g
void remove_escaped_quotes(std::string_view s, std::string& result) {
  Writer out(result, s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\'')) {
      ++i;
      continue;
    }
    out.put(s[i]);
  }
}

// s/Q.*?Q/?/sg for a quote character Q.
void replace_quoted(std::string_view s, char quote, std::string& result) {
  Writer out(result, s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t open = s.find(quote, i);
    if (open == std::string_view::npos) break;
    size_t close = s.find(quote, open + 1);
    if (close == std::string_view::npos) break;  // an unpaired quote stays
    out.put(s.substr(i, open - i));
    out.put('?');
    i = close + 1;
  }
  out.put(s.substr(i));
}

// s/\bfalse\b|\btrue\b/?/isg
void replace_booleans(std::string_view s, std::string& result) {
  Writer out(result, s.size());
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if ((c == 'f' || c == 't' || c == 'F' || c == 'T') && word_start(s, i)) {
      size_t len = 0;
      if (iequal_at(s, i, "false"))
        len = 5;
      else if (iequal_at(s, i, "true"))
        len = 4;
      if (len != 0 && word_end(s, i + len)) {
        out.put('?');
        i += len;
        continue;
      }
    }
    out.put(c);
    ++i;
  }
}

// s/[0-9+-][0-9a-f.xb+-]*/?/g, then s/[xb.+-]\?/?/g. One pass: the second
// substitution pairs a byte of [xb.+-] with the '?' right after it in the
// first one's output, and that byte can never be the '?' of an earlier
// pair, so folding each new '?' into the byte before it is the same.
void replace_numbers(std::string_view s, std::string& result) {
  auto starts = [](char c) { return is_digit(c) || c == '+' || c == '-'; };
  auto continues = [](char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || c == '.' || c == 'x' || c == 'b' || c == '+' || c == '-';
  };
  auto folds = [](char c) { return c == 'x' || c == 'b' || c == '.' || c == '+' || c == '-'; };
  Writer out(result, s.size());
  // Bytes written by the first substitution that the second may not fold
  // into: a '?' it produced is never in [xb.+-], so only "first-pass
  // output" matters, which is exactly what `out` holds.
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (starts(c)) {
      ++i;
      while (i < s.size() && continues(s[i])) ++i;
      c = '?';
    } else {
      ++i;
    }
    if (c == '?' && out.size() != 0 && folds(out.back())) {
      out.set_back('?');
      continue;
    }
    out.put(c);
  }
}

// s/\A\s+//; chomp; tr[ \n\t\r\f][ ]s; lc
void normalise_space_and_case(std::string_view s, std::string& result) {
  size_t b = 0;
  while (b < s.size() && is_space(s[b])) ++b;
  s.remove_prefix(b);
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  Writer out(result, s.size());
  bool in_run = false;
  for (char c : s) {
    // \v is not in tr's list: it is kept, and it breaks a run.
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      if (!in_run) out.put(' ');
      in_run = true;
    } else {
      out.put(lower(c));
      in_run = false;
    }
  }
}

// s/\bnull\b/?/g (on lowercase text)
void replace_nulls(std::string_view s, std::string& result) {
  Writer out(result, s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == 'n' && word_start(s, i) && equal_at(s, i, "null") && word_end(s, i + 4)) {
      out.put('?');
      i += 4;
      continue;
    }
    out.put(s[i]);
    ++i;
  }
}

// s/\b(in|values?)(?:[\s,]*\([\s?,]*\))+/$1(?+)/g (on lowercase text).
// Every quantifier here stops at a byte its class cannot hold, so the scan
// never needs to back up.
void collapse_lists(std::string_view s, std::string& result) {
  // "in()" (4 bytes) -> "in(?+)" (6): the output is at most 1.5 times longer.
  Writer out(result, s.size() * 2 + 16);
  size_t i = 0;
  while (i < s.size()) {
    size_t word = 0;
    if ((s[i] == 'i' || s[i] == 'v') && word_start(s, i)) {
      if (equal_at(s, i, "in"))
        word = 2;
      else if (equal_at(s, i, "values"))
        word = 6;
      else if (equal_at(s, i, "value"))
        word = 5;
    }
    if (word != 0) {
      size_t end = i + word;
      size_t groups = 0;
      for (;;) {
        size_t k = end;
        while (k < s.size() && (is_space(s[k]) || s[k] == ',')) ++k;
        if (k >= s.size() || s[k] != '(') break;
        ++k;
        while (k < s.size() && (is_space(s[k]) || s[k] == '?' || s[k] == ',')) ++k;
        if (k >= s.size() || s[k] != ')') break;
        end = k + 1;
        ++groups;
      }
      if (groups != 0) {
        out.put(s.substr(i, word));
        out.put("(?+)");
        i = end;
        continue;
      }
    }
    out.put(s[i]);
    ++i;
  }
}

// One iteration of (?:(\sunion(?:\sall)?)\s\1) at pos; returns its end (or
// npos) and the union keyword text.
size_t match_union_repeat(std::string_view s, size_t pos, std::string_view x, std::string_view& keyword) {
  if (pos >= s.size() || !is_space(s[pos]) || !equal_at(s, pos + 1, "union")) return std::string_view::npos;
  size_t m = pos + 6;
  if (m < s.size() && is_space(s[m]) && equal_at(s, m + 1, "all") && m + 4 < s.size() && is_space(s[m + 4]) &&
      equal_at(s, m + 5, x)) {
    keyword = s.substr(pos, m + 4 - pos);
    return m + 5 + x.size();
  }
  if (m < s.size() && is_space(s[m]) && equal_at(s, m + 1, x)) {
    keyword = s.substr(pos, m - pos);
    return m + 1 + x.size();
  }
  return std::string_view::npos;
}

// s{\b(select\s.*?)(?:(\sunion(?:\sall)?)\s\1)+}{$1 /*repeat$2*/}xg
// Runs after the whitespace pass, so no "\n" is left for '.' to refuse.
void collapse_unions(std::string_view s, std::string& result) {
  // Each match replaces "X union[ all] X" by "X /*repeat union[ all]*/" and
  // X holds at least 7 bytes: at most 2 bytes longer per match.
  Writer out(result, s.size() * 2 + 16);
  // Where a "\sunion" begins: the only places $1 can end.
  std::vector<size_t> unions;
  for (size_t u = s.find("union"); u != std::string_view::npos; u = s.find("union", u + 1))
    if (u > 0 && is_space(s[u - 1])) unions.push_back(u - 1);
  size_t copied = 0;
  size_t p = 0;
  while (p < s.size()) {
    size_t match_end = std::string_view::npos;
    if (s[p] == 's' && word_start(s, p) && equal_at(s, p, "select") && p + 6 < s.size() && is_space(s[p + 6])) {
      // .*? is lazy: try the shortest $1 first.
      auto first = std::lower_bound(unions.begin(), unions.end(), p + 7);
      for (auto u = first; u != unions.end() && match_end == std::string_view::npos; ++u) {
        size_t q = *u;
        std::string_view x = s.substr(p, q - p);
        std::string_view keyword;
        size_t end = match_union_repeat(s, q, x, keyword);
        if (end == std::string_view::npos) continue;
        // The + is greedy: take every further repetition.
        for (std::string_view next_keyword;;) {
          size_t next = match_union_repeat(s, end, x, next_keyword);
          if (next == std::string_view::npos) break;
          end = next;
          keyword = next_keyword;
        }
        out.put(s.substr(copied, p - copied));
        out.put(x);
        out.put(" /*repeat");
        out.put(keyword);
        out.put("*/");
        match_end = end;
      }
    }
    if (match_end != std::string_view::npos) {
      copied = match_end;
      p = match_end;
    } else {
      ++p;
    }
  }
  out.put(s.substr(copied));
}

// s/\blimit \?(?:, ?\?| offset \?)?/limit ?/ (first occurrence only)
void collapse_limit(std::string& s) {
  for (size_t i = s.find("limit ?"); i != std::string::npos; i = s.find("limit ?", i + 1)) {
    if (!word_start(s, i)) continue;
    size_t end = i + 7;
    std::string_view v(s);
    if (equal_at(v, end, ", ?"))
      end += 3;
    else if (equal_at(v, end, ",?"))
      end += 2;
    else if (equal_at(v, end, " offset ?"))
      end += 9;
    s.replace(i, end - i, "limit ?");
    return;
  }
}

// if (m/\bORDER BY /gi) { s/\G(.+?)\s+ASC/$1/gi }: from the first ORDER BY,
// drop each "\s+asc" in turn, as long as the matches stay contiguous (\G).
void drop_order_by_asc(std::string_view s, std::string& result) {
  size_t g = std::string_view::npos;
  for (size_t i = s.find("order by "); i != std::string_view::npos; i = s.find("order by ", i + 1))
    if (word_start(s, i)) {
      g = i + 9;
      break;
    }
  Writer out(result, s.size());
  if (g == std::string_view::npos) {
    out.put(s);
    return;
  }
  out.put(s.substr(0, g));
  for (;;) {
    // (.+?) takes at least one byte ('.' refuses "\n", but none is left by
    // now); \s+ is greedy and "asc" starts with a non-space, so the match is
    // the first whitespace run after g+1 that is followed by "asc".
    size_t found = std::string_view::npos;
    size_t run_end = 0;
    for (size_t k = g + 1; k < s.size(); ++k) {
      if (!is_space(s[k])) continue;
      size_t e = k;
      while (e < s.size() && is_space(s[e])) ++e;
      if (equal_at(s, e, "asc")) {
        found = k;
        run_end = e;
        break;
      }
      k = e - 1;
    }
    if (found == std::string_view::npos) break;
    out.put(s.substr(g, found - g));
    g = run_end + 3;
  }
  out.put(s.substr(g));
}

}  // namespace

std::string fingerprint(std::string_view query) {
  if (equal_at(query, 0, "SELECT /*!40001 SQL_NO_CACHE */ * FROM `")) return "mysqldump";
  if (has_percona_toolkit_marker(query)) return "percona-toolkit";
  if (equal_at(query, 0, "administrator command: ")) return std::string(query);
  size_t call_begin = 0;
  if (size_t call_end = call_prefix_end(query, call_begin); call_end != std::string_view::npos)
    return to_lower(query.substr(call_begin, call_end - call_begin));
  if (size_t cut = multi_insert_prefix(query); cut != 0) query = query.substr(0, cut);

  // Two buffers, reused across calls on this thread: each pass reads one
  // and writes the other. A pass whose trigger byte is absent is skipped.
  thread_local std::string buffers[2];
  int current = 0;
  buffers[0].assign(query);
  auto text = [&]() { return std::string_view(buffers[current]); };
  auto run = [&](auto&& pass) {
    pass(text(), buffers[1 - current]);
    current = 1 - current;
  };
  auto has = [&](char c) { return text().find(c) != std::string_view::npos; };

  if (text().find("/*") != std::string_view::npos) run(strip_block_comments);
  if (has('#') || text().find("--") != std::string_view::npos) run(strip_line_comments);
  if (std::string use; abstract_use(text(), use)) return use;
  if (has('\\')) run(remove_escaped_quotes);
  if (has('"')) run([](std::string_view s, std::string& out) { replace_quoted(s, '"', out); });
  if (has('\'')) run([](std::string_view s, std::string& out) { replace_quoted(s, '\'', out); });
  run(replace_booleans);
  run(replace_numbers);
  run(normalise_space_and_case);
  if (text().find("null") != std::string_view::npos) run(replace_nulls);
  run(collapse_lists);
  if (text().find("union") != std::string_view::npos) run(collapse_unions);
  collapse_limit(buffers[current]);
  if (text().find("order by ") != std::string_view::npos) run(drop_order_by_asc);
  std::string result = buffers[current];
  // One huge statement (a multi-megabyte INSERT) must not pin its buffers
  // for the life of the thread.
  for (auto& b : buffers)
    if (b.capacity() > (1u << 20)) std::string().swap(b);
  return result;
}

std::string query_checksum(std::string_view fingerprint) {
  std::string hex = md5_hex(fingerprint);
  for (char& c : hex)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  return hex;
}

}  // namespace logpost::filters
