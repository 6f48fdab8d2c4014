#include "filters/mysql_slowlog_parser.hpp"

namespace logpost::filters {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// pt-query-digest's test for a header line: "#", "use ", or one of the SET
// lines mysqld writes itself.
bool is_header_line(std::string_view line) {
  return line.starts_with('#') || line.starts_with("use ") || line.starts_with("SET last_insert_id") ||
         line.starts_with("SET insert_id") || line.starts_with("SET timestamp");
}

// Every "Key: value" pair of a header line ((\w+):\s+(\S+|\Z) in Perl),
// where a value that is itself a "Key:" means the first key was empty.
void parse_attributes(std::string_view line, std::vector<SlowLogAttribute>& out) {
  size_t i = 0;
  const size_t n = line.size();
  while (i < n) {
    if (!is_word(line[i])) {
      ++i;
      continue;
    }
    size_t key_begin = i;
    while (i < n && is_word(line[i])) ++i;
    if (i >= n || line[i] != ':') continue;
    size_t key_end = i++;
    size_t v = i;
    while (v < n && is_space(line[v])) ++v;
    if (v == i && v < n) continue;  // "Key:x" is no pair (e.g. the "00:00" of a time)
    size_t value_end = v;
    while (value_end < n && !is_space(line[value_end])) ++value_end;
    std::string_view value = line.substr(v, value_end - v);
    // "Schema:  QC_hit: No": the next token is a key, the value is empty.
    bool value_is_key = value.size() > 1 && value.back() == ':';
    for (size_t k = 0; value_is_key && k + 1 < value.size(); ++k) value_is_key = is_word(value[k]);
    if (value_is_key) {
      out.push_back({line.substr(key_begin, key_end - key_begin), {}});
      i = v;
      continue;
    }
    out.push_back({line.substr(key_begin, key_end - key_begin), value});
    i = value_end;
  }
}

// "# User@Host: user[current] @ host [ip]  Id: 12" from `at` (the text
// after "User@Host: "). False when the line does not have that shape.
bool parse_user_host(std::string_view s, SlowLogRecord& r) {
  size_t i = 0;
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    r.current_user = s.substr(1, close - 1);
    i = close + 1;
  } else {
    size_t end = i;
    while (end < s.size() && s[end] != '[' && s[end] != '@') ++end;
    r.user = trim(s.substr(0, end));
    i = end;
    if (i < s.size() && s[i] == '[') {
      size_t close = s.find(']', i);
      if (close == std::string_view::npos) return false;
      r.current_user = s.substr(i + 1, close - i - 1);
      i = close + 1;
    }
  }
  size_t at = s.find("@ ", i);
  if (at == std::string_view::npos) return false;
  i = at + 2;
  size_t host_end = i;
  while (host_end < s.size() && !is_space(s[host_end])) ++host_end;
  r.host = s.substr(i, host_end - i);
  i = host_end;
  if (s.substr(i, 2) != " [") return false;
  size_t close = s.find(']', i + 2);
  if (close == std::string_view::npos) return false;
  r.ip = s.substr(i + 2, close - i - 2);
  r.has_user_host = true;
  parse_attributes(s.substr(close + 1), r.attributes);
  return true;
}

// "SET insert_id=5,timestamp=1709510400;" -> "1709510400".
std::string_view set_timestamp_of(std::string_view line) {
  std::string_view rest = line.substr(3);
  size_t semicolon = rest.find(';');
  if (semicolon != std::string_view::npos) rest = rest.substr(0, semicolon);
  size_t pos = rest.find("timestamp");
  if (pos == std::string_view::npos) return {};
  rest = rest.substr(pos + 9);
  rest = trim(rest);
  if (rest.empty() || rest[0] != '=') return {};
  rest = trim(rest.substr(1));
  size_t comma = rest.find(',');
  return trim(rest.substr(0, comma));
}

}  // namespace

const std::string_view* SlowLogRecord::attribute(std::string_view key) const {
  for (const auto& a : attributes)
    if (a.key == key) return &a.value;
  return nullptr;
}

std::string_view next_slowlog_event(std::string_view& rest) {
  // Where pt-query-digest finds an event without a statement before the
  // boundary, it takes the next line as that statement: the
  // "use db;\nSET timestamp=N;\n# administrator command: Quit;" of every
  // MySQL version. So no cut there.
  bool statement_seen = false;
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t eol = rest.find('\n', pos);
    if (eol == std::string_view::npos) break;
    std::string_view line = rest.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!is_header_line(line)) statement_seen = true;
    size_t next = eol + 1;
    if (!line.empty() && line.back() == ';' && next < rest.size() && rest[next] == '#' &&
        (statement_seen || !rest.substr(next).starts_with("# administrator command:"))) {
      std::string_view event = rest.substr(0, next);
      rest.remove_prefix(next);
      return event;
    }
    pos = next;
  }
  std::string_view event = rest;
  rest = {};
  return event;
}

void parse_slowlog_entry(std::string_view text, SlowLogRecord& r) {
  std::vector<SlowLogAttribute> attributes = std::move(r.attributes);
  attributes.clear();
  r = SlowLogRecord{};
  r.attributes = std::move(attributes);

  bool got_time = false;
  bool got_db = false;
  bool got_set = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, (eol == std::string_view::npos ? text.size() : eol) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (!is_header_line(line)) {
      // The statement: the rest of the entry, less its line end and one ";".
      std::string_view statement = text.substr(pos);
      while (!statement.empty() && (statement.back() == '\n' || statement.back() == '\r')) statement.remove_suffix(1);
      if (!statement.empty() && statement.back() == ';') statement.remove_suffix(1);
      r.statement = statement;
      r.has_statement = true;
      r.admin_command = false;
      return;
    }

    if (line.starts_with("# Time:") && !got_time) {
      got_time = true;
      std::string_view value = line.substr(7);
      // Old Percona builds wrote "# Time: 071218 11:48:27 # User@Host: ...".
      size_t uh = value.find("# User@Host: ");
      if (uh != std::string_view::npos) {
        if (!r.has_user_host) parse_user_host(value.substr(uh + 13), r);
        value = value.substr(0, uh);
      }
      r.time = trim(value);
    } else if (line.starts_with("# User@Host: ")) {
      if (!r.has_user_host) parse_user_host(line.substr(13), r);
    } else if (line.starts_with("# administrator command:")) {
      if (!r.admin_command) {
        std::string_view statement = trim(line.substr(2));
        if (!statement.empty() && statement.back() == ';') statement.remove_suffix(1);
        r.statement = statement;
        r.admin_command = true;
        r.has_statement = true;
      }
    } else if (line.starts_with("# ")) {
      // "# +[A-Z][A-Za-z_]+: \S": a line of attributes (not "# explain:",
      // not "# No InnoDB statistics available for this query").
      size_t k = 1;
      while (k < line.size() && line[k] == ' ') ++k;
      if (k < line.size() && line[k] >= 'A' && line[k] <= 'Z') {
        size_t e = k + 1;
        while (e < line.size() && is_word(line[e]) && !(line[e] >= '0' && line[e] <= '9')) ++e;
        if (e > k + 1 && line.substr(e, 2) == ": " && e + 2 < line.size() && !is_space(line[e + 2]))
          parse_attributes(line.substr(k), r.attributes);
      }
    } else if (line.starts_with("use ")) {
      if (!got_db) {
        got_db = true;
        std::string_view db = line.substr(4);
        size_t semicolon = db.find(';');
        r.use_schema = trim(db.substr(0, semicolon));
      }
    } else if (line.starts_with("SET ")) {
      if (!got_set) {
        got_set = true;
        r.set_timestamp = set_timestamp_of(line);
      }
    }
    pos = next;
  }
}

}  // namespace logpost::filters
