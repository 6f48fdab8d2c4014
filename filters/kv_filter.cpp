#include "filters/kv_filter.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <optional>

#include "filters/condition.hpp"
#include "filters/field_ref.hpp"
#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

// A set of bytes, for O(1) membership per character.
class CharSet {
 public:
  CharSet() { m_bits.fill(false); }
  static CharSet parse(std::string_view spec) {
    CharSet set;
    for (size_t i = 0; i < spec.size(); ++i) {
      char c = spec[i];
      if (c == '\\' && i + 1 < spec.size()) {
        char e = spec[++i];
        switch (e) {
          case 't': set.add('\t'); break;
          case 'n': set.add('\n'); break;
          case 'r': set.add('\r'); break;
          case 's':
            for (char w : std::string_view(" \t\n\r\f\v")) set.add(w);
            break;
          default: set.add(e); break;
        }
      } else {
        set.add(c);
      }
    }
    return set;
  }
  void add(char c) {
    m_bits[static_cast<unsigned char>(c)] = true;
    m_empty = false;
  }
  [[nodiscard]] bool has(char c) const { return m_bits[static_cast<unsigned char>(c)]; }
  [[nodiscard]] bool empty() const { return m_empty; }

 private:
  std::array<bool, 256> m_bits{};
  bool m_empty = true;
};

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

enum class Transform { none, lower, upper, capitalize };

void transform(std::string& s, Transform t) {
  switch (t) {
    case Transform::none: return;
    case Transform::lower:
      for (char& c : s) if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      return;
    case Transform::upper:
      for (char& c : s) if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      return;
    case Transform::capitalize:
      for (size_t i = 0; i < s.size(); ++i) {
        char& c = s[i];
        if (i == 0 && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        else if (i > 0 && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      return;
  }
}

struct Span {
  size_t start = std::string_view::npos;
  size_t end = std::string_view::npos;
  [[nodiscard]] bool found() const { return start != std::string_view::npos; }
};

class KvFilter final : public Filter {
 public:
  FieldRef source;
  std::optional<FieldRef> target;
  CharSet field_split = CharSet::parse(" ");
  CharSet value_split = CharSet::parse("=");
  std::unique_ptr<RE2> field_split_re;
  std::unique_ptr<RE2> value_split_re;
  bool include_brackets = true;
  bool lenient = true;
  CharSet trim_key, trim_value, remove_char_key, remove_char_value;
  Transform transform_key = Transform::none;
  Transform transform_value = Transform::none;
  std::vector<std::string> include_keys, exclude_keys;
  std::string prefix;
  std::vector<std::pair<std::string, std::string>> default_keys;
  bool allow_duplicate_values = true;
  bool allow_empty_values = false;
  bool recursive = false;
  std::vector<std::string> tag_on_failure;

  FilterOutcome process(Event& event) override {
    Value scratch;
    const Value* src = source.find(event, scratch);
    if (!src) return FilterOutcome::failure;
    Object pairs;
    if (src->is_string()) {
      parse(src->as_string(), pairs, 0);
    } else if (src->is_array()) {
      for (const auto& item : src->as_array())
        if (item.is_string()) parse(item.as_string(), pairs, 0);
    } else {
      return FilterOutcome::failure;
    }
    for (const auto& [k, v] : default_keys)
      if (!pairs.find(k)) pairs.set(k, Value(v));
    if (pairs.empty()) return FilterOutcome::success;
    if (target) {
      Value* t = target->find_mutable(event);
      if (!t || !t->is_object()) {
        target->set(event, Value(std::move(pairs)));
      } else {
        for (auto& [k, v] : pairs) t->as_object().set(k, std::move(v));
      }
    } else {
      for (auto& [k, v] : pairs) event.set(std::string_view(k), std::move(v));
    }
    return FilterOutcome::success;
  }

 private:
  // First field separator at or after `from`.
  Span find_field_sep(std::string_view s, size_t from) const {
    if (field_split_re) {
      re2::StringPiece m;
      if (from <= s.size() && field_split_re->Match(s, from, s.size(), RE2::UNANCHORED, &m, 1) && !m.empty()) {
        size_t start = static_cast<size_t>(m.data() - s.data());
        return {start, start + m.size()};
      }
      return {};
    }
    for (size_t i = from; i < s.size(); ++i)
      if (field_split.has(s[i])) return {i, i + 1};
    return {};
  }

  // First value separator in [from, limit).
  Span find_value_sep(std::string_view s, size_t from, size_t limit) const {
    if (value_split_re) {
      re2::StringPiece m;
      if (from <= limit && value_split_re->Match(s, from, limit, RE2::UNANCHORED, &m, 1) && !m.empty()) {
        size_t start = static_cast<size_t>(m.data() - s.data());
        return {start, start + m.size()};
      }
      return {};
    }
    for (size_t i = from; i < limit; ++i)
      if (value_split.has(s[i])) return {i, i + 1};
    return {};
  }

  // A value separator starting exactly at `at`.
  Span value_sep_at(std::string_view s, size_t at) const {
    if (value_split_re) {
      re2::StringPiece m;
      if (value_split_re->Match(s, at, s.size(), RE2::ANCHOR_START, &m, 1) && !m.empty()) return {at, at + m.size()};
      return {};
    }
    if (at < s.size() && value_split.has(s[at])) return {at, at + 1};
    return {};
  }

  static char closer_for(char c, bool brackets) {
    switch (c) {
      case '"': return '"';
      case '\'': return '\'';
      case '(': return brackets ? ')' : 0;
      case '[': return brackets ? ']' : 0;
      case '<': return brackets ? '>' : 0;
      default: return 0;
    }
  }

  static void trim(std::string& s, const CharSet& set) {
    if (set.empty()) return;
    size_t b = 0, e = s.size();
    while (b < e && set.has(s[b])) ++b;
    while (e > b && set.has(s[e - 1])) --e;
    if (b != 0 || e != s.size()) s = s.substr(b, e - b);
  }
  static void remove_chars(std::string& s, const CharSet& set) {
    if (set.empty()) return;
    s.erase(std::remove_if(s.begin(), s.end(), [&](char c) { return set.has(c); }), s.end());
  }

  void parse(std::string_view s, Object& out, int depth) const {
    size_t pos = 0;
    const size_t n = s.size();
    while (pos < n) {
      // Skip separators before a pair.
      for (;;) {
        Span fs = find_field_sep(s, pos);
        if (fs.found() && fs.start == pos) pos = fs.end;
        else break;
      }
      if (pos >= n) break;
      Span fs = find_field_sep(s, pos);
      size_t limit = fs.found() ? fs.start : n;
      Span vs = find_value_sep(s, pos, limit);
      if (!vs.found() && lenient && fs.found()) {
        // "key = value" with a space as field separator.
        size_t j = fs.start;
        while (j < n && is_ws(s[j])) ++j;
        if (j < n && j > fs.start) {
          Span v2 = value_sep_at(s, j);
          bool only_ws = true;
          for (size_t k = fs.start; k < j; ++k) only_ws = only_ws && is_ws(s[k]);
          if (v2.found() && only_ws) vs = v2;
        }
      }
      if (!vs.found()) {
        pos = fs.found() ? fs.end : n;
        continue;
      }
      std::string_view key = s.substr(pos, vs.start - pos);
      size_t vpos = vs.end;
      if (lenient) {
        while (!key.empty() && is_ws(key.back())) key.remove_suffix(1);
        while (vpos < n && is_ws(s[vpos])) ++vpos;
      }
      std::string_view value;
      bool bracketed = false;
      char close = vpos < n ? closer_for(s[vpos], include_brackets) : 0;
      size_t closing = close ? s.find(close, vpos + 1) : std::string_view::npos;
      if (closing != std::string_view::npos) {
        value = s.substr(vpos + 1, closing - vpos - 1);
        bracketed = s[vpos] != '"' && s[vpos] != '\'';
        pos = closing + 1;
      } else {
        Span end = find_field_sep(s, vpos);
        size_t stop = end.found() ? end.start : n;
        value = s.substr(vpos, stop - vpos);
        pos = stop;
      }
      emit(key, value, bracketed, out, depth);
    }
  }

  void emit(std::string_view raw_key, std::string_view raw_value, bool bracketed, Object& out, int depth) const {
    std::string key(raw_key);
    trim(key, trim_key);
    remove_chars(key, remove_char_key);
    if (key.empty()) return;
    if (!include_keys.empty() && std::find(include_keys.begin(), include_keys.end(), key) == include_keys.end()) return;
    if (std::find(exclude_keys.begin(), exclude_keys.end(), key) != exclude_keys.end()) return;
    transform(key, transform_key);
    if (!prefix.empty()) key = prefix + key;

    Value value;
    if (recursive && bracketed && depth < 8 && find_value_sep(raw_value, 0, raw_value.size()).found()) {
      Object inner;
      parse(raw_value, inner, depth + 1);
      value = Value(std::move(inner));
    } else {
      std::string v(raw_value);
      trim(v, trim_value);
      remove_chars(v, remove_char_value);
      if (v.empty() && !allow_empty_values) return;
      transform(v, transform_value);
      value = Value(std::move(v));
    }

    Value* existing = out.find(key);
    if (!existing) {
      out.set(key, std::move(value));
      return;
    }
    if (!existing->is_array()) {
      if (!allow_duplicate_values && values_equal(*existing, value)) return;
      Array arr;
      arr.push_back(std::move(*existing));
      *existing = Value(std::move(arr));
    }
    if (!allow_duplicate_values)
      for (const auto& item : existing->as_array())
        if (values_equal(item, value)) return;
    existing->as_array().push_back(std::move(value));
  }
};

std::optional<Transform> parse_transform(OptionReader& opts, std::string_view option) {
  auto v = opts.string(option);
  if (!v) return Transform::none;
  if (*v == "lowercase") return Transform::lower;
  if (*v == "uppercase") return Transform::upper;
  if (*v == "capitalize") return Transform::capitalize;
  opts.error(option, "expected lowercase, uppercase or capitalize, got '" + *v + "'");
  return std::nullopt;
}

std::unique_ptr<RE2> compile_pattern(OptionReader& opts, std::string_view option) {
  auto v = opts.string(option);
  if (!v) return nullptr;
  if (v->empty()) {
    opts.error(option, "must not be empty");
    return nullptr;
  }
  RE2::Options o;
  o.set_log_errors(false);
  auto re = std::make_unique<RE2>(*v, o);
  if (!re->ok()) {
    opts.error(option, "invalid regular expression: " + re->error());
    return nullptr;
  }
  return re;
}

}  // namespace

Result<std::unique_ptr<Filter>> make_kv_filter(const PluginBlock& block, const BuildContext&) {
  OptionReader opts(block, {"source", "target", "field_split", "value_split", "field_split_pattern",
                            "value_split_pattern", "include_brackets", "whitespace", "trim_key", "trim_value",
                            "remove_char_key", "remove_char_value", "transform_key", "transform_value",
                            "include_keys", "exclude_keys", "prefix", "default_keys", "allow_duplicate_values",
                            "allow_empty_values", "recursive", "tag_on_failure", "timeout_millis", "tag_on_timeout"});
  auto f = std::make_unique<KvFilter>();
  auto ref = [&](std::string_view option, const std::string& text) -> std::optional<FieldRef> {
    auto r = FieldRef::parse(text);
    if (!r) {
      opts.error(option, r.error().message);
      return std::nullopt;
    }
    return std::move(*r);
  };
  if (auto s = ref("source", opts.string("source").value_or("message"))) f->source = std::move(*s);
  if (auto t = opts.string("target")) f->target = ref("target", *t);
  if (auto v = opts.string("field_split")) {
    if (v->empty()) opts.error("field_split", "must not be empty");
    else f->field_split = CharSet::parse(*v);
  }
  if (auto v = opts.string("value_split")) {
    if (v->empty()) opts.error("value_split", "must not be empty");
    else f->value_split = CharSet::parse(*v);
  }
  f->field_split_re = compile_pattern(opts, "field_split_pattern");
  f->value_split_re = compile_pattern(opts, "value_split_pattern");
  f->include_brackets = opts.boolean("include_brackets").value_or(true);
  if (auto w = opts.string("whitespace")) {
    if (*w == "strict") f->lenient = false;
    else if (*w != "lenient") opts.error("whitespace", "expected lenient or strict, got '" + *w + "'");
  }
  if (auto v = opts.string("trim_key")) f->trim_key = CharSet::parse(*v);
  if (auto v = opts.string("trim_value")) f->trim_value = CharSet::parse(*v);
  if (auto v = opts.string("remove_char_key")) f->remove_char_key = CharSet::parse(*v);
  if (auto v = opts.string("remove_char_value")) f->remove_char_value = CharSet::parse(*v);
  if (auto t = parse_transform(opts, "transform_key")) f->transform_key = *t;
  if (auto t = parse_transform(opts, "transform_value")) f->transform_value = *t;
  f->include_keys = opts.string_list("include_keys");
  f->exclude_keys = opts.string_list("exclude_keys");
  f->prefix = opts.string("prefix").value_or("");
  f->default_keys = opts.string_hash("default_keys");
  f->allow_duplicate_values = opts.boolean("allow_duplicate_values").value_or(true);
  f->allow_empty_values = opts.boolean("allow_empty_values").value_or(false);
  f->recursive = opts.boolean("recursive").value_or(false);
  f->tag_on_failure = opts.has("tag_on_failure") ? opts.string_list("tag_on_failure")
                                                 : std::vector<std::string>{"_kv_filter_error"};
  (void)opts.number("timeout_millis");
  (void)opts.string_list("tag_on_timeout");
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(std::move(f));
}

}  // namespace logpost::filters
