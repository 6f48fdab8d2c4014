// es_bulk_response.cpp — see the header for the classification table.
#include "ingester/es_bulk_response.hpp"

#include "common/json.hpp"

namespace logpost::ingester {

namespace {

constexpr size_t k_max_reason = 2000;

std::string clip(std::string text, size_t max = k_max_reason) {
  if (text.size() > max) {
    text.resize(max);
    text += "...";
  }
  return text;
}

const std::string* string_member(const Object& object, std::string_view key) {
  const Value* v = object.find(key);
  return (v && v->is_string()) ? &v->as_string() : nullptr;
}

// "type: reason (caused by type: reason)" from an Elasticsearch error value,
// which is an object in every version we care about and a plain string in
// very old ones.
std::string describe_error(const Value* error) {
  if (!error) return "no error details";
  if (error->is_string()) return error->as_string();
  if (!error->is_object()) return error->to_text();
  const Object& e = error->as_object();
  std::string out;
  const std::string* type = string_member(e, "type");
  const std::string* reason = string_member(e, "reason");
  out += type ? *type : "error";
  if (reason) out += ": " + *reason;
  if (const Value* cause = e.find("caused_by"); cause && cause->is_object()) {
    const std::string* ctype = string_member(cause->as_object(), "type");
    const std::string* creason = string_member(cause->as_object(), "reason");
    out += " (caused by ";
    out += ctype ? *ctype : "error";
    if (creason) out += ": " + *creason;
    out += ")";
  }
  return out;
}

BulkResponse verdict(BulkVerdict v, std::string reason) {
  BulkResponse r;
  r.verdict = v;
  r.reason = clip(std::move(reason));
  return r;
}

}  // namespace

const char* bulk_verdict_name(BulkVerdict v) {
  switch (v) {
    case BulkVerdict::processed: return "processed";
    case BulkVerdict::too_large: return "too_large";
    case BulkVerdict::unauthorized: return "unauthorized";
    case BulkVerdict::retry: return "retry";
    case BulkVerdict::bad_request: return "bad_request";
    case BulkVerdict::misconfigured: return "misconfigured";
  }
  return "?";
}

std::string summarize_es_error(std::string_view body) {
  if (auto parsed = parse_json(body); parsed && parsed->is_object()) {
    if (const Value* error = parsed->as_object().find("error")) return clip(describe_error(error), 500);
  }
  std::string text(body.substr(0, 300));
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return text.empty() ? "(empty body)" : text;
}

BulkResponse classify_bulk_response(long status, std::string_view body, std::span<const std::string_view> ids) {
  std::string what = "HTTP " + std::to_string(status);
  if (status == 413) return verdict(BulkVerdict::too_large, what + ": request too large");
  if (status == 401 || status == 403) return verdict(BulkVerdict::unauthorized, what + ": " + summarize_es_error(body));
  if (status == 429 || status == 408 || (status >= 500 && status <= 599)) {
    return verdict(BulkVerdict::retry, what + ": " + summarize_es_error(body));
  }
  if (status == 400) return verdict(BulkVerdict::bad_request, what + ": " + summarize_es_error(body));
  if (status != 200) return verdict(BulkVerdict::misconfigured, what + ": " + summarize_es_error(body));

  auto parsed = parse_json(body);
  if (!parsed) return verdict(BulkVerdict::retry, "HTTP 200 with a body that is not JSON: " + parsed.error().message);
  if (!parsed->is_object()) return verdict(BulkVerdict::retry, "HTTP 200 with a body that is not a JSON object");
  const Value* items_value = parsed->as_object().find("items");
  if (!items_value || !items_value->is_array()) {
    return verdict(BulkVerdict::retry, "HTTP 200 without an \"items\" array: not a bulk response");
  }
  const Array& items = items_value->as_array();
  if (items.size() != ids.size()) {
    return verdict(BulkVerdict::retry, "bulk response has " + std::to_string(items.size()) + " items for " +
                                           std::to_string(ids.size()) + " sent");
  }

  BulkResponse out;
  out.verdict = BulkVerdict::processed;
  out.items.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    std::string where = "item " + std::to_string(i);
    // Each item is {"<action>": {...}} with exactly one member.
    if (!items[i].is_object() || items[i].as_object().size() != 1 ||
        !items[i].as_object().begin()->second.is_object()) {
      return verdict(BulkVerdict::retry, where + " of the bulk response is malformed");
    }
    const Object& item = items[i].as_object().begin()->second.as_object();
    const Value* item_status = item.find("status");
    if (!item_status || !item_status->is_int()) {
      return verdict(BulkVerdict::retry, where + " of the bulk response has no status");
    }
    if (!ids[i].empty()) {
      const std::string* id = string_member(item, "_id");
      if (id && *id != ids[i]) {
        return verdict(BulkVerdict::retry, where + " of the bulk response is for _id " + *id + ", not " +
                                               std::string(ids[i]) + ": answer out of order");
      }
    }
    int64_t s = item_status->as_int();
    ItemOutcome outcome;
    if (s == 200 || s == 201) {
      outcome.status = ItemStatus::delivered;
      ++out.counts.created;
    } else if (s == 409) {
      outcome.status = ItemStatus::delivered;
      ++out.counts.conflicts;
    } else if (s == 429 || (s >= 500 && s <= 599)) {
      outcome.status = ItemStatus::retry;
      outcome.reason = clip(std::to_string(s) + " " + describe_error(item.find("error")));
      ++out.counts.retry;
    } else {
      outcome.status = ItemStatus::rejected;
      outcome.reason = clip(std::to_string(s) + " " + describe_error(item.find("error")));
      ++out.counts.rejected;
    }
    out.items.push_back(std::move(outcome));
  }
  return out;
}

}  // namespace logpost::ingester
