// The SQLite sink: idempotent writes, extracted report columns, and how
// store faults are classified (locked -> retry later, read-only -> stop).
#include "ingester/sqlite_sink.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sqlite_db.hpp"
#include "test_mail_factory.hpp"

namespace logpost::ingester {
namespace {

Event slow_event(const std::string& id, int64_t duration_ns) {
  Event e("# Time: ...\nSELECT 1;");
  e.set_id(id);
  e.set_timestamp_us(1763704800000000);
  e.set(*FieldPath::parse("[host][name]"), Value("db1"));
  e.set(*FieldPath::parse("[logpost][tenant]"), Value("acme"));
  e.set(*FieldPath::parse("[event][dataset]"), Value("mysql.slowlog"));
  e.set(*FieldPath::parse("[event][duration]"), Value(duration_ns));
  e.set(*FieldPath::parse("[mysql][slowlog][query_fingerprint]"), Value("select ?"));
  e.set(*FieldPath::parse("[mysql][slowlog][query_digest]"), Value("0xABC"));
  e.set(*FieldPath::parse("[mysql][slowlog][rows_examined]"), Value("42"));  // strings are converted
  e.set(*FieldPath::parse("[mysql][slowlog][lock_time][sec]"), Value(0.25));
  e.set("user.name", Value("app"));  // dotted top-level names are read too
  return e;
}

TEST(SqliteSink, WritesAreIdempotentOnTheEventId) {
  logpost::testing::TempMaildir dir;
  auto sink = SqliteSink::open(dir.store());
  ASSERT_TRUE(sink) << sink.error().message;
  std::vector<Event> events{slow_event("s-1", 1000), slow_event("s-2", 2000)};
  BatchSource src{"mail-1", "s", 1};
  for (int round = 0; round < 3; ++round) {
    auto out = (*sink)->write(events, src);
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_EQ(out->size(), 2u);
    for (const auto& o : *out) EXPECT_EQ(o.status, ItemStatus::delivered);
  }
  auto db = SqliteDb::open(dir.store(), SqliteDb::Mode::read_only);
  ASSERT_TRUE(db);
  EXPECT_EQ(**db->query_int("SELECT COUNT(*) FROM events"), 2);
  EXPECT_EQ(**db->query_int("SELECT batches FROM mails WHERE name = 'mail-1'"), 3);
  auto st = db->prepare(
      "SELECT fingerprint, digest, duration_ns, rows_examined, lock_time_sec, user_name, host, tenant, ts_us, "
      "json_extract(doc, '$.message') FROM events WHERE id = 's-2'");
  ASSERT_TRUE(st);
  ASSERT_TRUE(*st->step());
  EXPECT_EQ(st->column_text(0), "select ?");
  EXPECT_EQ(st->column_text(1), "0xABC");
  EXPECT_EQ(st->column_int(2), 2000);
  EXPECT_EQ(st->column_int(3), 42);
  EXPECT_DOUBLE_EQ(st->column_double(4), 0.25);
  EXPECT_EQ(st->column_text(5), "app");
  EXPECT_EQ(st->column_text(6), "db1");
  EXPECT_EQ(st->column_text(7), "acme");
  EXPECT_EQ(st->column_int(8), 1763704800000000);
  EXPECT_EQ(st->column_text(9), "# Time: ...\nSELECT 1;");
}

TEST(SqliteSink, EventWithoutIdIsRejectedNotDropped) {
  logpost::testing::TempMaildir dir;
  auto sink = SqliteSink::open(dir.store());
  ASSERT_TRUE(sink);
  std::vector<Event> events{Event("no id"), slow_event("s-1", 1)};
  auto out = (*sink)->write(events, BatchSource{"m", "s", 1});
  ASSERT_TRUE(out);
  EXPECT_EQ((*out)[0].status, ItemStatus::rejected);
  EXPECT_EQ((*out)[1].status, ItemStatus::delivered);
}

TEST(SqliteSink, LockedDatabaseIsATemporaryBatchError) {
  logpost::testing::TempMaildir dir;
  auto sink = SqliteSink::open(dir.store(), 50);
  ASSERT_TRUE(sink);
  auto other = SqliteDb::open(dir.store(), SqliteDb::Mode::read_write, 50);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->exec("BEGIN IMMEDIATE"));
  std::vector<Event> events{slow_event("s-1", 1)};
  auto out = (*sink)->write(events, BatchSource{"m", "s", 1});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::temporary);
  ASSERT_TRUE(other->exec("ROLLBACK"));
  auto again = (*sink)->write(events, BatchSource{"m", "s", 1});
  ASSERT_TRUE(again) << again.error().message;
}

TEST(SqliteSink, ReadOnlyDatabaseIsPermanent) {
  // Tests run as root, which ignores file modes: SQLite's read-only open
  // gives the same SQLITE_READONLY a read-only file would.
  logpost::testing::TempMaildir dir;
  { ASSERT_TRUE(SqliteSink::open(dir.store())); }
  auto db = SqliteDb::open(dir.store(), SqliteDb::Mode::read_only);
  ASSERT_TRUE(db);
  auto r = db->exec("INSERT INTO mails(name, shipment_id, part) VALUES('x','y',1)");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::permanent);
}

TEST(SqliteSink, ABatchOfSeveralMailsRecordsEachEventsOwnMail) {
  logpost::testing::TempMaildir dir;
  auto sink = SqliteSink::open(dir.store());
  ASSERT_TRUE(sink);
  std::vector<Event> events{slow_event("a-1", 1), slow_event("a-2", 2), slow_event("b-1", 3), slow_event("c-1", 4),
                            slow_event("c-2", 5), slow_event("c-3", 6)};
  BatchSources sources;
  sources.add(BatchSource{"mail-a", "ship-a", 1}, 0, 2);
  sources.add(BatchSource{"mail-b", "ship-b", 2}, 2, 3);
  sources.add(BatchSource{"mail-c", "ship-c", 1}, 3, 6);
  auto out = (*sink)->write(events, sources);
  ASSERT_TRUE(out) << out.error().message;
  for (const auto& o : *out) EXPECT_EQ(o.status, ItemStatus::delivered);
  auto db = SqliteDb::open(dir.store(), SqliteDb::Mode::read_only);
  ASSERT_TRUE(db);
  auto rows = db->prepare("SELECT id, mail_name FROM events ORDER BY id");
  ASSERT_TRUE(rows);
  std::vector<std::pair<std::string, std::string>> got;
  for (auto more = rows->step(); more && *more; more = rows->step()) got.emplace_back(rows->column_text(0), rows->column_text(1));
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{{"a-1", "mail-a"},
                                                                    {"a-2", "mail-a"},
                                                                    {"b-1", "mail-b"},
                                                                    {"c-1", "mail-c"},
                                                                    {"c-2", "mail-c"},
                                                                    {"c-3", "mail-c"}}));
  // Each mail counts its own events, and this one batch.
  EXPECT_EQ(**db->query_int("SELECT events FROM mails WHERE name = 'mail-a' AND shipment_id = 'ship-a'"), 2);
  EXPECT_EQ(**db->query_int("SELECT events FROM mails WHERE name = 'mail-b' AND part = 2"), 1);
  EXPECT_EQ(**db->query_int("SELECT events FROM mails WHERE name = 'mail-c'"), 3);
  EXPECT_EQ(**db->query_int("SELECT SUM(batches) FROM mails"), 3);
}

// New stores get 8 KiB pages (fewer, fuller pages for ~700-byte rows); the
// page size of an existing store is left as it is.
TEST(SqliteSink, NewStoresUse8KiBPagesAndExistingOnesKeepTheirs) {
  logpost::testing::TempMaildir dir;
  { ASSERT_TRUE(SqliteSink::open(dir.store())); }
  auto db = SqliteDb::open(dir.store(), SqliteDb::Mode::read_only);
  ASSERT_TRUE(db);
  EXPECT_EQ(**db->query_int("PRAGMA page_size"), 8192);
  std::filesystem::path old_store = dir.store().parent_path() / "old.sqlite";
  {
    auto old = SqliteDb::open(old_store, SqliteDb::Mode::read_write_create);
    ASSERT_TRUE(old);
    ASSERT_TRUE(old->exec("PRAGMA page_size=4096; CREATE TABLE t(x);"));
  }
  { ASSERT_TRUE(SqliteSink::open(old_store)); }
  auto reopened = SqliteDb::open(old_store, SqliteDb::Mode::read_only);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(**reopened->query_int("PRAGMA page_size"), 4096);
  EXPECT_EQ(**reopened->query_int("SELECT COUNT(*) FROM events"), 0);
}

// Rows in insertion order: "id duration_ns mail_name".
std::vector<std::string> stored_rows(const std::filesystem::path& store) {
  std::vector<std::string> got;
  auto db = SqliteDb::open(store, SqliteDb::Mode::read_only);
  EXPECT_TRUE(db);
  if (!db) return got;
  auto rows = db->prepare("SELECT id, duration_ns, mail_name FROM events ORDER BY rowid");
  EXPECT_TRUE(rows);
  if (!rows) return got;
  for (auto more = rows->step(); more && *more; more = rows->step())
    got.push_back(rows->column_text(0) + " " + rows->column_text(1) + " " + rows->column_text(2));
  return got;
}

// Batches are inserted several rows per statement: a batch that is not a
// multiple of the group size, with mails changing inside a group, keeps
// every event's own columns, its mail and the batch order.
TEST(SqliteSink, ABatchLargerThanAnInsertGroupStoresEveryEventInOrder) {
  logpost::testing::TempMaildir dir;
  auto sink = SqliteSink::open(dir.store());
  ASSERT_TRUE(sink);
  std::vector<Event> events;
  std::vector<std::string> expected;
  for (int i = 0; i < 75; ++i) {
    std::string id = "s-" + std::to_string(1000 - i);  // ids not in text order
    events.push_back(slow_event(id, i));
    expected.push_back(id + " " + std::to_string(i) + " " + (i < 40 ? "mail-a" : "mail-b"));
  }
  BatchSources sources;
  sources.add(BatchSource{"mail-a", "ship-a", 1}, 0, 40);
  sources.add(BatchSource{"mail-b", "ship-b", 1}, 40, 75);
  for (int round = 0; round < 2; ++round) {  // the second time: all present, all delivered
    auto out = (*sink)->write(events, sources);
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_EQ(out->size(), 75u);
    for (const auto& o : *out) EXPECT_EQ(o.status, ItemStatus::delivered);
  }
  EXPECT_EQ(stored_rows(dir.store()), expected);
}

// A row SQLite refuses (here a trigger raising ABORT, as a too-big row
// would) undoes its whole multi-row statement: the sink then stores that
// group one row at a time, so only the refused event is rejected.
TEST(SqliteSink, ARefusedRowInAnInsertGroupIsRejectedAloneAndTheRestStored) {
  logpost::testing::TempMaildir dir;
  auto sink = SqliteSink::open(dir.store());
  ASSERT_TRUE(sink);
  {
    auto db = SqliteDb::open(dir.store(), SqliteDb::Mode::read_write);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.id LIKE 'bad-%' "
                         "BEGIN SELECT RAISE(ABORT, 'refused by test'); END;"));
  }
  std::vector<Event> events;
  std::vector<std::string> expected;
  for (int i = 0; i < 70; ++i) {
    bool bad = i == 5 || i == 66;  // one in a full group, one in the remainder
    std::string id = (bad ? "bad-" : "s-") + std::to_string(i);
    events.push_back(slow_event(id, i));
    if (!bad) expected.push_back(id + " " + std::to_string(i) + " m");
  }
  auto out = (*sink)->write(events, BatchSource{"m", "s", 1});
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->size(), 70u);
  for (size_t i = 0; i < out->size(); ++i) {
    bool bad = i == 5 || i == 66;
    EXPECT_EQ((*out)[i].status, bad ? ItemStatus::rejected : ItemStatus::delivered) << i;
    if (bad) {
      EXPECT_NE((*out)[i].reason.find("refused by test"), std::string::npos) << (*out)[i].reason;
    }
  }
  EXPECT_EQ(stored_rows(dir.store()), expected);
}

}  // namespace
}  // namespace logpost::ingester
