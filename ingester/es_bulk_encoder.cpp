// es_bulk_encoder.cpp — see the header for the wire format.
#include "ingester/es_bulk_encoder.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>

#include "common/json.hpp"

namespace logpost::ingester {

namespace {

constexpr size_t k_max_dataset = 100;
constexpr size_t k_max_namespace = 100;
constexpr std::string_view k_generic_dataset = "generic";

bool is_name_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
}

const std::string* string_at(const Event& event, std::string_view outer, std::string_view inner) {
  const Value* parent = event.get(outer);
  if (!parent || !parent->is_object()) return nullptr;
  const Value* v = parent->as_object().find(inner);
  if (!v || !v->is_string() || v->as_string().empty()) return nullptr;
  return &v->as_string();
}

std::string_view raw_dataset(const Event& event) {
  if (const std::string* s = string_at(event, "event", "dataset")) return *s;
  if (const std::string* s = string_at(event, "data_stream", "dataset")) return *s;
  return {};
}

std::string_view raw_tenant(const Event& event) {
  if (const std::string* s = string_at(event, "logpost", "tenant")) return *s;
  return {};
}

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
  // The "YYYY-MM-DDTHH:MM:SS" of the last timestamp's second.
  int64_t ts_second = INT64_MIN;
  char ts_prefix[19] = {};
};

// A JSON writer into the caller's string through a raw cursor: the bulk
// body is the hot path of the sink (>= 1M documents/s is the target), and
// std::string's per-character appends cost more than the encoding itself.
// It produces exactly the bytes of common/json.hpp's append_json (a unit
// test holds the two together): plain ASCII strings are copied here, any
// string needing escapes or UTF-8 checks goes through append_json_string.
class Writer {
 public:
  explicit Writer(std::string& out) : m_out(out), m_pos(out.size()) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() { m_out.resize(m_pos); }

  [[nodiscard]] size_t pos() const { return m_pos; }

  char* room(size_t n) {
    if (m_pos + n > m_out.size()) m_out.resize(std::max(m_out.size() * 2, m_pos + n + 4096));
    return m_out.data() + m_pos;
  }
  void put(char c) {
    *room(1) = c;
    ++m_pos;
  }
  void put(std::string_view s) {
    std::memcpy(room(s.size()), s.data(), s.size());
    m_pos += s.size();
  }

  void string(std::string_view s) {
    const char* p = s.data();
    const char* end = p + s.size();
    // Worst case of the inline path: every byte escaped as two. Locals, not
    // members, in the loop: the compiler cannot keep members in registers
    // across stores through a char pointer.
    char* const base = room(2 * s.size() + 2);
    char* d = base;
    *d++ = '"';
    while (p < end) {
      const char* run = p;
      while (run < end && is_plain(static_cast<unsigned char>(*run))) ++run;
      std::memcpy(d, p, static_cast<size_t>(run - p));
      d += run - p;
      p = run;
      if (p == end) break;
      unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\') {
        *d++ = '\\';
        *d++ = static_cast<char>(c);
        ++p;
        continue;
      }
      // Control characters and UTF-8 (to validate): common/json.hpp's
      // encoder, which this must match byte for byte.
      m_scratch.clear();
      append_json_string(m_scratch, s);
      put(m_scratch);
      return;
    }
    *d++ = '"';
    m_pos += static_cast<size_t>(d - base);
  }

  // 0x20..0x7F except '"' and '\\' (common/json.cpp's class 0).
  static bool is_plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

  void value(const Value& v) {
    switch (v.kind()) {
      case Value::Kind::null: put("null"); return;
      case Value::Kind::boolean: put(v.as_bool() ? std::string_view("true") : std::string_view("false")); return;
      case Value::Kind::integer: {
        char* d = room(24);
        auto [end, ec] = std::to_chars(d, d + 24, v.as_int());
        m_pos += static_cast<size_t>(end - d);
        return;
      }
      case Value::Kind::real: {
        double x = v.as_double();
        if (!std::isfinite(x)) {
          put("null");
          return;
        }
        char* d = room(66);
        auto [end, ec] = std::to_chars(d, d + 64, x);
        std::string_view text(d, static_cast<size_t>(end - d));
        m_pos += text.size();
        if (text.find_first_of(".eE") == std::string_view::npos) put(".0");
        return;
      }
      case Value::Kind::string: string(v.as_string()); return;
      case Value::Kind::array: {
        put('[');
        bool first = true;
        for (const Value& item : v.as_array()) {
          if (!first) put(',');
          first = false;
          value(item);
        }
        put(']');
        return;
      }
      case Value::Kind::object: {
        put('{');
        bool first = true;
        for (const auto& [key, item] : v.as_object()) {
          if (!first) put(',');
          first = false;
          string(key);
          put(':');
          value(item);
        }
        put('}');
        return;
      }
    }
  }

  void timestamp(int64_t us, RouteCache& cache) {
    int64_t secs = us / 1'000'000;
    int64_t frac = us % 1'000'000;
    if (frac < 0) {
      frac += 1'000'000;
      secs -= 1;
    }
    if (secs != cache.ts_second) {
      std::string full = format_timestamp_us(secs * 1'000'000);
      if (full.size() != 24) {  // outside years 0000-9999: no shortcut
        put('"');
        put(format_timestamp_us(us));
        put('"');
        return;
      }
      std::memcpy(cache.ts_prefix, full.data(), 19);
      cache.ts_second = secs;
    }
    char* d = room(30);
    d[0] = '"';
    std::memcpy(d + 1, cache.ts_prefix, 19);
    d[20] = '.';
    size_t len;
    if (frac % 1000 == 0) {
      int ms = static_cast<int>(frac / 1000);
      d[21] = static_cast<char>('0' + ms / 100);
      d[22] = static_cast<char>('0' + ms / 10 % 10);
      d[23] = static_cast<char>('0' + ms % 10);
      len = 24;
    } else {
      int f = static_cast<int>(frac);
      for (int k = 26; k >= 21; --k) {
        d[k] = static_cast<char>('0' + f % 10);
        f /= 10;
      }
      len = 27;
    }
    d[len] = 'Z';
    d[len + 1] = '"';
    m_pos += len + 2;
  }

 private:
  std::string& m_out;
  size_t m_pos;
  std::string m_scratch;
};

void append_one(const EsBulkEncoder& encoder, Writer& w, const Event& event, RouteCache& cache) {
  if (event.id().empty()) return;  // never sent without an _id (see the header)
  std::string_view dataset = raw_dataset(event);
  std::string_view tenant = raw_tenant(event);
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
  w.put(cache.action_prefix);
  w.string(event.id());
  w.put("}}\n{");

  // The document: what common/json.hpp's append_json(Event) writes.
  bool first = true;
  if (auto ts = event.timestamp_us()) {
    w.put("\"@timestamp\":");
    w.timestamp(*ts, cache);
    first = false;
  }
  bool has_data_stream = false;
  for (const auto& [key, item] : event.fields()) {
    // First-byte tests before the comparisons: this loop runs per field.
    if (!key.empty() && key[0] == '@' && (key == "@metadata" || key == "@timestamp")) continue;
    has_data_stream = has_data_stream || (!key.empty() && key[0] == 'd' && key == "data_stream");
    if (!first) w.put(',');
    first = false;
    w.string(key);
    w.put(':');
    w.value(item);
  }
  if (has_data_stream) {
    w.put("}\n");
  } else {
    if (!first) w.put(',');
    w.put(cache.data_stream);
    w.put('\n');
  }
}

}  // namespace

void EsBulkEncoder::append(std::string& out, const Event& event) const {
  RouteCache cache;
  Writer w(out);
  append_one(*this, w, event, cache);
}

void EsBulkEncoder::encode(std::span<const Event> events, std::string& out, std::vector<size_t>* offsets) const {
  RouteCache cache;
  if (offsets) offsets->reserve(offsets->size() + events.size() + 1);
  {
    // One writer for the whole batch: its buffer grows geometrically.
    Writer w(out);
    for (const Event& event : events) {
      if (offsets) offsets->push_back(w.pos());
      append_one(*this, w, event, cache);
    }
  }
  if (offsets) offsets->push_back(out.size());
}

}  // namespace logpost::ingester
