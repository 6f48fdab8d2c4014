#include "filters/dissect_filter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "filters/field_ref.hpp"
#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

enum class FieldKind { normal, skip, append, indirect_key, indirect_value };

struct DissectField {
  FieldKind kind = FieldKind::normal;
  std::string name;          // as written, without modifiers
  FieldRef ref;              // normal, append
  int order = 0;             // append order
  bool pad = false;          // "->"
  std::string delimiter;     // text that follows the field ("" for the last)
};

struct Mapping {
  FieldRef source;
  std::string prefix;
  std::vector<DissectField> fields;
  bool has_append = false;
  bool has_indirect = false;
};

enum class Datatype { integer, floating };

class DissectFilter final : public Filter {
 public:
  std::vector<Mapping> mappings;
  std::vector<std::pair<FieldRef, Datatype>> convert;
  std::string append_separator = " ";
  std::vector<std::string> tag_on_failure;

  FilterOutcome process(Event& event) override {
    bool ok = true;
    for (const auto& m : mappings) ok = apply(m, event) && ok;
    for (const auto& [ref, type] : convert) {
      Value* v = ref.find_mutable(event);
      if (!v || !v->is_string()) continue;
      const std::string& s = v->as_string();
      if (type == Datatype::integer) {
        int64_t i = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) *v = Value(i);
      } else {
        double d = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (ec == std::errc() && p == s.data() + s.size() && !s.empty() && std::isfinite(d)) *v = Value(d);
      }
    }
    if (ok) return FilterOutcome::success;
    for (const auto& t : tag_on_failure) event.add_tag(t);
    return FilterOutcome::failure;
  }

 private:
  bool apply(const Mapping& m, Event& event) {
    Value scratch;
    const Value* src = m.source.find(event, scratch);
    if (!src || !src->is_string()) return false;
    std::string_view s = src->as_string();
    if (s.substr(0, m.prefix.size()) != m.prefix) return false;
    size_t pos = m.prefix.size();
    m_values.clear();
    for (const auto& f : m.fields) {
      std::string_view value;
      if (f.delimiter.empty()) {
        value = s.substr(pos);
        pos = s.size();
      } else {
        size_t at = s.find(f.delimiter, pos);
        if (at == std::string_view::npos) return false;
        value = s.substr(pos, at - pos);
        pos = at + f.delimiter.size();
        if (f.pad)
          while (s.substr(pos, f.delimiter.size()) == f.delimiter) pos += f.delimiter.size();
      }
      m_values.push_back(value);
    }
    // Copy out of the source before writing: a mapping may overwrite its own
    // source field.
    std::vector<std::string> values(m_values.begin(), m_values.end());
    // Indirect pairs: *key's value names &key's field.
    std::vector<std::pair<std::string, std::string>> indirect;
    if (m.has_indirect) {
      for (size_t i = 0; i < m.fields.size(); ++i) {
        if (m.fields[i].kind != FieldKind::indirect_value) continue;
        for (size_t j = 0; j < m.fields.size(); ++j)
          if (m.fields[j].kind == FieldKind::indirect_key && m.fields[j].name == m.fields[i].name)
            indirect.emplace_back(values[j], values[i]);
      }
    }
    if (m.has_append) {
      // Group append parts by target name, in /N order (stable by position).
      std::vector<size_t> order;
      for (size_t i = 0; i < m.fields.size(); ++i)
        if (m.fields[i].kind == FieldKind::append || m.fields[i].kind == FieldKind::normal) order.push_back(i);
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return m.fields[a].order < m.fields[b].order; });
      std::vector<std::pair<const FieldRef*, std::string>> joined;
      std::vector<std::string> names;
      for (size_t i : order) {
        const auto& f = m.fields[i];
        auto it = std::find(names.begin(), names.end(), f.name);
        if (it == names.end()) {
          names.push_back(f.name);
          joined.emplace_back(&f.ref, values[i]);
        } else {
          auto& slot = joined[static_cast<size_t>(it - names.begin())].second;
          slot += append_separator;
          slot += values[i];
        }
      }
      for (auto& [ref, v] : joined) ref->set(event, Value(std::move(v)));
    } else {
      // One growth of the top-level object instead of one per new field.
      event.fields().reserve(event.fields().size() + m.fields.size());
      for (size_t i = 0; i < m.fields.size(); ++i)
        if (m.fields[i].kind == FieldKind::normal) m.fields[i].ref.set(event, Value(std::move(values[i])));
    }
    for (auto& [k, v] : indirect)
      if (!k.empty()) event.set(std::string_view(k), Value(std::move(v)));
    return true;
  }

  std::vector<std::string_view> m_values;  // reused per event
};

Result<Mapping> compile_mapping(const std::string& source, const std::string& pattern) {
  Mapping m;
  auto src = FieldRef::parse(source);
  if (!src) return tl::unexpected(src.error());
  m.source = std::move(*src);
  size_t i = 0;
  // Leading literal text.
  size_t first = pattern.find("%{");
  m.prefix = pattern.substr(0, first == std::string::npos ? pattern.size() : first);
  if (first == std::string::npos) return fail(ErrorCode::config, "pattern '" + pattern + "' has no %{field}");
  i = first;
  while (i < pattern.size()) {
    size_t close = pattern.find('}', i + 2);
    if (close == std::string::npos) return fail(ErrorCode::config, "pattern '" + pattern + "': unterminated '%{'");
    std::string spec = pattern.substr(i + 2, close - i - 2);
    DissectField f;
    if (spec.size() >= 2 && spec.compare(spec.size() - 2, 2, "->") == 0) {
      f.pad = true;
      spec.resize(spec.size() - 2);
    }
    if (spec.empty()) {
      f.kind = FieldKind::skip;
    } else if (spec[0] == '?') {
      f.kind = FieldKind::skip;
      f.name = spec.substr(1);
    } else if (spec[0] == '+') {
      f.kind = FieldKind::append;
      f.name = spec.substr(1);
      m.has_append = true;
      if (size_t slash = f.name.rfind('/'); slash != std::string::npos) {
        std::string_view digits = std::string_view(f.name).substr(slash + 1);
        int order = 0;
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), order);
        if (ec != std::errc() || p != digits.data() + digits.size() || digits.empty())
          return fail(ErrorCode::config, "pattern '" + pattern + "': bad append order in '%{" + spec + "}'");
        f.order = order;
        f.name.resize(slash);
      }
    } else if (spec[0] == '*') {
      f.kind = FieldKind::indirect_key;
      f.name = spec.substr(1);
      m.has_indirect = true;
    } else if (spec[0] == '&') {
      f.kind = FieldKind::indirect_value;
      f.name = spec.substr(1);
      m.has_indirect = true;
    } else {
      f.name = spec;
    }
    if ((f.kind == FieldKind::normal || f.kind == FieldKind::append)) {
      auto ref = FieldRef::parse(f.name);
      if (!ref) return fail(ErrorCode::config, "pattern '" + pattern + "': " + ref.error().message);
      f.ref = std::move(*ref);
    }
    if ((f.kind == FieldKind::indirect_key || f.kind == FieldKind::indirect_value) && f.name.empty())
      return fail(ErrorCode::config, "pattern '" + pattern + "': '%{" + spec + "}' needs a name");
    size_t next = pattern.find("%{", close + 1);
    f.delimiter = pattern.substr(close + 1, (next == std::string::npos ? pattern.size() : next) - close - 1);
    if (f.delimiter.empty() && next != std::string::npos)
      return fail(ErrorCode::config, "pattern '" + pattern + "': fields '%{" + spec +
                                         "}' and the next have no delimiter between them");
    m.fields.push_back(std::move(f));
    i = next == std::string::npos ? pattern.size() : next;
  }
  // Appends also gather the plain field of the same name.
  if (m.has_append)
    for (auto& f : m.fields)
      if (f.kind == FieldKind::append)
        for (auto& g : m.fields)
          if (g.kind == FieldKind::normal && g.name == f.name) g.order = std::min(g.order, 0);
  return m;
}

}  // namespace

Result<std::unique_ptr<Filter>> make_dissect_filter(const PluginBlock& block, const BuildContext&) {
  OptionReader opts(block, {"mapping", "convert_datatype", "append_separator", "tag_on_failure"});
  auto f = std::make_unique<DissectFilter>();
  if (!opts.has("mapping")) opts.error(block.where, "mapping: required option is missing");
  for (const auto& [source, pattern] : opts.string_hash("mapping")) {
    auto m = compile_mapping(source, pattern);
    if (!m) opts.error("mapping", m.error().message);
    else f->mappings.push_back(std::move(*m));
  }
  for (const auto& [field, type] : opts.string_hash("convert_datatype")) {
    auto ref = FieldRef::parse(field);
    if (!ref) {
      opts.error("convert_datatype", ref.error().message);
      continue;
    }
    if (type == "int") f->convert.emplace_back(std::move(*ref), Datatype::integer);
    else if (type == "float") f->convert.emplace_back(std::move(*ref), Datatype::floating);
    else opts.error("convert_datatype", "unknown type '" + type + "' for '" + field + "' (int, float)");
  }
  f->append_separator = opts.string("append_separator").value_or(" ");
  f->tag_on_failure = opts.has("tag_on_failure") ? opts.string_list("tag_on_failure")
                                                 : std::vector<std::string>{"_dissectfailure"};
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(std::move(f));
}

}  // namespace logpost::filters
