// gaps_report.hpp — shipments with missing parts.
//
// Every ingested part is recorded in the store's `parts` table (see
// ingester/ingest_ledger.hpp). A shipment whose recorded parts are fewer than
// its X-Logpost-Part-Count has a gap: a part that is lost, still in an MTA
// queue (late), quarantined, or ingested by another receiver into another
// store. The report cannot tell these apart; it lists what is missing and
// how long ago the last part arrived, so an operator can judge.
//
// Errors: SQLite errors; ErrorCode::not_found when the store has no parts table.
// Cost: one GROUP BY over parts (one row per ingested part).
// Thread-safety: one thread per SqliteDb.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/sqlite_db.hpp"

namespace logpost::query {

struct ShipmentGap {
  std::string shipment_id;
  std::string tenant;
  std::string host;
  std::string kind;
  std::string source;
  uint32_t part_count = 0;
  std::vector<uint32_t> present;
  std::vector<uint32_t> missing;
  int64_t first_received_us = 0;
  int64_t last_received_us = 0;
};

Result<std::vector<ShipmentGap>> shipment_gaps(SqliteDb& db);

std::string format_gaps_table(const std::vector<ShipmentGap>& gaps, int64_t now_us);
std::string format_gaps_json(const std::vector<ShipmentGap>& gaps);

}  // namespace logpost::query
