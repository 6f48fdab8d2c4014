// es_bulk_encoder.cpp — see the header for the wire format.
#include "ingester/es_bulk_encoder.hpp"

#include <algorithm>

#include "common/json.hpp"

namespace logpost::ingester {

namespace {

constexpr size_t k_max_dataset = 100;
constexpr size_t k_max_namespace = 100;
constexpr std::string_view k_generic_dataset = "generic";

bool is_name_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
}

const std::string* string_in(const Value* parent, std::string_view inner) {
  if (!parent || !parent->is_object()) return nullptr;
  const Value* v = parent->as_object().find(inner);
  if (!v || !v->is_string() || v->as_string().empty()) return nullptr;
  return &v->as_string();
}

// The top-level members routing reads, found in one pass over the event's
// fields (this runs per document; separate lookups scanned them four times).
struct RoutingFields {
  const Value* event = nullptr;
  const Value* data_stream = nullptr;
  const Value* logpost = nullptr;

  explicit RoutingFields(const Event& e) {
    using namespace std::string_view_literals;
    for (const auto& [key, value] : e.fields()) {
      std::string_view k = key;
      switch (k.size()) {
        case 5: if (k == "event"sv) event = &value; break;
        case 7: if (k == "logpost"sv) logpost = &value; break;
        case 11: if (k == "data_stream"sv) data_stream = &value; break;
        default: break;
      }
    }
  }
  [[nodiscard]] std::string_view dataset() const {
    if (const std::string* s = string_in(event, "dataset")) return *s;
    if (const std::string* s = string_in(data_stream, "dataset")) return *s;
    return {};
  }
  [[nodiscard]] std::string_view tenant() const {
    if (const std::string* s = string_in(logpost, "tenant")) return *s;
    return {};
  }
};

std::string_view raw_dataset(const Event& event) { return RoutingFields(event).dataset(); }
std::string_view raw_tenant(const Event& event) { return RoutingFields(event).tenant(); }

}  // namespace

std::string sanitize_es_dataset(std::string_view dataset) {
  std::string out;
  out.reserve(std::min(dataset.size(), k_max_dataset));
  for (char c : dataset) {
    if (out.size() == k_max_dataset) break;
    char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    // '-' separates type, dataset and namespace in a data stream's name, and
    // the other specials are illegal in index names: both become '_'.
    out += is_name_byte(lower) ? lower : '_';
  }
  if (out.empty()) out = k_generic_dataset;
  return out;
}

Result<void> validate_es_namespace(std::string_view ns) {
  if (ns.empty() || ns.size() > k_max_namespace) {
    return fail(ErrorCode::config, "Elasticsearch namespace '" + std::string(ns) + "' must be 1 to 100 bytes");
  }
  for (char c : ns) {
    if (!is_name_byte(c)) {
      return fail(ErrorCode::config, "Elasticsearch namespace '" + std::string(ns) +
                                         "' may contain only a-z, 0-9, '.' and '_' (no '-', no upper case)");
    }
  }
  return {};
}

Result<EsBulkEncoder> EsBulkEncoder::create(EsBulkEncoderOptions options) {
  std::string problems;
  if (auto ok = validate_es_namespace(options.default_namespace); !ok) problems += ok.error().message + "\n";
  for (const auto& [tenant, ns] : options.tenant_namespaces) {
    if (auto ok = validate_es_namespace(ns); !ok) problems += "tenant " + tenant + ": " + ok.error().message + "\n";
  }
  if (!problems.empty()) {
    problems.pop_back();
    return fail(ErrorCode::config, problems);
  }
  return EsBulkEncoder(std::move(options));
}

std::string EsBulkEncoder::dataset_of(const Event& event) const { return sanitize_es_dataset(raw_dataset(event)); }

const std::string& EsBulkEncoder::namespace_of(const Event& event) const {
  std::string_view tenant = raw_tenant(event);
  if (!tenant.empty()) {
    auto it = m_options.tenant_namespaces.find(tenant);
    if (it != m_options.tenant_namespaces.end()) return it->second;
  }
  return m_options.default_namespace;
}

std::string EsBulkEncoder::data_stream_for(const Event& event) const {
  return "logs-" + dataset_of(event) + "-" + namespace_of(event);
}

namespace {

// The per-call memo of the last event's routing: consecutive events of one
// batch nearly always share dataset and tenant, and recomputing the index
// name per event would cost more than the action line itself.
struct RouteCache {
  std::string raw_dataset;
  std::string raw_tenant;
  std::string action_prefix;  // {"create":{"_index":"logs-…","_id":
  std::string data_stream;    // "data_stream":{…}}
  bool valid = false;
};

// Encoding is bound by memory latency, not arithmetic: a batch of events
// is a tree of separate allocations that has usually left the cache by the
// time it is encoded. The encoder asks for the next events' memory ahead of
// time in two steps: the member arrays of the event k_prefetch_far ahead,
// then (those having arrived) the nested objects and long strings of the
// event k_prefetch_near ahead. Prefetches are hints: no effect on output.
constexpr size_t k_prefetch_far = 8;
constexpr size_t k_prefetch_near = 4;

void prefetch_members(const Object& object) {
  if (object.empty()) return;
  const char* p = reinterpret_cast<const char*>(&*object.begin());
  const char* const end = p + object.size() * sizeof(Member);
  for (; p < end; p += 64) __builtin_prefetch(p);
}

void prefetch_children(const Object& object, int depth) {
  for (const auto& [key, value] : object) {
    if (value.is_object()) {
      prefetch_members(value.as_object());
      if (depth > 1) prefetch_children(value.as_object(), depth - 1);
    } else if (value.is_string() && value.as_string().size() > 15) {
      const std::string& text = value.as_string();
      for (size_t off = 0; off < text.size(); off += 64) __builtin_prefetch(text.data() + off);
    }
  }
}

void append_one(const EsBulkEncoder& encoder, JsonWriter& w, const Event& event, RouteCache& cache) {
  if (event.id().empty()) return;  // never sent without an _id (see the header)
  RoutingFields routing(event);
  std::string_view dataset = routing.dataset();
  std::string_view tenant = routing.tenant();
  if (!cache.valid || dataset != cache.raw_dataset || tenant != cache.raw_tenant) {
    cache.raw_dataset.assign(dataset);
    cache.raw_tenant.assign(tenant);
    std::string ds = sanitize_es_dataset(dataset);
    const std::string& ns = encoder.namespace_of(event);
    // dataset and namespace hold only [a-z0-9._]: safe in JSON unescaped.
    cache.action_prefix = "{\"create\":{\"_index\":\"logs-" + ds + "-" + ns + "\",\"_id\":";
    cache.data_stream = "\"data_stream\":{\"type\":\"logs\",\"dataset\":\"" + ds + "\",\"namespace\":\"" + ns + "\"}}";
    cache.valid = true;
  }
  w.raw(cache.action_prefix);
  w.string(event.id());
  w.raw("}}\n{");
  // The document: what common/json.hpp's append_json(Event) writes, plus
  // the data_stream object unless the event has its own.
  bool wrote = w.event_members(event);
  if (routing.data_stream) {
    w.raw("}\n");
  } else {
    if (wrote) w.raw(',');
    w.raw(cache.data_stream);
    w.raw('\n');
  }
}

}  // namespace

void EsBulkEncoder::append(std::string& out, const Event& event) const {
  RouteCache cache;
  JsonWriter w(out);
  append_one(*this, w, event, cache);
}

void EsBulkEncoder::encode(std::span<const Event> events, std::string& out, std::vector<size_t>* offsets) const {
  RouteCache cache;
  if (offsets) offsets->reserve(offsets->size() + events.size() + 1);
  {
    // One writer for the whole batch: its buffer grows geometrically.
    JsonWriter w(out);
    for (size_t i = 0; i < events.size(); ++i) {
      if (i + k_prefetch_far < events.size()) prefetch_members(events[i + k_prefetch_far].fields());
      if (i + k_prefetch_near < events.size()) prefetch_children(events[i + k_prefetch_near].fields(), 2);
      if (offsets) offsets->push_back(w.pos());
      append_one(*this, w, events[i], cache);
    }
  }
  if (offsets) offsets->push_back(out.size());
}

}  // namespace logpost::ingester
