#include "filters/mysql_slowlog_filter.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <date/date.h>
#include <date/tz.h>

#include "filters/field_ref.hpp"
#include "filters/mysql_slowlog_parser.hpp"
#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

constexpr std::string_view k_default_tag = "_mysqlslowlogparsefailure";
constexpr std::string_view k_no_statement_tag = "_mysqlslowlog_nostatement";
constexpr std::string_view k_merged_tag = "_mysqlslowlog_merged";

std::string_view trim_end(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

enum class Kind { integer, real, boolean, string, duration_ns, thread_id };
enum class Group { slowlog, innodb };

// The attributes Filebeat's schema names, and where they go. Anything else
// lands in mysql.slowlog.<key in lower case>, typed by its text.
struct Mapping {
  std::string_view key;
  Group group;
  std::string_view name;
  std::string_view sub;  // "sec" for lock_time.sec and the InnoDB waits
  Kind kind;
};

constexpr Mapping k_mappings[] = {
    {"Query_time", Group::slowlog, "", "", Kind::duration_ns},
    {"Lock_time", Group::slowlog, "lock_time", "sec", Kind::real},
    {"Rows_sent", Group::slowlog, "rows_sent", "", Kind::integer},
    {"Rows_examined", Group::slowlog, "rows_examined", "", Kind::integer},
    {"Rows_affected", Group::slowlog, "rows_affected", "", Kind::integer},
    {"Bytes_sent", Group::slowlog, "bytes_sent", "", Kind::integer},
    {"Tmp_tables", Group::slowlog, "tmp_tables", "", Kind::integer},
    {"Tmp_disk_tables", Group::slowlog, "tmp_disk_tables", "", Kind::integer},
    {"Tmp_table_sizes", Group::slowlog, "tmp_table_sizes", "", Kind::integer},
    {"Merge_passes", Group::slowlog, "merge_passes", "", Kind::integer},
    {"Last_errno", Group::slowlog, "last_errno", "", Kind::integer},
    {"Errno", Group::slowlog, "last_errno", "", Kind::integer},
    {"Killed", Group::slowlog, "killed", "", Kind::integer},
    {"Log_slow_rate_limit", Group::slowlog, "log_slow_rate_limit", "", Kind::integer},
    {"Log_slow_rate_type", Group::slowlog, "log_slow_rate_type", "", Kind::string},
    {"QC_Hit", Group::slowlog, "query_cache_hit", "", Kind::boolean},
    {"QC_hit", Group::slowlog, "query_cache_hit", "", Kind::boolean},
    {"Full_scan", Group::slowlog, "full_scan", "", Kind::boolean},
    {"Full_join", Group::slowlog, "full_join", "", Kind::boolean},
    {"Tmp_table", Group::slowlog, "tmp_table", "", Kind::boolean},
    {"Tmp_table_on_disk", Group::slowlog, "tmp_table_on_disk", "", Kind::boolean},
    {"Filesort", Group::slowlog, "filesort", "", Kind::boolean},
    {"Filesort_on_disk", Group::slowlog, "filesort_on_disk", "", Kind::boolean},
    {"Priority_queue", Group::slowlog, "priority_queue", "", Kind::boolean},
    {"Schema", Group::slowlog, "schema", "", Kind::string},
    {"Id", Group::slowlog, "", "", Kind::thread_id},
    {"Thread_id", Group::slowlog, "", "", Kind::thread_id},
    {"InnoDB_trx_id", Group::innodb, "trx_id", "", Kind::string},
    {"InnoDB_IO_r_ops", Group::innodb, "io_r_ops", "", Kind::integer},
    {"InnoDB_IO_r_bytes", Group::innodb, "io_r_bytes", "", Kind::integer},
    {"InnoDB_IO_r_wait", Group::innodb, "io_r_wait", "sec", Kind::real},
    {"InnoDB_rec_lock_wait", Group::innodb, "rec_lock_wait", "sec", Kind::real},
    {"InnoDB_queue_wait", Group::innodb, "queue_wait", "sec", Kind::real},
    {"InnoDB_pages_distinct", Group::innodb, "pages_distinct", "", Kind::integer},
};

const Mapping* find_mapping(std::string_view key) {
  // A hash lookup: every attribute of every entry passes here.
  static const std::unordered_map<std::string_view, const Mapping*> index = [] {
    std::unordered_map<std::string_view, const Mapping*> m;
    for (const auto& mapping : k_mappings) m.emplace(mapping.key, &mapping);
    return m;
  }();
  auto it = index.find(key);
  return it == index.end() ? nullptr : it->second;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_real(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<bool> parse_yes_no(std::string_view s) {
  if (s == "Yes" || s == "yes" || s == "YES") return true;
  if (s == "No" || s == "no" || s == "NO") return false;
  return std::nullopt;
}

// "12.3456789" seconds -> nanoseconds, rounded to the microsecond as
// Filebeat does (Math.round(s * 1e6) * 1000), from the decimal digits
// themselves: no binary floating-point drift.
std::optional<int64_t> parse_seconds_ns(std::string_view s) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  int64_t seconds = 0;
  if (!whole.empty()) {
    auto v = parse_int(whole);
    if (!v || *v < 0 || *v > 9'000'000'000) return std::nullopt;
    seconds = *v;
  } else if (frac.empty()) {
    return std::nullopt;
  }
  int64_t micros = 0;
  for (size_t i = 0; i < frac.size(); ++i) {
    char c = frac[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (i < 6) micros = micros * 10 + (c - '0');
    if (i == 6 && c >= '5') ++micros;
  }
  for (size_t i = frac.size(); i < 6; ++i) micros *= 10;
  return (seconds * 1'000'000 + micros) * 1000;
}

// A value of an attribute nobody declared: typed by how it reads.
Value typed_value(std::string_view s) {
  if (auto i = parse_int(s)) return Value(*i);
  if (s.find_first_not_of("0123456789.") == std::string_view::npos && s.find('.') != std::string_view::npos)
    if (auto d = parse_real(s)) return Value(*d);
  if (auto b = parse_yes_no(s)) return Value(*b);
  return Value(s);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Object& child(Object& parent, std::string_view key) {
  Value& v = parent[key];
  if (!v.is_object()) v = Object{};
  return v.as_object();
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

struct CivilTime {
  int year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t micros = 0;
  bool has_offset = false;
  int64_t offset_seconds = 0;
};

std::optional<unsigned> digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

// "H:MM:SS" or "HH:MM:SS[.ffffff]" at pos; returns the end.
std::optional<size_t> parse_clock(std::string_view s, size_t pos, CivilTime& t) {
  size_t colon = s.find(':', pos);
  if (colon == std::string_view::npos || colon == pos || colon - pos > 2) return std::nullopt;
  auto h = digits(s, pos, colon - pos);
  auto m = digits(s, colon + 1, 2);
  if (!h || !m || colon + 3 >= s.size() || s[colon + 3] != ':') return std::nullopt;
  auto sec = digits(s, colon + 4, 2);
  if (!sec) return std::nullopt;
  t.hour = *h;
  t.minute = *m;
  t.second = *sec;
  size_t i = colon + 6;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int64_t scale = 100000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      t.micros += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
  }
  if (t.hour > 23 || t.minute > 59 || t.second > 60) return std::nullopt;
  return i;
}

// The "# Time:" forms: "2024-03-04T00:00:00.283469Z", "...+01:00",
// "2024-03-04 00:00:00", "071015 21:43:52", "240304  0:00:00".
std::optional<CivilTime> parse_slowlog_time(std::string_view s) {
  CivilTime t;
  size_t i = 0;
  if (s.size() >= 10 && s[4] == '-' && s[7] == '-') {
    auto y = digits(s, 0, 4);
    auto mo = digits(s, 5, 2);
    auto d = digits(s, 8, 2);
    if (!y || !mo || !d || s.size() < 11 || (s[10] != 'T' && s[10] != ' ')) return std::nullopt;
    t.year = static_cast<int>(*y);
    t.month = *mo;
    t.day = *d;
    i = 11;
  } else if (s.size() >= 6 && all_digits(s.substr(0, 6))) {
    t.year = 2000 + static_cast<int>(*digits(s, 0, 2));
    t.month = *digits(s, 2, 2);
    t.day = *digits(s, 4, 2);
    i = 6;
    if (i >= s.size() || s[i] != ' ') return std::nullopt;
    while (i < s.size() && s[i] == ' ') ++i;
  } else {
    return std::nullopt;
  }
  auto end = parse_clock(s, i, t);
  if (!end) return std::nullopt;
  i = *end;
  if (i < s.size() && s[i] == 'Z') {
    t.has_offset = true;
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    auto oh = digits(s, i + 1, 2);
    auto om = digits(s, i + 4, 2);
    if (!oh || !om || i + 3 >= s.size() || s[i + 3] != ':') return std::nullopt;
    t.has_offset = true;
    t.offset_seconds = (s[i] == '-' ? -1 : 1) * static_cast<int64_t>(*oh * 3600 + *om * 60);
    i += 6;
  }
  if (i != s.size()) return std::nullopt;
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31) return std::nullopt;
  return t;
}

class MysqlSlowlogFilter final : public Filter {
 public:
  MysqlSlowlogFilter(FieldRef source, const date::time_zone* zone, std::vector<std::string> tags)
      : m_source(std::move(source)), m_default_zone(zone), m_tags(std::move(tags)) {
    m_zone_field = FieldPath::parse("[event][timezone]").value();
  }

  FilterOutcome process(Event& event) override {
    Value scratch;
    const Value* text = m_source.find(event, scratch);
    if (!text || !text->is_string()) return fail(event);
    // The record's views point into the event's message: everything is
    // copied out of them before the first field of the event is added.
    std::string_view rest = text->as_string();
    std::string_view first = next_slowlog_event(rest);
    // More than one statement in one entry (no "# Time:"/"# User@Host:"
    // between them): read the first, keep the message, tag the event.
    bool merged = !trim_end(rest).empty();
    parse_slowlog_entry(first, m_record);
    const SlowLogRecord& r = m_record;
    if (!r.looks_like_entry()) return fail(event);

    bool bad_value = false;
    Object slowlog;
    slowlog.reserve(r.attributes.size() + 4);
    Object innodb;
    std::optional<int64_t> thread_id;
    std::optional<int64_t> duration_ns;
    for (const auto& a : r.attributes) {
      const Mapping* m = find_mapping(a.key);
      if (!m) {
        if (!a.value.empty()) slowlog.set(lower(a.key), typed_value(a.value));
        continue;
      }
      Object& group = m->group == Group::innodb ? innodb : slowlog;
      Value value;
      switch (m->kind) {
        case Kind::duration_ns:
          if (auto ns = parse_seconds_ns(a.value)) duration_ns = *ns;
          else bad_value = true;
          continue;
        case Kind::thread_id:
          if (auto id = parse_int(a.value)) thread_id = *id;
          else bad_value = true;
          continue;
        case Kind::integer:
          if (auto i = parse_int(a.value)) value = *i;
          else bad_value = true;
          break;
        case Kind::real:
          if (auto d = parse_real(a.value)) value = *d;
          else bad_value = true;
          break;
        case Kind::boolean:
          if (auto b = parse_yes_no(a.value)) value = *b;
          else bad_value = true;
          break;
        case Kind::string:
          if (!a.value.empty()) value = a.value;
          break;
      }
      if (value.is_null()) continue;
      if (m->sub.empty()) {
        group.set(m->name, std::move(value));
      } else {
        Object wrapper;
        wrapper.set(m->sub, std::move(value));
        group.set(m->name, std::move(wrapper));
      }
    }
    if (!r.use_schema.empty()) slowlog.set("schema", r.use_schema);
    if (!innodb.empty()) slowlog.set("innodb", std::move(innodb));
    if (r.has_statement) slowlog.set("query", r.statement);
    if (r.admin_command) slowlog.set("admin_command", true);
    if (r.has_user_host && !r.current_user.empty()) slowlog.set("current_user", r.current_user);

    // Copied out before the event's fields change: adding members may move
    // the message string the record points into.
    std::string user(!r.user.empty() ? r.user : r.current_user);
    std::string host(r.host);
    std::string ip(r.ip);
    const bool has_statement = r.has_statement;
    if (!set_timestamp(event, r)) bad_value = true;
    Object& fields = event.fields();
    if (r.has_user_host) {
      if (!user.empty()) child(fields, "user").set("name", std::move(user));
      if (!host.empty() || !ip.empty()) {
        Object& source = child(fields, "source");
        if (!host.empty()) source.set("domain", std::move(host));
        if (!ip.empty()) source.set("ip", std::move(ip));
      }
    }
    if (duration_ns) child(fields, "event").set("duration", *duration_ns);
    Object& mysql = child(fields, "mysql");
    if (thread_id) mysql.set("thread_id", *thread_id);
    mysql.set("slowlog", std::move(slowlog));

    if (!has_statement) event.add_tag(k_no_statement_tag);
    if (merged) event.add_tag(k_merged_tag);
    if (bad_value || merged) return fail(event);
    return FilterOutcome::success;
  }

 private:
  FilterOutcome fail(Event& event) {
    for (const auto& t : m_tags) event.add_tag(t);
    return FilterOutcome::failure;
  }

  // False only when a time was written but cannot be read.
  bool set_timestamp(Event& event, const SlowLogRecord& r) {
    if (!r.set_timestamp.empty()) {
      if (auto ns = parse_seconds_ns(r.set_timestamp)) {
        event.set_timestamp_us(*ns / 1000);
        return true;
      }
      return false;
    }
    if (r.time.empty()) return true;
    auto t = parse_slowlog_time(r.time);
    if (!t) return false;
    using namespace std::chrono;
    date::year_month_day ymd{date::year{t->year}, date::month{t->month}, date::day{t->day}};
    if (!ymd.ok()) return false;
    auto clock = hours{t->hour} + minutes{t->minute} + seconds{t->second};
    if (t->has_offset) {
      auto sys = date::sys_days{ymd} + clock - seconds{t->offset_seconds};
      event.set_timestamp_us(duration_cast<microseconds>(sys.time_since_epoch()).count() + t->micros);
      return true;
    }
    const date::time_zone* zone = zone_of(event);
    auto local = date::local_days{ymd} + clock;
    // A time in a DST gap or fold: take the earlier reading, as mysqld's
    // own conversion of a local time does.
    auto sys = zone->to_sys(local, date::choose::earliest);
    event.set_timestamp_us(duration_cast<microseconds>(sys.time_since_epoch()).count() + t->micros);
    return true;
  }

  // The shipment's zone ([event][timezone]) when it names one, else ours.
  const date::time_zone* zone_of(const Event& event) {
    const Value* name = event.find(m_zone_field);
    if (!name || !name->is_string() || name->as_string().empty()) return m_default_zone;
    if (name->as_string() == m_cached_zone_name) return m_cached_zone;
    m_cached_zone_name = name->as_string();
    try {
      m_cached_zone = date::locate_zone(m_cached_zone_name);
    } catch (const std::exception&) {
      m_cached_zone = m_default_zone;  // an unknown name: fall back, never throw per event
    }
    return m_cached_zone;
  }

  FieldRef m_source;
  const date::time_zone* m_default_zone;
  std::vector<std::string> m_tags;
  FieldPath m_zone_field;
  std::string m_cached_zone_name;
  const date::time_zone* m_cached_zone = nullptr;
  SlowLogRecord m_record;
};

}  // namespace

Result<std::unique_ptr<Filter>> make_mysql_slowlog_filter(const PluginBlock& block, const BuildContext&) {
  OptionReader opts(block, {"source", "timezone", "tag_on_failure"});
  FieldRef source;
  std::string source_text = opts.string("source").value_or("message");
  if (auto f = FieldRef::parse(source_text)) source = *f;
  else opts.error("source", f.error().message);
  const date::time_zone* zone = nullptr;
  std::string zone_name = opts.string("timezone").value_or("UTC");
  try {
    zone = date::locate_zone(zone_name);
  } catch (const std::exception&) {
    opts.error("timezone", "unknown time zone \"" + zone_name + "\"");
  }
  std::vector<std::string> tags = {std::string(k_default_tag)};
  if (opts.has("tag_on_failure")) tags = opts.string_list("tag_on_failure");
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(std::make_unique<MysqlSlowlogFilter>(std::move(source), zone, std::move(tags)));
}

}  // namespace logpost::filters
