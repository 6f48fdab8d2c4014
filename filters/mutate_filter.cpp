#include "filters/mutate_filter.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "filters/field_ref.hpp"
#include "filters/interpolation.hpp"
#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

enum class ConvertType { integer, integer_eu, floating, floating_eu, string, boolean };
enum class CaseOp { upper, capitalize, lower, strip };

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '\0'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> parse_int(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// "1,234.5" (integer/float) or "1.234,5" (the _eu variants) -> "1234.5".
// Returns a view of `s` itself when there is nothing to remove (the common
// case: no allocation), else of `buffer`.
std::string_view number_text(std::string_view s, bool eu, std::string& buffer) {
  s = trim(s);
  if (s.find(',') == std::string_view::npos && (!eu || s.find('.') == std::string_view::npos)) return s;
  buffer.clear();
  for (char c : s) {
    if (eu) {
      if (c == '.') continue;
      buffer += c == ',' ? '.' : c;
    } else if (c != ',') {
      buffer += c;
    }
  }
  return buffer;
}

// Converts one scalar; false when it cannot be converted (left unchanged).
bool convert_scalar(Value& v, ConvertType type) {
  switch (type) {
    case ConvertType::integer:
    case ConvertType::integer_eu: {
      if (v.is_int()) return true;
      if (v.is_double()) {
        double d = v.as_double();
        if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return false;
        v = Value(static_cast<int64_t>(d));
        return true;
      }
      if (v.is_bool()) {
        v = Value(static_cast<int64_t>(v.as_bool() ? 1 : 0));
        return true;
      }
      if (!v.is_string()) return false;
      std::string buffer;
      std::string_view n = number_text(v.as_string(), type == ConvertType::integer_eu, buffer);
      if (auto i = parse_int(n)) {
        v = Value(*i);
        return true;
      }
      // "3.7" as integer is 3, as in Logstash.
      if (auto d = parse_double(n); d && std::fabs(*d) < 9.2e18) {
        v = Value(static_cast<int64_t>(*d));
        return true;
      }
      return false;
    }
    case ConvertType::floating:
    case ConvertType::floating_eu: {
      if (v.is_double()) return true;
      if (v.is_int()) {
        v = Value(static_cast<double>(v.as_int()));
        return true;
      }
      if (v.is_bool()) {
        v = Value(v.as_bool() ? 1.0 : 0.0);
        return true;
      }
      if (!v.is_string()) return false;
      std::string buffer;
      if (auto d = parse_double(number_text(v.as_string(), type == ConvertType::floating_eu, buffer))) {
        v = Value(*d);
        return true;
      }
      return false;
    }
    case ConvertType::string:
      if (!v.is_string()) v = Value(v.to_text());
      return true;
    case ConvertType::boolean: {
      if (v.is_bool()) return true;
      std::string s;
      if (v.is_string()) {
        for (char c : trim(v.as_string())) s += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      } else if (v.is_number()) {
        s = v.to_text();
      } else {
        return false;
      }
      if (s == "true" || s == "t" || s == "yes" || s == "y" || s == "1" || s == "1.0") {
        v = Value(true);
        return true;
      }
      if (s == "false" || s == "f" || s == "no" || s == "n" || s == "0" || s == "0.0") {
        v = Value(false);
        return true;
      }
      return false;
    }
  }
  return false;
}

void apply_case(std::string& s, CaseOp op) {
  switch (op) {
    case CaseOp::upper:
      for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      break;
    case CaseOp::lower:
      for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      break;
    case CaseOp::capitalize:
      for (size_t i = 0; i < s.size(); ++i) {
        char& c = s[i];
        if (i == 0 && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        else if (i > 0 && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      break;
    case CaseOp::strip: {
      std::string_view t = trim(s);
      if (t.size() != s.size()) s = std::string(t);
      break;
    }
  }
}

Array split_string(const std::string& s, const std::string& sep) {
  Array out;
  if (sep == " ") {
    // Ruby's awk-style split: runs of whitespace, no empty fields.
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && is_space(s[i])) ++i;
      size_t start = i;
      while (i < s.size() && !is_space(s[i])) ++i;
      if (i > start) out.emplace_back(s.substr(start, i - start));
    }
    return out;
  }
  if (sep.empty()) {
    for (char c : s) out.emplace_back(std::string(1, c));
    return out;
  }
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    if (at == std::string::npos) {
      out.emplace_back(s.substr(start));
      break;
    }
    out.emplace_back(s.substr(start, at - start));
    start = at + sep.size();
  }
  while (!out.empty() && out.back().as_string().empty()) out.pop_back();
  return out;
}

struct FieldTemplate {
  FieldRef field;
  Template value;
};
struct FieldPair {
  FieldRef from;
  FieldRef to;
};
// A copy whose source and destination are in the same object ("[source][ip]"
// => "[source][address]"): that object is found once and the value copied
// within it, instead of one path walk to read and another to write.
struct CopyPair {
  FieldRef from;
  FieldRef to;
  bool siblings = false;  // same parent path, neither is @timestamp
};

bool same_parent(const FieldRef& a, const FieldRef& b) {
  if (a.is_timestamp() || b.is_timestamp()) return false;
  const auto& x = a.path().segments();
  const auto& y = b.path().segments();
  return !x.empty() && x.size() == y.size() && std::equal(x.begin(), x.end() - 1, y.begin());
}

// The object holding the path's last segment, or null when a parent is
// absent or not an object (then the field is absent too).
Object* parent_object(Event& event, const FieldPath& path) {
  const auto& segs = path.segments();
  Object* obj = &event.fields();
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    Value* child = obj->find(segs[i]);
    if (!child || !child->is_object()) return nullptr;
    obj = &child->as_object();
  }
  return obj;
}

struct FieldString {
  FieldRef field;
  std::string text;
};
struct Convert {
  FieldRef field;
  ConvertType type;
};
struct Gsub {
  FieldRef field;
  std::unique_ptr<RE2> regex;
  Template replacement;
};
struct CaseEdit {
  FieldRef field;
  CaseOp op;
};

class MutateFilter final : public Filter {
 public:
  std::vector<FieldString> coerce;
  std::vector<FieldPair> rename;
  std::vector<FieldTemplate> update;
  std::vector<FieldTemplate> replace;
  std::vector<Convert> convert;
  std::vector<Gsub> gsub;
  std::vector<CaseEdit> case_edits;  // uppercase, capitalize, lowercase, strip in that order
  std::vector<FieldString> split;
  std::vector<FieldString> join;
  std::vector<FieldPair> merge;       // from = dest, to = added
  std::vector<CopyPair> copy;
  std::vector<std::string> tag_on_failure;

  FilterOutcome process(Event& event) override {
    bool failed = false;
    Value scratch;
    for (const auto& c : coerce) {
      Value* v = c.field.find_mutable(event);
      if (v && v->is_null()) *v = Value(c.text);
    }
    for (const auto& r : rename) {
      if (r.from.is_timestamp()) {
        const Value* ts = r.from.find(event, scratch);
        if (ts) r.to.set(event, *ts);
        continue;
      }
      Value* v = r.from.find_mutable(event);
      if (!v) continue;
      if (r.to.is_timestamp()) {
        // Unparsable text must not vanish: keep the source then.
        if (r.to.set(event, *v)) r.from.remove(event);
        continue;
      }
      Value moved = std::move(*v);
      r.from.remove(event);
      r.to.set(event, std::move(moved));
    }
    for (const auto& u : update)
      if (u.field.exists(event)) u.field.set(event, Value(u.value.render(event)));
    for (const auto& u : replace) u.field.set(event, Value(u.value.render(event)));
    for (const auto& c : convert) {
      Value* v = c.field.find_mutable(event);
      if (!v) continue;
      if (v->is_array()) {
        for (auto& item : v->as_array())
          if (!item.is_null() && !convert_scalar(item, c.type)) failed = true;
      } else if (!v->is_null() && !convert_scalar(*v, c.type)) {
        failed = true;
      }
    }
    for (const auto& g : gsub) {
      Value* v = g.field.find_mutable(event);
      if (!v) continue;
      std::string rewrite = g.replacement.render(event);
      auto edit = [&](Value& item) {
        if (item.is_string()) RE2::GlobalReplace(&item.as_string(), *g.regex, rewrite);
      };
      if (v->is_array()) {
        for (auto& item : v->as_array()) edit(item);
      } else {
        edit(*v);
      }
    }
    for (const auto& c : case_edits) {
      Value* v = c.field.find_mutable(event);
      if (!v) continue;
      if (v->is_string()) {
        apply_case(v->as_string(), c.op);
      } else if (v->is_array()) {
        for (auto& item : v->as_array())
          if (item.is_string()) apply_case(item.as_string(), c.op);
      }
    }
    for (const auto& s : split) {
      Value* v = s.field.find_mutable(event);
      if (v && v->is_string()) *v = Value(split_string(v->as_string(), s.text));
    }
    for (const auto& j : join) {
      Value* v = j.field.find_mutable(event);
      if (!v || !v->is_array()) continue;
      std::string joined;
      bool first = true;
      for (const auto& item : v->as_array()) {
        if (!first) joined += j.text;
        first = false;
        append_interpolated(item, joined);
      }
      *v = Value(std::move(joined));
    }
    for (const auto& m : merge) {
      const Value* added = m.to.find(event, scratch);
      if (!added) continue;
      Value add = *added;
      Value* dest = m.from.find_mutable(event);
      if (!dest) {
        if (add.is_object() || add.is_array()) {
          m.from.set(event, std::move(add));
        } else {
          Array arr;
          arr.push_back(std::move(add));
          m.from.set(event, Value(std::move(arr)));
        }
        continue;
      }
      if (dest->is_object() || add.is_object()) {
        // Logstash refuses to merge a hash with a non-hash; so do we.
        if (!(dest->is_object() && add.is_object())) continue;
        for (auto& [k, val] : add.as_object()) dest->as_object().set(k, std::move(val));
        continue;
      }
      if (!dest->is_array()) {
        Array arr;
        arr.push_back(std::move(*dest));
        *dest = Value(std::move(arr));
      }
      if (add.is_array()) {
        for (auto& item : add.as_array()) dest->as_array().push_back(std::move(item));
      } else {
        dest->as_array().push_back(std::move(add));
      }
    }
    run_copies(event);
    if (failed) {
      for (const auto& t : tag_on_failure) event.add_tag(t);
      return FilterOutcome::failure;
    }
    return FilterOutcome::success;
  }

 private:
  void run_copies(Event& event) const {
    for (const auto& c : copy) {
      if (c.siblings) {
        Object* parent = parent_object(event, c.from.path());
        const Value* v = parent ? parent->find(c.from.path().segments().back()) : nullptr;
        if (!v) continue;
        const std::string& to = c.to.path().segments().back();
        if (Value* existing = parent->find(to)) *existing = *v;  // v itself when from == to: a self-copy
        else parent->add_absent(to, Value(*v));                   // the copy is made before the vector may grow
        continue;
      }
      Value scratch;
      const Value* v = c.from.find(event, scratch);
      if (v) c.to.set(event, Value(*v));
    }
  }
};

std::optional<FieldRef> field(OptionReader& opts, std::string_view option, const std::string& name) {
  auto ref = FieldRef::parse(name);
  if (!ref) {
    opts.error(option, "'" + name + "': " + ref.error().message);
    return std::nullopt;
  }
  return std::move(*ref);
}

std::optional<Template> templ(OptionReader& opts, std::string_view option, const std::string& text) {
  auto t = Template::compile(text);
  if (!t) {
    opts.error(option, t.error().message);
    return std::nullopt;
  }
  return std::move(*t);
}

}  // namespace

Result<std::unique_ptr<Filter>> make_mutate_filter(const PluginBlock& block, const BuildContext&) {
  OptionReader opts(block, {"coerce", "rename", "update", "replace", "convert", "gsub", "uppercase", "capitalize",
                            "lowercase", "strip", "split", "join", "merge", "copy", "tag_on_failure"});
  auto filter = std::make_unique<MutateFilter>();

  for (const auto& [k, v] : opts.string_hash("coerce"))
    if (auto f = field(opts, "coerce", k)) filter->coerce.push_back({std::move(*f), v});
  auto pairs = [&](std::string_view option, std::vector<FieldPair>& out) {
    for (const auto& [k, v] : opts.string_hash(option)) {
      auto a = field(opts, option, k);
      auto b = field(opts, option, v);
      if (a && b) out.push_back({std::move(*a), std::move(*b)});
    }
  };
  pairs("rename", filter->rename);
  auto templates = [&](std::string_view option, std::vector<FieldTemplate>& out) {
    for (const auto& [k, v] : opts.string_hash(option)) {
      auto f = field(opts, option, k);
      auto t = templ(opts, option, v);
      if (f && t) out.push_back({std::move(*f), std::move(*t)});
    }
  };
  templates("update", filter->update);
  templates("replace", filter->replace);
  for (const auto& [k, v] : opts.string_hash("convert")) {
    std::optional<ConvertType> type;
    if (v == "integer") type = ConvertType::integer;
    else if (v == "integer_eu") type = ConvertType::integer_eu;
    else if (v == "float") type = ConvertType::floating;
    else if (v == "float_eu") type = ConvertType::floating_eu;
    else if (v == "string") type = ConvertType::string;
    else if (v == "boolean") type = ConvertType::boolean;
    else opts.error("convert", "unknown type '" + v + "' for '" + k + "' (integer, integer_eu, float, float_eu, string, boolean)");
    auto f = field(opts, "convert", k);
    if (f && type) filter->convert.push_back({std::move(*f), *type});
  }
  auto gsub = opts.string_list("gsub");
  if (gsub.size() % 3 != 0) {
    opts.error("gsub", "expected [ \"field\", \"regex\", \"replacement\", ... ] in groups of three");
  } else {
    for (size_t i = 0; i < gsub.size(); i += 3) {
      auto f = field(opts, "gsub", gsub[i]);
      RE2::Options o;
      o.set_log_errors(false);
      auto re = std::make_unique<RE2>(gsub[i + 1], o);
      if (!re->ok()) {
        opts.error("gsub", "invalid regular expression '" + gsub[i + 1] + "': " + re->error());
        continue;
      }
      auto t = templ(opts, "gsub", gsub[i + 2]);
      std::string why;
      if (t && t->is_constant() && !re->CheckRewriteString(gsub[i + 2], &why)) {
        opts.error("gsub", "replacement '" + gsub[i + 2] + "': " + why);
        continue;
      }
      if (f && t) filter->gsub.push_back({std::move(*f), std::move(re), std::move(*t)});
    }
  }
  const std::pair<std::string_view, CaseOp> case_options[] = {
      {"uppercase", CaseOp::upper}, {"capitalize", CaseOp::capitalize}, {"lowercase", CaseOp::lower}, {"strip", CaseOp::strip}};
  for (const auto& [option, op] : case_options)
    for (const auto& name : opts.string_list(option))
      if (auto f = field(opts, option, name)) filter->case_edits.push_back({std::move(*f), op});
  for (const auto& [k, v] : opts.string_hash("split"))
    if (auto f = field(opts, "split", k)) filter->split.push_back({std::move(*f), v});
  for (const auto& [k, v] : opts.string_hash("join"))
    if (auto f = field(opts, "join", k)) filter->join.push_back({std::move(*f), v});
  pairs("merge", filter->merge);
  std::vector<FieldPair> copies;
  pairs("copy", copies);
  for (auto& c : copies) {
    const bool siblings = same_parent(c.from, c.to);
    filter->copy.push_back({std::move(c.from), std::move(c.to), siblings});
  }
  filter->tag_on_failure = opts.has("tag_on_failure") ? opts.string_list("tag_on_failure")
                                                      : std::vector<std::string>{"_mutate_error"};
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(std::move(filter));
}

}  // namespace logpost::filters
