// gaps_report.cpp — missing parts per shipment.
#include "query/gaps_report.hpp"

#include <algorithm>

#include "common/event.hpp"
#include "common/json.hpp"
#include "common/value.hpp"

namespace logpost::query {

Result<std::vector<ShipmentGap>> shipment_gaps(SqliteDb& db) {
  auto st = db.prepare(
      "SELECT shipment_id, MAX(part_count), MIN(received_us), MAX(received_us), "
      "MIN(tenant), MIN(host), MIN(kind), MIN(source) FROM parts GROUP BY shipment_id "
      "HAVING COUNT(*) < MAX(part_count) ORDER BY MIN(received_us), shipment_id");
  if (!st) {
    if (st.error().message.find("no such table") != std::string::npos)
      return fail(ErrorCode::not_found, db.path().string() + " is not a logpost store (no parts table)");
    return tl::unexpected(st.error());
  }
  std::vector<ShipmentGap> out;
  for (;;) {
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    ShipmentGap g;
    g.shipment_id = st->column_text(0);
    g.part_count = static_cast<uint32_t>(st->column_int(1));
    g.first_received_us = st->column_int(2);
    g.last_received_us = st->column_int(3);
    g.tenant = st->column_text(4);
    g.host = st->column_text(5);
    g.kind = st->column_text(6);
    g.source = st->column_text(7);
    out.push_back(std::move(g));
  }
  auto parts = db.prepare("SELECT part FROM parts WHERE shipment_id = ?1 ORDER BY part");
  if (!parts) return tl::unexpected(parts.error());
  for (auto& g : out) {
    parts->reset();
    parts->bind_text(1, g.shipment_id);
    for (;;) {
      auto row = parts->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      g.present.push_back(static_cast<uint32_t>(parts->column_int(0)));
    }
    for (uint32_t p = 1; p <= g.part_count; ++p)
      if (!std::binary_search(g.present.begin(), g.present.end(), p)) g.missing.push_back(p);
  }
  return out;
}

namespace {
std::string join(const std::vector<uint32_t>& v) {
  std::string out;
  for (auto p : v) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out;
}
}  // namespace

std::string format_gaps_table(const std::vector<ShipmentGap>& gaps, int64_t now_us) {
  if (gaps.empty()) return "no shipment has missing parts\n";
  std::string out = "shipment_id                       tenant  host  parts  missing  last_part_age_s  source\n";
  for (const auto& g : gaps) {
    out += g.shipment_id + "  " + g.tenant + "  " + g.host + "  " + std::to_string(g.present.size()) + "/" +
           std::to_string(g.part_count) + "  " + join(g.missing) + "  " +
           std::to_string(std::max<int64_t>(0, (now_us - g.last_received_us) / 1000000)) + "  " + g.source + "\n";
  }
  return out;
}

std::string format_gaps_json(const std::vector<ShipmentGap>& gaps) {
  Array arr;
  for (const auto& g : gaps) {
    Object o;
    o.set("shipment_id", g.shipment_id);
    o.set("tenant", g.tenant);
    o.set("host", g.host);
    o.set("kind", g.kind);
    o.set("source", g.source);
    o.set("part_count", static_cast<int64_t>(g.part_count));
    Array present, missing;
    for (auto p : g.present) present.emplace_back(static_cast<int64_t>(p));
    for (auto p : g.missing) missing.emplace_back(static_cast<int64_t>(p));
    o.set("present", std::move(present));
    o.set("missing", std::move(missing));
    o.set("first_received", format_timestamp_us(g.first_received_us));
    o.set("last_received", format_timestamp_us(g.last_received_us));
    arr.emplace_back(std::move(o));
  }
  std::string out;
  append_json(out, Value(std::move(arr)));
  out += '\n';
  return out;
}

}  // namespace logpost::query
