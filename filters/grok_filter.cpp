#include "filters/grok_filter.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "filters/field_ref.hpp"
#include "filters/grok_compiler.hpp"
#include "filters/grok_library.hpp"
#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

// Ruby's String#to_i: optional blanks and sign, then digits; 0 when none.
void store_integer(Value& slot, std::string_view s) {
  size_t i = s.find_first_not_of(" \t\n\v\f\r");
  if (i == std::string_view::npos) return slot.assign_int(0);
  s.remove_prefix(i);
  bool plus = !s.empty() && s[0] == '+';
  if (plus) s.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // Too large for 64 bits: keep the magnitude as a double rather than lie.
    return slot.assign_double(std::strtod(std::string(s).c_str(), nullptr));
  }
  (void)ptr;
  slot.assign_int(ec == std::errc() ? v : 0);
}

// Ruby's String#to_f: the longest numeric prefix, 0.0 when none.
void store_real(Value& slot, std::string_view s) {
  std::string copy(s);
  char* end = nullptr;
  double d = std::strtod(copy.c_str(), &end);
  slot.assign_double(end == copy.c_str() ? 0.0 : d);
}

// A pattern's capture targets as a tree of objects to create, for the
// common case where grok fills an event that holds none of its fields yet
// (a message and provenance). Then every parent is new: it is created when
// its first capture is stored, with room for exactly its children, and each
// capture is appended to its parent without a single lookup. Storing
// captures one by one through their paths cost more than matching them.
// Built only when the targets are distinct, none is a prefix of another and
// none is @timestamp: then storing into fresh objects gives exactly what the
// general path gives, in the same member order.
struct TargetLayout {
  struct Parent {
    int parent = -1;  // index into parents, or -1: the event's top level
    std::string key;
    size_t children = 0;
  };
  std::vector<Parent> parents;     // parents before their children
  std::vector<int> leaf_parent;    // per capture: index into parents, or -1
  std::vector<std::string> leaf_key;  // per capture: its last segment
  std::vector<std::string> top_keys;  // the distinct top-level names
  bool usable = false;

  static TargetLayout build(const std::vector<FieldRef>& targets) {
    TargetLayout layout;
    std::vector<std::vector<std::string>> paths;
    for (const auto& t : targets) {
      if (t.is_timestamp() || t.path().segments().empty()) return layout;
      paths.push_back(t.path().segments());
    }
    auto is_prefix = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
      return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
    };
    for (size_t i = 0; i < paths.size(); ++i)
      for (size_t j = 0; j < paths.size(); ++j)
        if (i != j && is_prefix(paths[i], paths[j])) return layout;
    for (const auto& path : paths) {
      int parent = -1;
      for (size_t k = 0; k + 1 <= path.size(); ++k) {
        bool leaf = k + 1 == path.size();
        int found = -2;
        for (size_t p = 0; p < layout.parents.size() && !leaf; ++p)
          if (layout.parents[p].parent == parent && layout.parents[p].key == path[k]) found = static_cast<int>(p);
        if (found != -2) {
          parent = found;
          continue;
        }
        if (parent < 0) layout.top_keys.push_back(path[k]);
        else ++layout.parents[static_cast<size_t>(parent)].children;
        if (leaf) {
          layout.leaf_parent.push_back(parent);
          layout.leaf_key.push_back(path[k]);
        } else {
          layout.parents.push_back(Parent{parent, path[k], 0});
          parent = static_cast<int>(layout.parents.size() - 1);
        }
      }
    }
    layout.usable = true;
    return layout;
  }
};

struct CompiledPattern {
  GrokExpression expression;
  std::vector<FieldRef> targets;  // one per capture
  std::vector<bool> overwrite;    // one per capture
  TargetLayout layout;            // from targets
};

struct FieldMatch {
  FieldRef field;
  std::vector<CompiledPattern> patterns;
};

class GrokFilter final : public Filter {
 public:
  GrokFilter(std::vector<FieldMatch> fields, bool break_on_match, bool keep_empty, std::vector<std::string> tags)
      : m_fields(std::move(fields)), m_break_on_match(break_on_match), m_keep_empty(keep_empty),
        m_tag_on_failure(std::move(tags)) {}

  FilterOutcome process(Event& event) override {
    bool matched = false;
    for (const auto& field : m_fields) {
      const Value* value = field.field.find(event, m_scratch_value);
      if (!value) continue;
      // Copy the texts first: captures may write into the source field.
      // The texts are copied out of the event (apply() may overwrite the
      // very field they come from), into buffers kept across events so the
      // copy allocates nothing once they have grown.
      size_t count = 0;
      auto add_text = [&](const Value& item) {
        if (count == m_texts.size()) m_texts.emplace_back();
        if (item.is_string()) m_texts[count].assign(item.as_string());
        else m_texts[count] = item.to_text();
        ++count;
      };
      if (value->is_array()) {
        for (const auto& item : value->as_array())
          if (!item.is_null()) add_text(item);
      } else if (!value->is_null() && !value->is_object()) {
        add_text(*value);
      }
      for (size_t t = 0; t < count; ++t) {
        const std::string& text = m_texts[t];
        for (const auto& pattern : field.patterns) {
          if (!pattern.expression.match(text, m_captures)) continue;
          matched = true;
          apply(pattern, event);
          if (m_break_on_match) break;
        }
        if (matched && m_break_on_match) break;
      }
      if (matched && m_break_on_match) break;
    }
    if (!matched) {
      for (const auto& tag : m_tag_on_failure) event.add_tag(tag);
      return FilterOutcome::failure;
    }
    return FilterOutcome::success;
  }

 private:
  // Whether capture i stores anything (a capture that did not take part, or
  // an empty one, stores only with keep_empty_captures).
  [[nodiscard]] bool stores(size_t i) const {
    std::string_view text = m_captures[i];
    return m_keep_empty || !text.empty();
  }
  // Capture i's value, converted, into `slot` (null for a capture that did
  // not take part).
  void store(const CompiledPattern& pattern, size_t i, Value& slot) const {
    std::string_view text = m_captures[i];
    if (text.data() == nullptr) return;
    switch (pattern.expression.captures()[i].type) {
      case GrokCapture::Type::string: slot.assign_string(text); break;
      case GrokCapture::Type::integer: store_integer(slot, text); break;
      case GrokCapture::Type::real: store_real(slot, text); break;
    }
  }

  // Stores the captures through pattern.layout when none of its top-level
  // fields exists; false (nothing stored) otherwise.
  bool apply_fresh(const CompiledPattern& pattern, Event& event) {
    const TargetLayout& layout = pattern.layout;
    Object& root = event.fields();
    for (const auto& key : layout.top_keys)
      if (root.find(key)) return false;
    // Room for every member up front: no object created here moves while
    // m_made points at it.
    root.reserve(root.size() + layout.top_keys.size());
    m_made.assign(layout.parents.size(), nullptr);
    for (size_t i = 0; i < layout.leaf_parent.size(); ++i) {
      if (!stores(i)) continue;
      int p = layout.leaf_parent[i];
      Object* parent = p < 0 ? &root : made_parent(layout, static_cast<size_t>(p), root);
      store(pattern, i, parent->add_absent(layout.leaf_key[i]));
    }
    return true;
  }

  Object* made_parent(const TargetLayout& layout, size_t p, Object& root) {
    if (m_made[p]) return m_made[p];
    const auto& node = layout.parents[p];
    Object* above = node.parent < 0 ? &root : made_parent(layout, static_cast<size_t>(node.parent), root);
    Object& made = above->add_absent(node.key).assign_object();
    made.reserve(node.children);
    m_made[p] = &made;
    return &made;
  }

  void apply(const CompiledPattern& pattern, Event& event) {
    if (pattern.layout.usable && apply_fresh(pattern, event)) return;
    const auto& captures = pattern.expression.captures();
    if (event.fields().size() < 8) event.fields().reserve(8 + captures.size() / 2);
    for (size_t i = 0; i < captures.size(); ++i) {
      if (!stores(i)) continue;
      Value value;
      store(pattern, i, value);
      const FieldRef& target = pattern.targets[i];
      if (target.is_timestamp()) {
        if (pattern.overwrite[i] || !event.timestamp_us()) target.set(event, std::move(value));
        continue;
      }
      // One walk to the parent, creating it; objects are created with room
      // for a few members (grok fills several fields under one parent, and
      // growing them one by one dominated the cost of storing captures).
      const auto& segs = target.path().segments();
      Object* parent = &event.fields();
      for (size_t k = 0; k + 1 < segs.size(); ++k) {
        Value* child = parent->find(segs[k]);
        if (!child) child = &parent->add_absent(segs[k], Value(Object{}));
        if (!child->is_object()) *child = Value(Object{});
        if (child->as_object().empty()) child->as_object().reserve(4);
        parent = &child->as_object();
      }
      Value* existing = parent->find(segs.back());
      if (pattern.overwrite[i] || !existing || existing->is_null()) {
        if (existing) *existing = std::move(value);
        else parent->add_absent(segs.back(), std::move(value));
      } else if (existing->is_array()) {
        existing->as_array().push_back(std::move(value));
      } else if (existing->is_string()) {
        Array both;
        both.push_back(std::move(*existing));
        both.push_back(std::move(value));
        *existing = Value(std::move(both));
      }
      // Numbers, booleans and objects are left alone, as Logstash does.
    }
  }

  std::vector<FieldMatch> m_fields;
  bool m_break_on_match;
  bool m_keep_empty;
  std::vector<std::string> m_tag_on_failure;
  Value m_scratch_value;
  std::vector<std::string> m_texts;
  std::vector<std::string_view> m_captures;
  std::vector<Object*> m_made;  // apply_fresh(): the parents created so far
};

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_relative() && !base.empty()) return base / path;
  return path;
}

}  // namespace

Result<std::unique_ptr<Filter>> make_grok_filter(const PluginBlock& block, const BuildContext& context) {
  OptionReader opts(block, {"match", "pattern_definitions", "patterns_dir", "patterns_files_glob", "break_on_match",
                            "keep_empty_captures", "named_captures_only", "overwrite", "tag_on_failure", "target",
                            "ecs_compatibility", "timeout_millis", "timeout_scope", "tag_on_timeout"});
  auto match = opts.field_patterns("match");
  auto definitions = opts.string_hash("pattern_definitions");
  auto patterns_dirs = opts.string_list("patterns_dir");
  auto glob = opts.string("patterns_files_glob").value_or("*");
  bool break_on_match = opts.boolean("break_on_match").value_or(true);
  bool keep_empty = opts.boolean("keep_empty_captures").value_or(false);
  bool named_only = opts.boolean("named_captures_only").value_or(true);
  auto overwrite = opts.string_list("overwrite");
  std::vector<std::string> tags = opts.has("tag_on_failure") ? opts.string_list("tag_on_failure")
                                                             : std::vector<std::string>{"_grokparsefailure"};
  auto target = opts.string("target");
  auto ecs = opts.string("ecs_compatibility").value_or("v1");
  (void)opts.number("timeout_millis");
  (void)opts.string("timeout_scope");
  (void)opts.string_list("tag_on_timeout");

  EcsMode mode = EcsMode::v1;
  if (ecs == "disabled") mode = EcsMode::disabled;
  else if (ecs != "v1" && ecs != "v8") opts.error("ecs_compatibility", "expected \"disabled\" or \"v1\", got \"" + ecs + "\"");
  if (!opts.has("match")) opts.error(block.where, "the match option is required");

  std::filesystem::path builtin = context.patterns_dir;
#ifdef LOGPOST_DEFAULT_PATTERNS_DIR
  if (builtin.empty()) builtin = LOGPOST_DEFAULT_PATTERNS_DIR;
#endif
  auto library = GrokLibrary::load_builtin(builtin, mode);
  if (!library) {
    opts.error(block.where, library.error().message);
    library = GrokLibrary();
  }
  for (const auto& dir : patterns_dirs)
    if (auto ok = library->load_directory(resolve(context.config_dir, dir), glob); !ok)
      opts.error("patterns_dir", ok.error().message);
  for (const auto& [name, regex] : definitions) {
    if (!GrokLibrary::is_valid_name(name)) opts.error("pattern_definitions", "invalid pattern name '" + name + "'");
    else library->define(name, regex, "pattern_definitions");
  }

  FieldPath target_path;
  if (target) {
    auto parsed = FieldPath::parse(*target);
    if (!parsed) opts.error("target", parsed.error().message);
    else target_path = *parsed;
  }

  GrokCompileOptions compile_options;
  compile_options.named_captures_only = named_only;
  std::vector<FieldMatch> fields;
  for (const auto& [field, patterns] : match) {
    FieldMatch fm;
    auto ref = FieldRef::parse(field);
    if (!ref) {
      opts.error("match", ref.error().message);
      continue;
    }
    fm.field = *ref;
    for (const auto& pattern : patterns) {
      auto expr = GrokExpression::compile(pattern, *library, compile_options);
      if (!expr) {
        opts.error("match", expr.error().message);
        continue;
      }
      CompiledPattern cp{std::move(*expr), {}, {}, {}};
      bool good = true;
      for (const auto& capture : cp.expression.captures()) {
        std::string name = capture.name;
        auto capture_ref = FieldRef::parse(name);
        if (!capture_ref) {
          opts.error("match", "pattern '" + pattern + "': capture '" + name + "': " + capture_ref.error().message);
          good = false;
          break;
        }
        if (target) {
          auto combined = FieldRef::parse(target_path.to_string() + capture_ref->path().to_string());
          if (!combined) {
            opts.error("target", combined.error().message);
            good = false;
            break;
          }
          capture_ref = std::move(combined);
        }
        bool replace = false;
        for (const auto& o : overwrite) {
          auto o_ref = FieldPath::parse(o);
          replace = replace || o == name || (o_ref && *o_ref == capture_ref->path());
        }
        cp.targets.push_back(std::move(*capture_ref));
        cp.overwrite.push_back(replace);
      }
      if (!good) continue;
      cp.layout = TargetLayout::build(cp.targets);
      fm.patterns.push_back(std::move(cp));
    }
    fields.push_back(std::move(fm));
  }
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(
      std::make_unique<GrokFilter>(std::move(fields), break_on_match, keep_empty, std::move(tags)));
}

}  // namespace logpost::filters
