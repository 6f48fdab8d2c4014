#include "filters/geoip_filter.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "filters/address_cache.hpp"
#include "filters/field_ref.hpp"
#include "filters/mmdb_reader.hpp"
#include "filters/plugin_options.hpp"

namespace logpost::filters {
namespace {

// Tag of events that met a geoip filter whose default database is missing.
constexpr std::string_view k_unavailable_tag = "_geoip_database_unavailable";

enum class Field {
  ip, city_name, country_name, country_code2, country_code3, continent_code, continent_name, region_name,
  region_code, postal_code, timezone, latitude, longitude, location, asn, as_org, count
};

struct FieldName {
  std::string_view name;
  Field field;
};

// Names accepted by `fields`, per mode (lower case; input is folded).
const FieldName k_legacy_names[] = {
    {"ip", Field::ip}, {"city_name", Field::city_name}, {"country_name", Field::country_name},
    {"country_code2", Field::country_code2}, {"country_code3", Field::country_code3},
    {"continent_code", Field::continent_code}, {"continent_name", Field::continent_name},
    {"region_name", Field::region_name}, {"region_code", Field::region_code}, {"postal_code", Field::postal_code},
    {"timezone", Field::timezone}, {"latitude", Field::latitude}, {"longitude", Field::longitude},
    {"location", Field::location}, {"asn", Field::asn}, {"as_org", Field::as_org},
    {"autonomous_system_number", Field::asn}, {"autonomous_system_organization", Field::as_org},
};
const FieldName k_ecs_names[] = {
    {"ip", Field::ip}, {"city_name", Field::city_name}, {"country_name", Field::country_name},
    {"country_iso_code", Field::country_code2}, {"country_code2", Field::country_code2},
    {"continent_code", Field::continent_code}, {"continent_name", Field::continent_name},
    {"region_name", Field::region_name}, {"region_iso_code", Field::region_code},
    {"region_code", Field::region_code}, {"postal_code", Field::postal_code}, {"timezone", Field::timezone},
    {"location", Field::location}, {"latitude", Field::location}, {"longitude", Field::location},
    {"asn", Field::asn}, {"as_org", Field::as_org}, {"autonomous_system_number", Field::asn},
    {"autonomous_system_organization", Field::as_org},
};

// Where each field goes, below the target, per mode.
const char* ecs_path(Field f) {
  switch (f) {
    case Field::ip: return "[ip]";
    case Field::city_name: return "[geo][city_name]";
    case Field::country_name: return "[geo][country_name]";
    case Field::country_code2: return "[geo][country_iso_code]";
    case Field::continent_code: return "[geo][continent_code]";
    case Field::continent_name: return "[geo][continent_name]";
    case Field::region_name: return "[geo][region_name]";
    case Field::region_code: return "[geo][region_iso_code]";
    case Field::postal_code: return "[geo][postal_code]";
    case Field::timezone: return "[geo][timezone]";
    case Field::location: return "[geo][location]";
    case Field::asn: return "[as][number]";
    case Field::as_org: return "[as][organization][name]";
    default: return nullptr;  // country_code3, latitude, longitude: legacy only
  }
}
const char* legacy_path(Field f) {
  switch (f) {
    case Field::ip: return "[ip]";
    case Field::city_name: return "[city_name]";
    case Field::country_name: return "[country_name]";
    case Field::country_code2: return "[country_code2]";
    case Field::country_code3: return "[country_code3]";
    case Field::continent_code: return "[continent_code]";
    case Field::continent_name: return "[continent_name]";
    case Field::region_name: return "[region_name]";
    case Field::region_code: return "[region_code]";
    case Field::postal_code: return "[postal_code]";
    case Field::timezone: return "[timezone]";
    case Field::latitude: return "[latitude]";
    case Field::longitude: return "[longitude]";
    case Field::location: return "[location]";
    case Field::asn: return "[asn]";
    case Field::as_org: return "[as_org]";
    default: return nullptr;
  }
}

// The values of one lookup, ready to set: (field index, value).
struct Entry {
  bool found = false;
  std::vector<std::pair<size_t, Value>> values;
};

class GeoipFilter final : public Filter {
 public:
  GeoipFilter(FieldRef source, std::filesystem::path db_path, std::unique_ptr<MmdbReader> reader,
              std::vector<std::pair<Field, FieldRef>> outputs, bool ecs, size_t cache_size,
              std::vector<std::string> tags)
      : m_source(std::move(source)), m_db_path(std::move(db_path)), m_reader(std::move(reader)), m_outputs(std::move(outputs)), m_ecs(ecs),
        m_cache(cache_size), m_tags(std::move(tags)), m_next_check_ns(coarse_now_ns() + k_check_interval_ns) {
    // Outputs with the same parent path share a group number.
    for (size_t i = 0; i < m_outputs.size(); ++i) {
      const auto& segs = m_outputs[i].second.path().segments();
      size_t group = i;
      for (size_t j = 0; j < i; ++j) {
        const auto& other = m_outputs[j].second.path().segments();
        if (other.size() == segs.size() && std::equal(segs.begin(), segs.end() - 1, other.begin())) {
          group = m_parent_group[j];
          break;
        }
      }
      m_parent_group.push_back(group);
    }
  }

  FilterOutcome process(Event& event) override {
    const Value* value = m_source.find(event, m_scratch);
    if (!value) return FilterOutcome::failure;
    if (value->is_array() && !value->as_array().empty()) value = &value->as_array().front();
    if (!value->is_string()) return tag(event);
    maybe_reopen();
    if (!m_reader) {
      // The default database is not installed (yet): the event passes
      // through, marked, and is enriched once the file appears.
      event.add_tag(k_unavailable_tag);
      return FilterOutcome::failure;
    }
    const Entry& entry = lookup(value->as_string());
    if (!entry.found) return tag(event);
    // Outputs are never @timestamp (they lie below a target), so each value
    // is copied straight into its field. Consecutive outputs mostly share a
    // parent ([t][geo][city_name], [t][geo][country_name], ...): the parent
    // is walked to once per run, not once per field.
    size_t parent_group = SIZE_MAX;
    Object* parent = nullptr;
    for (const auto& [index, v] : entry.values) {
      const FieldPath& path = m_outputs[index].second.path();
      if (m_parent_group[index] != parent_group) {
        parent_group = m_parent_group[index];
        parent = &event.parent_of(path);
      }
      const std::string& leaf = path.segments().back();
      if (Value* existing = parent->find(leaf)) *existing = v;
      else parent->add_absent(leaf, v);
    }
    return FilterOutcome::success;
  }

 private:
  FilterOutcome tag(Event& event) {
    for (const auto& t : m_tags) event.add_tag(t);
    return FilterOutcome::failure;
  }

  // CLOCK_MONOTONIC_COARSE: the monotonic clock at tick resolution (a few
  // milliseconds), read without the TSC conversion of CLOCK_MONOTONIC; once
  // a second needs no better, and every event reads it.
  static int64_t coarse_now_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
  }

  void maybe_reopen() {
    const int64_t now = coarse_now_ns();
    if (now < m_next_check_ns) return;
    m_next_check_ns = now + k_check_interval_ns;
    if (!m_reader) {
      if (auto opened = MmdbReader::open(m_db_path)) m_reader = std::move(*opened);
      return;
    }
    auto identity = FileIdentity::of(m_reader->path());
    if (!identity || *identity == m_reader->identity()) return;
    auto fresh = MmdbReader::open(m_reader->path());
    if (!fresh) return;  // half-written or broken: keep serving from the old mapping
    m_reader = std::move(*fresh);
    m_cache.clear();
  }

  const Entry& lookup(const std::string& ip) {
    if (const Entry* cached = m_cache.find(ip)) return *cached;
    m_uncached = resolve(ip);
    if (const Entry* stored = m_cache.insert(ip, std::move(m_uncached))) return *stored;
    return m_uncached;  // not cached (text longer than any address): resolved each time
  }

  Entry resolve(const std::string& ip) {
    Entry entry;
    auto result = m_reader->lookup(ip);
    if (!result || !*result) return entry;
    const GeoRecord& r = **result;
    entry.found = true;
    for (size_t i = 0; i < m_outputs.size(); ++i) {
      std::optional<Value> v;
      switch (m_outputs[i].first) {
        case Field::ip: v = Value(ip); break;
        case Field::city_name: if (r.city_name) v = Value(*r.city_name); break;
        case Field::country_name: if (r.country_name) v = Value(*r.country_name); break;
        case Field::country_code2:
        case Field::country_code3: if (r.country_iso_code) v = Value(*r.country_iso_code); break;
        case Field::continent_code: if (r.continent_code) v = Value(*r.continent_code); break;
        case Field::continent_name: if (r.continent_name) v = Value(*r.continent_name); break;
        case Field::region_name: if (r.region_name) v = Value(*r.region_name); break;
        case Field::region_code:
          if (r.region_iso_code) {
            // ECS region_iso_code is "US-CA"; Logstash's legacy region_code is "CA".
            if (m_ecs && r.country_iso_code) v = Value(*r.country_iso_code + "-" + *r.region_iso_code);
            else v = Value(*r.region_iso_code);
          }
          break;
        case Field::postal_code: if (r.postal_code) v = Value(*r.postal_code); break;
        case Field::timezone: if (r.timezone) v = Value(*r.timezone); break;
        case Field::latitude: if (r.latitude) v = Value(*r.latitude); break;
        case Field::longitude: if (r.longitude) v = Value(*r.longitude); break;
        case Field::location:
          if (r.latitude && r.longitude) {
            Object loc;
            loc.set("lat", Value(*r.latitude));
            loc.set("lon", Value(*r.longitude));
            v = Value(std::move(loc));
          }
          break;
        case Field::asn: if (r.as_number) v = Value(*r.as_number); break;
        case Field::as_org: if (r.as_organization) v = Value(*r.as_organization); break;
        case Field::count: break;
      }
      if (v) entry.values.emplace_back(i, std::move(*v));
    }
    // A record with none of the requested fields (e.g. a City lookup in an
    // ASN-only range) is a miss, as in Logstash.
    bool only_ip = true;
    for (const auto& [index, v] : entry.values) only_ip = only_ip && m_outputs[index].first == Field::ip;
    if (only_ip) entry.found = false;
    return entry;
  }

  FieldRef m_source;
  std::filesystem::path m_db_path;
  std::unique_ptr<MmdbReader> m_reader;  // null while the default database is missing
  std::vector<std::pair<Field, FieldRef>> m_outputs;
  std::vector<size_t> m_parent_group;  // per output: outputs with equal parent paths share it
  bool m_ecs;
  AddressCache<Entry> m_cache;
  std::vector<std::string> m_tags;
  static constexpr int64_t k_check_interval_ns = 1'000'000'000;
  int64_t m_next_check_ns;
  Value m_scratch;
  Entry m_uncached;  // the last result the cache did not take
};

std::string lower_ascii(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

Result<std::unique_ptr<Filter>> make_geoip_filter(const PluginBlock& block, const BuildContext& context) {
  OptionReader opts(block, {"source", "target", "database", "default_database_type", "fields", "cache_size",
                            "tag_on_failure", "ecs_compatibility"});
  auto source_text = opts.string("source");
  auto target_text = opts.string("target");
  auto database = opts.string("database");
  auto type = opts.string("default_database_type").value_or("City");
  auto fields = opts.string_list("fields");
  auto cache_size = opts.number("cache_size").value_or(1000);
  std::vector<std::string> tags = opts.has("tag_on_failure") ? opts.string_list("tag_on_failure")
                                                             : std::vector<std::string>{"_geoip_lookup_failure"};
  auto ecs_text = opts.string("ecs_compatibility").value_or("v1");
  bool ecs = true;
  if (ecs_text == "disabled") ecs = false;
  else if (ecs_text != "v1" && ecs_text != "v8")
    opts.error("ecs_compatibility", "expected \"disabled\" or \"v1\", got \"" + ecs_text + "\"");
  if (type != "City" && type != "ASN") opts.error("default_database_type", "expected \"City\" or \"ASN\"");
  if (cache_size < 1 || cache_size > 10'000'000) opts.error("cache_size", "expected 1 to 10000000");

  FieldRef source;
  if (!source_text) {
    opts.error(block.where, "the source option is required");
  } else if (auto ref = FieldRef::parse(*source_text)) {
    source = *ref;
  } else {
    opts.error("source", ref.error().message);
  }

  std::filesystem::path db_path;
  if (database) {
    db_path = *database;
    if (db_path.is_relative() && !context.config_dir.empty()) db_path = context.config_dir / db_path;
  } else {
    db_path = context.geoip_dir / (type == "ASN" ? "GeoLite2-ASN.mmdb" : "GeoLite2-City.mmdb");
  }
  std::unique_ptr<MmdbReader> reader;
  if (auto opened = MmdbReader::open(db_path)) {
    reader = std::move(*opened);
  } else if (database || std::filesystem::exists(db_path)) {
    // A database the operator named, or one that exists but is broken, is a
    // configuration error.
    opts.error(database ? "database" : "default_database_type", opened.error().message);
  } else {
    // The default database is not installed: a fresh box must still ingest
    // its logs. Events are tagged until the file appears (checked each second).
    std::cerr << "logpost: level=warning filter=geoip msg=\"database not found, events are tagged "
              << k_unavailable_tag << " until it appears\" path=" << db_path << "\n";
  }
  bool asn = reader ? reader->database_type().find("ASN") != std::string::npos : type == "ASN";

  // Target.
  std::string target;
  if (target_text) {
    target = *target_text;
  } else if (!ecs) {
    target = "geoip";
  } else {
    target = "[source]";
    const auto& segs = source.path().segments();
    if (segs.size() >= 2 && (segs.back() == "ip" || segs.back() == "address")) {
      std::string text;
      for (size_t i = 0; i + 1 < segs.size(); ++i) text += "[" + segs[i] + "]";
      target = text;
    }
  }
  auto target_path = FieldPath::parse(target);
  if (!target_path) opts.error("target", target_path.error().message);

  // Which fields.
  std::vector<Field> wanted;
  if (fields.empty()) {
    if (asn) wanted = {Field::ip, Field::asn, Field::as_org};
    else if (ecs)
      wanted = {Field::ip, Field::city_name, Field::country_name, Field::country_code2, Field::continent_code,
                Field::region_name, Field::region_code, Field::postal_code, Field::timezone, Field::location};
    else
      wanted = {Field::ip, Field::city_name, Field::country_name, Field::country_code2, Field::country_code3,
                Field::continent_code, Field::region_name, Field::region_code, Field::postal_code,
                Field::timezone, Field::latitude, Field::longitude, Field::location};
  } else {
    for (const auto& f : fields) {
      std::string name = lower_ascii(f);
      bool found = false;
      auto add = [&](Field field) {
        found = true;
        if (std::find(wanted.begin(), wanted.end(), field) == wanted.end()) wanted.push_back(field);
      };
      if (ecs) {
        for (const auto& n : k_ecs_names)
          if (n.name == name) add(n.field);
      } else {
        for (const auto& n : k_legacy_names)
          if (n.name == name) add(n.field);
      }
      if (!found) opts.error("fields", "unknown field '" + f + "'");
    }
  }
  std::vector<std::pair<Field, FieldRef>> outputs;
  if (target_path) {
    for (Field f : wanted) {
      const char* sub = ecs ? ecs_path(f) : legacy_path(f);
      if (!sub) continue;
      auto ref = FieldRef::parse(target_path->to_string() + sub);
      if (ref) outputs.emplace_back(f, std::move(*ref));
    }
  }
  if (auto ok = opts.finish(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Filter>(std::make_unique<GeoipFilter>(std::move(source), std::move(db_path), std::move(reader),
                                                               std::move(outputs), ecs,
                                                               static_cast<size_t>(cache_size), std::move(tags)));
}

}  // namespace logpost::filters
