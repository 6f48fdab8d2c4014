#include "filters/date_filter.hpp"

#include <date/tz.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/event.hpp"
#include "filters/date_format.hpp"
#include "filters/field_ref.hpp"
#include "filters/interpolation.hpp"
#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

const date::time_zone* find_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

const date::time_zone* host_zone() {
  try {
    return date::current_zone();
  } catch (const std::exception&) {
    return nullptr;  // UTC
  }
}

void number_text(const Value& v, std::string& out) {
  if (v.is_int()) {
    out = std::to_string(v.as_int());
    return;
  }
  double d = v.as_double();
  char buf[64];
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
    std::snprintf(buf, sizeof buf, "%.0f", d);
  } else {
    std::snprintf(buf, sizeof buf, "%.6f", d);
    // "1478207457.456000" -> "1478207457.456"
    size_t n = std::strlen(buf);
    while (n > 0 && buf[n - 1] == '0') --n;
    if (n > 0 && buf[n - 1] == '.') --n;
    buf[n] = '\0';
  }
  out = buf;
}

class DateFilter final : public Filter {
 public:
  DateFilter(FieldRef source, std::vector<DateFormat> formats, const date::time_zone* zone,
             std::optional<Template> zone_template, FieldRef target, std::vector<std::string> tags,
             std::function<int64_t()> now_us)
      : m_source(std::move(source)), m_formats(std::move(formats)), m_zone(zone),
        m_zone_template(std::move(zone_template)), m_target(std::move(target)), m_tags(std::move(tags)),
        m_now_us(std::move(now_us)) {
    m_memo_allowed = true;
    for (const auto& f : m_formats) m_memo_allowed = m_memo_allowed && !f.uses_clock();
  }

  FilterOutcome process(Event& event) override {
    const Value* value = m_source.find(event, m_scratch);
    if (!value) return FilterOutcome::failure;
    if (value->is_array()) {
      if (value->as_array().empty()) return FilterOutcome::failure;
      value = &value->as_array().front();
    }
    std::string_view text;
    if (value->is_string()) {
      text = value->as_string();
    } else if (value->is_number()) {
      number_text(*value, m_number);
      text = m_number;
    } else {
      return tag(event);
    }
    const date::time_zone* zone = m_zone;
    if (m_zone_template) {
      m_zone_name.clear();
      m_zone_template->render(event, m_zone_name);
      if (m_zone_name != m_cached_zone_name) {
        m_cached_zone_name = m_zone_name;
        m_cached_zone = find_zone(m_zone_name);
      }
      if (!m_cached_zone) return tag(event);
      zone = m_cached_zone;
    }
    // Busy servers write many lines per second with the same time stamp:
    // the last successful parse is remembered and reused for the same text
    // and zone. Only when no format reads the clock, so the answer is a
    // pure function of (text, zone) and the memo cannot change a result.
    std::optional<int64_t> us;
    if (m_memo_valid && m_memo_zone == zone && text == m_memo_text) {
      us = m_memo_us;
    } else {
      int64_t now = m_now_us();
      for (const auto& format : m_formats)
        if ((us = format.parse(text, zone, now))) break;
      if (!us) return tag(event);
      if (m_memo_allowed) {
        m_memo_text.assign(text);
        m_memo_zone = zone;
        m_memo_us = *us;
        m_memo_valid = true;
      }
    }
    if (m_target.is_timestamp()) event.set_timestamp_us(*us);
    else m_target.set(event, Value(format_timestamp_us(*us)));
    return FilterOutcome::success;
  }

 private:
  FilterOutcome tag(Event& event) {
    for (const auto& t : m_tags) event.add_tag(t);
    return FilterOutcome::failure;
  }

  FieldRef m_source;
  std::vector<DateFormat> m_formats;
  const date::time_zone* m_zone;
  std::optional<Template> m_zone_template;
  FieldRef m_target;
  std::vector<std::string> m_tags;
  std::function<int64_t()> m_now_us;
  Value m_scratch;
  std::string m_number;
  std::string m_zone_name;
  std::string m_cached_zone_name;
  const date::time_zone* m_cached_zone = nullptr;
  bool m_memo_allowed = false;
  bool m_memo_valid = false;
  std::string m_memo_text;
  const date::time_zone* m_memo_zone = nullptr;
  int64_t m_memo_us = 0;
};

}  // namespace

Result<std::unique_ptr<Filter>> make_date_filter_with_clock(const PluginBlock& block, const BuildContext&,
                                                            std::function<int64_t()> now_us) {
  OptionReader opts(block, {"match", "timezone", "locale", "target", "tag_on_failure"});
  auto match = opts.string_list("match");
  auto timezone = opts.string("timezone");
  auto locale_tag = opts.string("locale");
  auto target_text = opts.string("target").value_or("@timestamp");
  std::vector<std::string> tags = opts.has("tag_on_failure") ? opts.string_list("tag_on_failure")
                                                             : std::vector<std::string>{"_dateparsefailure"};
  if (match.size() < 2) {
    if (opts.has("match")) opts.error("match", "expected [ \"field\", \"format\", ... ]");
    else opts.error(block.where, "the match option is required: [ \"field\", \"format\", ... ]");
  }

  const DateLocale* locale = &DateLocale::english();
  if (locale_tag) {
    locale = DateLocale::find(*locale_tag);
    if (!locale) {
      opts.error("locale", "unsupported locale '" + *locale_tag + "' (supported: en, fr, de, es, it, nl, pt)");
      locale = &DateLocale::english();
    }
  }
  FieldRef source;
  std::vector<DateFormat> formats;
  if (match.size() >= 2) {
    if (auto ref = FieldRef::parse(match[0])) source = *ref;
    else opts.error("match", ref.error().message);
    for (size_t i = 1; i < match.size(); ++i) {
      if (auto f = DateFormat::compile(match[i], *locale)) formats.push_back(std::move(*f));
      else opts.error("match", f.error().message);
    }
  }
  FieldRef target;
  if (auto ref = FieldRef::parse(target_text)) target = *ref;
  else opts.error("target", ref.error().message);

  const date::time_zone* zone = nullptr;
  std::optional<Template> zone_template;
  if (timezone) {
    if (timezone->find("%{") != std::string::npos) {
      if (auto t = Template::compile(*timezone)) zone_template = std::move(*t);
      else opts.error("timezone", t.error().message);
    } else if (!(zone = find_zone(*timezone))) {
      opts.error("timezone", "unknown time zone '" + *timezone + "' (an IANA name such as \"Europe/Paris\")");
    }
  } else {
    zone = host_zone();
  }
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(std::make_unique<DateFilter>(std::move(source), std::move(formats), zone,
                                                              std::move(zone_template), std::move(target),
                                                              std::move(tags), std::move(now_us)));
}

Result<std::unique_ptr<Filter>> make_date_filter(const PluginBlock& block, const BuildContext& context) {
  return make_date_filter_with_clock(block, context, [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  });
}

}  // namespace logpost::filters
