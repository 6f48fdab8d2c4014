#include "filters/pipeline.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <optional>
#include <utility>

#include "common/atomic_file.hpp"
#include "filters/condition.hpp"
#include "filters/config_parser.hpp"
#include "filters/field_ref.hpp"
#include "filters/interpolation.hpp"
#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

constexpr std::string_view k_common_options[] = {"add_field", "add_tag",       "remove_field", "remove_tag",
                                                 "id",        "enable_metric", "periodic_flush"};

bool is_common_option(std::string_view name) {
  for (auto c : k_common_options)
    if (c == name) return true;
  return false;
}

// A field name that may hold %{...}: precompiled when constant, rendered and
// parsed per event otherwise (rare: Logstash configs mostly name fields).
struct DynamicField {
  Template name;
  std::optional<FieldRef> fixed;

  // The constant reference itself (no copy: this runs per event), or the
  // rendered one parsed into `scratch`; null when it does not parse.
  [[nodiscard]] const FieldRef* resolve(const Event& event, std::optional<FieldRef>& scratch) const {
    if (fixed) return &*fixed;
    auto ref = FieldRef::parse(name.render(event));
    if (!ref) return nullptr;
    scratch = std::move(*ref);
    return &*scratch;
  }
};

struct CommonOptions {
  std::vector<std::pair<DynamicField, std::vector<Template>>> add_field;
  std::vector<DynamicField> remove_field;
  std::vector<Template> add_tag;
  std::vector<Template> remove_tag;

  [[nodiscard]] bool empty() const {
    return add_field.empty() && remove_field.empty() && add_tag.empty() && remove_tag.empty();
  }
};

}  // namespace

struct Pipeline::Impl {
  struct Stage {
    std::unique_ptr<Filter> filter;
    CommonOptions common;
  };
  struct Branch;
  struct Node {
    int stage = -1;                 // a plugin stage, or
    std::vector<Branch> branches;   // a conditional
  };
  struct Branch {
    std::optional<Condition> condition;  // none: else
    std::vector<Node> body;
  };

  std::vector<Stage> stages;
  std::vector<StageStats> stats;
  std::vector<Node> root;
  std::vector<std::string> notices;
  uint64_t in = 0;
  uint64_t out = 0;
  uint64_t dropped = 0;

  // Build state.
  std::vector<std::string> errors;

  void add_errors(const Error& e) {
    size_t start = 0;
    const std::string& m = e.message;
    while (start <= m.size()) {
      size_t nl = m.find('\n', start);
      if (nl == std::string::npos) nl = m.size();
      if (nl > start) errors.push_back(m.substr(start, nl - start));
      start = nl + 1;
    }
  }

  std::optional<DynamicField> field_template(const std::string& text, const SourceLocation& where) {
    auto t = Template::compile(text);
    if (!t) {
      errors.push_back(where.to_string() + ": " + t.error().message);
      return std::nullopt;
    }
    DynamicField f;
    if (t->is_constant()) {
      auto ref = FieldRef::parse(text);
      if (!ref) {
        errors.push_back(where.to_string() + ": " + ref.error().message);
        return std::nullopt;
      }
      f.fixed = std::move(*ref);
    }
    f.name = std::move(*t);
    return f;
  }

  std::optional<Template> value_template(const std::string& text, const SourceLocation& where) {
    auto t = Template::compile(text);
    if (!t) {
      errors.push_back(where.to_string() + ": " + t.error().message);
      return std::nullopt;
    }
    return std::move(*t);
  }

  CommonOptions build_common(const PluginBlock& common_block, std::string& id) {
    CommonOptions c;
    OptionReader opts(common_block, {k_common_options[0], k_common_options[1], k_common_options[2],
                                     k_common_options[3], k_common_options[4], k_common_options[5],
                                     k_common_options[6]});
    if (auto v = opts.string("id")) id = *v;
    (void)opts.boolean("enable_metric");
    (void)opts.boolean("periodic_flush");
    for (const auto& tag : opts.string_list("add_tag"))
      if (auto t = value_template(tag, opts.raw("add_tag")->where)) c.add_tag.push_back(std::move(*t));
    for (const auto& tag : opts.string_list("remove_tag"))
      if (auto t = value_template(tag, opts.raw("remove_tag")->where)) c.remove_tag.push_back(std::move(*t));
    for (const auto& name : opts.string_list("remove_field"))
      if (auto f = field_template(name, opts.raw("remove_field")->where)) c.remove_field.push_back(std::move(*f));
    // add_field values may be arrays (Logstash adds each), so it is read by
    // hand rather than with string_hash().
    if (const OptionValue* af = opts.raw("add_field")) {
      if (af->kind != OptionValue::Kind::hash) {
        opts.error("add_field", "expected a hash of field => value(s)");
      } else {
        for (const auto& [key, value] : af->hash) {
          auto field = field_template(key.string, key.where);
          std::vector<Template> values;
          auto add_value = [&](const OptionValue& v) {
            if (v.kind == OptionValue::Kind::hash || v.kind == OptionValue::Kind::array) {
              opts.error(v.where, "add_field: values must be strings or arrays of strings");
              return;
            }
            std::string text = v.kind == OptionValue::Kind::boolean ? (v.boolean ? "true" : "false") : v.string;
            if (auto t = value_template(text, v.where)) values.push_back(std::move(*t));
          };
          if (value.kind == OptionValue::Kind::array) {
            for (const auto& item : value.array) add_value(item);
          } else {
            add_value(value);
          }
          if (field) c.add_field.emplace_back(std::move(*field), std::move(values));
        }
      }
    }
    if (auto ok = opts.finish(); !ok) add_errors(ok.error());
    return c;
  }

  std::optional<Node> build_plugin(const PluginBlock& block, const BuildContext& context) {
    const FilterRegistration* reg = find_filter(block.name);
    if (!reg) {
      std::string known;
      for (const auto& r : registered_filters()) known += (known.empty() ? "" : ", ") + std::string(r.name);
      errors.push_back(block.where.to_string() + ": unknown filter plugin '" + block.name + "' (known: " + known + ")");
      return std::nullopt;
    }
    PluginBlock own{block.name, block.where, {}};
    PluginBlock common{block.name, block.where, {}};
    for (const auto& option : block.options) {
      if (is_common_option(option.first)) common.options.push_back(option);
      else own.options.push_back(option);
    }
    std::string id;
    CommonOptions opts = build_common(common, id);
    if (id.empty()) id = block.name + "@" + std::to_string(block.where.line) + ":" + std::to_string(block.where.column);
    for (const auto& s : stats)
      if (s.id == id) errors.push_back(block.where.to_string() + ": duplicate plugin id '" + id + "' (first at " + s.where.to_string() + ")");
    auto filter = reg->factory(own, context);
    if (!filter) {
      add_errors(filter.error());
      return std::nullopt;
    }
    stages.push_back(Stage{std::move(*filter), std::move(opts)});
    stats.push_back(StageStats{std::move(id), block.name, block.where, 0, 0, 0, 0});
    Node node;
    node.stage = static_cast<int>(stages.size()) - 1;
    return node;
  }

  std::vector<Node> build(const std::vector<Statement>& statements, const BuildContext& context) {
    std::vector<Node> nodes;
    for (const auto& st : statements) {
      if (st.kind == Statement::Kind::plugin) {
        if (auto n = build_plugin(st.plugin, context)) nodes.push_back(std::move(*n));
        continue;
      }
      Node node;
      for (const auto& b : st.branches) {
        Branch branch;
        if (b.condition) {
          auto c = Condition::compile(*b.condition);
          if (!c) add_errors(c.error());
          else branch.condition = std::move(*c);
        }
        branch.body = build(b.body, context);
        node.branches.push_back(std::move(branch));
      }
      nodes.push_back(std::move(node));
    }
    return nodes;
  }

  static void apply_common(const CommonOptions& c, Event& event) {
    std::string scratch;
    std::optional<FieldRef> rendered;
    for (const auto& [field, values] : c.add_field) {
      const FieldRef* ref = field.resolve(event, rendered);
      if (!ref) continue;
      for (const auto& t : values) {
        Value v(t.render(event));
        if (Value* existing = ref->find_mutable(event)) {
          if (!existing->is_array()) {
            Array arr;
            arr.push_back(std::move(*existing));
            *existing = Value(std::move(arr));
          }
          existing->as_array().push_back(std::move(v));
        } else {
          ref->set(event, std::move(v));
        }
      }
    }
    for (const auto& field : c.remove_field)
      if (const FieldRef* ref = field.resolve(event, rendered)) ref->remove(event);
    for (const auto& t : c.add_tag) {
      if (t.is_constant()) {
        event.add_tag(t.literal());
      } else {
        scratch.clear();
        t.render(event, scratch);
        event.add_tag(scratch);
      }
    }
    for (const auto& t : c.remove_tag) {
      if (t.is_constant()) {
        event.remove_tag(t.literal());
      } else {
        scratch.clear();
        t.render(event, scratch);
        event.remove_tag(scratch);
      }
    }
  }

  // Returns false when the event was dropped.
  bool run(const std::vector<Node>& nodes, Event& event) {
    for (const auto& node : nodes) {
      if (node.stage < 0) {
        for (const auto& branch : node.branches) {
          if (!branch.condition || branch.condition->evaluate(event)) {
            if (!run(branch.body, event)) return false;
            break;
          }
        }
        continue;
      }
      auto index = static_cast<size_t>(node.stage);
      Stage& stage = stages[index];
      StageStats& st = stats[index];
      ++st.in;
      FilterOutcome outcome;
      try {
        outcome = stage.filter->process(event);
      } catch (const std::exception&) {
        // A filter must not throw; if one does, the event survives, marked.
        event.add_tag("_filter_exception");
        outcome = FilterOutcome::failure;
      }
      switch (outcome) {
        case FilterOutcome::success:
          if (!stage.common.empty()) apply_common(stage.common, event);
          ++st.out;
          break;
        case FilterOutcome::failure:
          ++st.failed;
          ++st.out;
          break;
        case FilterOutcome::drop: ++st.dropped; return false;
      }
    }
    return true;
  }
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

Result<Pipeline> Pipeline::from_string(std::string_view text, std::string_view origin, const BuildContext& context) {
  auto impl = std::make_unique<Impl>();
  ParsedConfig parsed = parse_config_collecting(text, origin, impl->errors);
  impl->notices = std::move(parsed.notices);
  impl->root = impl->build(parsed.filters, context);
  if (!impl->errors.empty()) {
    // Parser and plugin errors arrive in two passes; operators read them in
    // file order.
    auto position = [&](const std::string& e) {
      std::pair<long, long> pos{0, 0};
      if (e.compare(0, origin.size(), origin) != 0 || e.size() <= origin.size() || e[origin.size()] != ':') return pos;
      char* end = nullptr;
      pos.first = std::strtol(e.c_str() + origin.size() + 1, &end, 10);
      if (end && *end == ':') pos.second = std::strtol(end + 1, nullptr, 10);
      return pos;
    };
    std::stable_sort(impl->errors.begin(), impl->errors.end(),
                     [&](const std::string& a, const std::string& b) { return position(a) < position(b); });
    std::string message;
    for (const auto& e : impl->errors) message += (message.empty() ? "" : "\n") + e;
    return fail(ErrorCode::config, std::move(message));
  }
  return Pipeline(std::move(impl));
}

Result<Pipeline> Pipeline::from_file(const std::filesystem::path& path, const BuildContext& context) {
  auto text = read_small_file(path, 16u << 20);
  if (!text) return fail(ErrorCode::config, "cannot read pipeline " + path.string() + ": " + text.error().message);
  BuildContext ctx = context;
  if (ctx.config_dir.empty()) ctx.config_dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  return from_string(*text, path.string(), ctx);
}

void Pipeline::process(Event&& in, std::vector<Event>& out) {
  ++m_impl->in;
  if (m_impl->run(m_impl->root, in)) {
    ++m_impl->out;
    out.push_back(std::move(in));
  } else {
    ++m_impl->dropped;
  }
}

const std::vector<StageStats>& Pipeline::stats() const { return m_impl->stats; }
uint64_t Pipeline::events_in() const { return m_impl->in; }
uint64_t Pipeline::events_out() const { return m_impl->out; }
uint64_t Pipeline::events_dropped() const { return m_impl->dropped; }
const std::vector<std::string>& Pipeline::notices() const { return m_impl->notices; }

}  // namespace logpost::filters
