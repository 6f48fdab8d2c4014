// logpost-query's reports on known data: the profile (count, total, share,
// nearest-rank p95, order, filters, example) and shipment gaps.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "common/json.hpp"
#include "common/sqlite_db.hpp"
#include "ingester/ingest_ledger.hpp"
#include "ingester/sqlite_sink.hpp"
#include "query/gaps_report.hpp"
#include "query/query_command.hpp"
#include "query/top_report.hpp"

namespace logpost::query {
namespace {

namespace fs = std::filesystem;
using ingester::BatchSource;
using ingester::SqliteSink;

struct Store {
  fs::path dir;
  fs::path path;
  Store() {
    std::string tmpl = (fs::temp_directory_path() / "logpost-query-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    dir = tmpl;
    path = dir / "store.sqlite";
  }
  ~Store() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

int g_seq = 0;
Event slow(const std::string& fingerprint, int64_t duration_ms, const std::string& host = "db1",
           const std::string& user = "app", int64_t ts_us = 1763704800000000, int64_t rows_examined = 10) {
  Event e("# Time: x\n" + fingerprint + " -- " + std::to_string(duration_ms));
  e.set_id("ship-" + std::to_string(++g_seq));
  e.set_timestamp_us(ts_us);
  e.set(*FieldPath::parse("[host][name]"), Value(host));
  e.set(*FieldPath::parse("[logpost][tenant]"), Value("acme"));
  e.set(*FieldPath::parse("[user][name]"), Value(user));
  e.set(*FieldPath::parse("[event][duration]"), Value(duration_ms * 1000000));
  e.set(*FieldPath::parse("[mysql][slowlog][query_fingerprint]"), Value(fingerprint));
  e.set(*FieldPath::parse("[mysql][slowlog][query_digest]"), Value("0x" + std::to_string(fingerprint.size())));
  e.set(*FieldPath::parse("[mysql][slowlog][query]"), Value(fingerprint + " /* " + std::to_string(duration_ms) + " */"));
  e.set(*FieldPath::parse("[mysql][slowlog][rows_sent]"), Value(1));
  e.set(*FieldPath::parse("[mysql][slowlog][rows_examined]"), Value(rows_examined));
  e.set(*FieldPath::parse("[mysql][slowlog][schema]"), Value("shop"));
  return e;
}

void write(const fs::path& path, const std::vector<Event>& events) {
  auto sink = SqliteSink::open(path);
  ASSERT_TRUE(sink) << sink.error().message;
  auto r = (*sink)->write(events, BatchSource{"m", "s", 1});
  ASSERT_TRUE(r) << r.error().message;
}

std::vector<QueryClass> top(const fs::path& path, const TopOptions& o = {}) {
  auto db = SqliteDb::open(path, SqliteDb::Mode::read_only);
  EXPECT_TRUE(db);
  auto r = top_queries(*db, o);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : std::vector<QueryClass>{};
}

TEST(TopReport, NearestRankP95AndTotals) {
  Store s;
  std::vector<Event> events;
  // Class A: durations 1..100 ms in shuffled order -> p95 = 95 ms.
  for (int i = 0; i < 100; ++i) events.push_back(slow("select a", (i * 37) % 100 + 1));
  // Class B: 1..10 ms -> ceil(9.5) = rank 10 -> p95 = max = 10 ms.
  for (int i = 1; i <= 10; ++i) events.push_back(slow("select bb", i));
  // Class C: 1..20 ms -> rank 19 -> 19 ms.
  for (int i = 20; i >= 1; --i) events.push_back(slow("select ccc", i));
  // Not a slow-log class: no fingerprint.
  Event access("GET /");
  access.set_id("access-1");
  events.push_back(access);
  write(s.path, events);

  auto classes = top(s.path);
  ASSERT_EQ(classes.size(), 3u);
  EXPECT_EQ(classes[0].fingerprint, "select a");
  EXPECT_EQ(classes[0].count, 100);
  EXPECT_EQ(classes[0].total_ns, 5050LL * 1000000);
  EXPECT_EQ(classes[0].p95_ns, 95LL * 1000000);
  EXPECT_EQ(classes[0].max_ns, 100LL * 1000000);
  EXPECT_EQ(classes[0].avg_ns, 50500000);
  EXPECT_EQ(classes[0].rows_examined, 1000);
  EXPECT_EQ(classes[0].example, "select a /* 100 */");  // the slowest sample
  EXPECT_NEAR(classes[0].share, 5050.0 / (5050 + 55 + 210), 1e-9);
  EXPECT_EQ(classes[1].fingerprint, "select ccc");
  EXPECT_EQ(classes[1].p95_ns, 19LL * 1000000);
  EXPECT_EQ(classes[2].fingerprint, "select bb");
  EXPECT_EQ(classes[2].p95_ns, 10LL * 1000000);
  EXPECT_EQ(classes[2].query_id, "0x9");
}

TEST(TopReport, OrderFiltersAndLimit) {
  Store s;
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) events.push_back(slow("select many", 1, "db1", "app", 1763704800000000, 1));
  events.push_back(slow("select slow", 900, "db2", "report", 1763704800000000, 5));
  events.push_back(slow("select scan", 50, "db1", "app", 1000000, 1000000));  // old
  write(s.path, events);

  TopOptions by_count;
  by_count.order = TopOrder::count;
  EXPECT_EQ(top(s.path, by_count)[0].fingerprint, "select many");
  TopOptions by_max;
  by_max.order = TopOrder::max;
  EXPECT_EQ(top(s.path, by_max)[0].fingerprint, "select slow");
  TopOptions by_rows;
  by_rows.order = TopOrder::rows_examined;
  EXPECT_EQ(top(s.path, by_rows)[0].fingerprint, "select scan");

  TopOptions host;
  host.host = "db2";
  auto h = top(s.path, host);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].fingerprint, "select slow");
  EXPECT_DOUBLE_EQ(h[0].share, 1.0);
  TopOptions user;
  user.user = "app";
  EXPECT_EQ(top(s.path, user).size(), 2u);
  TopOptions since;
  since.since_us = 1763704800000000 - 1;
  EXPECT_EQ(top(s.path, since).size(), 2u);  // the old scan is out
  TopOptions limit;
  limit.limit = 1;
  EXPECT_EQ(top(s.path, limit).size(), 1u);
  TopOptions other_tenant;
  other_tenant.tenant = "nobody";
  EXPECT_TRUE(top(s.path, other_tenant).empty());
}

TEST(TopReport, CommandLinePrintsTableAndJson) {
  Store s;
  write(s.path, {slow("select 1", 10), slow("select 1", 30)});
  std::string out, err;
  std::string store = "sqlite:" + s.path.string();
  std::vector<std::string_view> args{"top", "--store", store, "--json", "--order-by", "p95", "--since", "36500d"};
  ASSERT_EQ(query_main(args, out, err), 0) << err;
  auto json = parse_json(out);
  ASSERT_TRUE(json) << out;
  ASSERT_EQ(json->as_array().size(), 1u);
  const Object& c = json->as_array()[0].as_object();
  EXPECT_EQ(c.at("count").as_int(), 2);
  EXPECT_DOUBLE_EQ(c.at("p95_s").as_double(), 0.03);
  out.clear();
  std::vector<std::string_view> table{"top", "--store", store};
  ASSERT_EQ(query_main(table, out, err), 0) << err;
  EXPECT_NE(out.find("select 1"), std::string::npos);
  EXPECT_NE(out.find("0.0400"), std::string::npos);  // total seconds
  std::vector<std::string_view> bad{"top", "--store", store, "--order-by", "fastest"};
  EXPECT_EQ(query_main(bad, out, err), 64);
  std::string nope = "sqlite:" + (s.dir / "nope").string();
  std::vector<std::string_view> missing{"top", "--store", nope};
  EXPECT_EQ(query_main(missing, out, err), 66);
}

TEST(GapsReport, ListsShipmentsWithMissingParts) {
  Store s;
  {
    auto ledger = ingester::IngestLedger::open(s.path);
    ASSERT_TRUE(ledger);
    ShipmentHeaders h;
    h.tenant = "acme";
    h.host = "db1";
    h.kind = "mysql-slow";
    h.source = "/var/log/mysql/slow.log.1";
    h.shipment_id = "aaaa";
    h.part_count = 4;
    for (uint32_t p : {1u, 3u}) {
      h.part = p;
      ASSERT_TRUE(ledger->record_mail_done("mail-a" + std::to_string(p), h, 1));
    }
    ASSERT_TRUE(ledger->record_mail_done("mail-a3-dup", h, 1));  // duplicate delivery of part 3
    h.shipment_id = "bbbb";
    h.part_count = 2;
    for (uint32_t p : {1u, 2u}) {
      h.part = p;
      ASSERT_TRUE(ledger->record_mail_done("mail-b" + std::to_string(p), h, 1));
    }
  }
  auto db = SqliteDb::open(s.path, SqliteDb::Mode::read_only);
  ASSERT_TRUE(db);
  auto gaps = shipment_gaps(*db);
  ASSERT_TRUE(gaps) << gaps.error().message;
  ASSERT_EQ(gaps->size(), 1u);
  EXPECT_EQ((*gaps)[0].shipment_id, "aaaa");
  EXPECT_EQ((*gaps)[0].present, (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ((*gaps)[0].missing, (std::vector<uint32_t>{2, 4}));
  std::string out, err;
  std::string store = "sqlite:" + s.path.string();
  std::vector<std::string_view> args{"gaps", "--store", store};
  ASSERT_EQ(query_main(args, out, err), 0) << err;
  EXPECT_NE(out.find("aaaa"), std::string::npos);
  EXPECT_NE(out.find("2,4"), std::string::npos);
  EXPECT_EQ(out.find("bbbb"), std::string::npos);
}

}  // namespace
}  // namespace logpost::query
