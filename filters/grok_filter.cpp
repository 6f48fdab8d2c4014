#include "filters/grok_filter.hpp"

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
Value to_integer(std::string_view s) {
  size_t i = s.find_first_not_of(" \t\n\v\f\r");
  if (i == std::string_view::npos) return Value(int64_t{0});
  s.remove_prefix(i);
  bool plus = !s.empty() && s[0] == '+';
  if (plus) s.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // Too large for 64 bits: keep the magnitude as a double rather than lie.
    return Value(std::strtod(std::string(s).c_str(), nullptr));
  }
  if (ec != std::errc()) return Value(int64_t{0});
  (void)ptr;
  return Value(v);
}

// Ruby's String#to_f: the longest numeric prefix, 0.0 when none.
Value to_real(std::string_view s) {
  std::string copy(s);
  char* end = nullptr;
  double d = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str()) return Value(0.0);
  return Value(d);
}

struct CompiledPattern {
  GrokExpression expression;
  std::vector<FieldRef> targets;  // one per capture
  std::vector<bool> overwrite;    // one per capture
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
  void apply(const CompiledPattern& pattern, Event& event) {
    const auto& captures = pattern.expression.captures();
    if (event.fields().size() < 8) event.fields().reserve(8 + captures.size() / 2);
    for (size_t i = 0; i < captures.size(); ++i) {
      std::string_view text = m_captures[i];
      Value value;
      if (text.data() == nullptr) {
        if (!m_keep_empty) continue;
      } else {
        if (text.empty() && !m_keep_empty) continue;
        switch (captures[i].type) {
          case GrokCapture::Type::string: value = Value(text); break;
          case GrokCapture::Type::integer: value = to_integer(text); break;
          case GrokCapture::Type::real: value = to_real(text); break;
        }
      }
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
      CompiledPattern cp{std::move(*expr), {}, {}};
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
      if (good) fm.patterns.push_back(std::move(cp));
    }
    fields.push_back(std::move(fm));
  }
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(
      std::make_unique<GrokFilter>(std::move(fields), break_on_match, keep_empty, std::move(tags)));
}

}  // namespace logpost::filters
