// The ingester core over a real Maildir and a real SQLite store: the
// Maildir protocol, exactly-once, quarantine, batching, retry and dead letters.
#include "ingester/ingester.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/atomic_file.hpp"
#include "common/sqlite_db.hpp"
#include "ingester/sqlite_sink.hpp"
#include "test_mail_factory.hpp"

namespace logpost::ingester {
namespace {

namespace fs = std::filesystem;
using logpost::testing::make_test_mail;
using logpost::testing::TempMaildir;
using logpost::testing::TestMailSpec;

std::string lines(int n, int start = 0) {
  std::string s;
  for (int i = start; i < start + n; ++i) s += "10.0.0." + std::to_string(i % 250) + " GET /item/" + std::to_string(i) + "\n";
  return s;
}

struct Fixture {
  TempMaildir dir;
  IngestSettings settings;
  ManualStopSource stop;
  std::optional<Maildir> maildir;
  std::unique_ptr<SqliteSink> sqlite;
  std::optional<IngestLedger> ledger;

  Fixture() {
    settings.tenant_keys["acme"] = "tenant-secret-key";
    settings.retry_initial = std::chrono::milliseconds(1);
    settings.retry_max = std::chrono::milliseconds(2);
    settings.retry_give_up = std::chrono::milliseconds(2000);
    auto m = Maildir::open(dir.maildir());
    EXPECT_TRUE(m);
    maildir.emplace(std::move(*m));
    auto s = SqliteSink::open(dir.store());
    EXPECT_TRUE(s);
    sqlite = std::move(*s);
    auto l = IngestLedger::open(dir.store());
    EXPECT_TRUE(l);
    ledger.emplace(std::move(*l));
  }
  Ingester make(Sink& sink) { return Ingester(settings, *maildir, sink, *ledger, stop); }
  Ingester make() { return make(*sqlite); }
  int64_t count(const std::string& sql) {
    auto db = SqliteDb::open(dir.store(), SqliteDb::Mode::read_only);
    EXPECT_TRUE(db);
    auto n = db->query_int(sql);
    EXPECT_TRUE(n) << (n ? "" : n.error().message);
    return n && *n ? **n : -1;
  }
};

TEST(Ingester, GoodMailIsStoredAndMovedToCur) {
  Fixture f;
  f.dir.deliver("1763700000.M1P1.rx", make_test_mail(TestMailSpec{}, lines(10)));
  auto ing = f.make();
  ASSERT_TRUE(ing.run_once());
  EXPECT_TRUE(f.dir.list("new").empty());
  EXPECT_EQ(f.dir.list("cur"), std::vector<std::string>{"1763700000.M1P1.rx:2,S"});
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 10);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM parts"), 1);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM mails WHERE done_us IS NOT NULL"), 1);
  EXPECT_EQ(ing.stats().mails_ingested, 1u);
  EXPECT_EQ(ing.stats().events_stored, 10u);
}

TEST(Ingester, DuplicateDeliveryAndResentPartStoreNothingTwice) {
  Fixture f;
  std::string content = lines(20);
  std::string mail = make_test_mail(TestMailSpec{}, content);
  f.dir.deliver("1.dup-a", mail);
  f.dir.deliver("2.dup-b", mail);  // SMTP delivered it twice
  // The shipper re-sent the same file cut into two parts of other sizes.
  size_t cut = content.find('\n', content.size() / 3) + 1;
  TestMailSpec p1, p2;
  p1.part_count = p2.part_count = 2;
  p2.part = 2;
  p2.offset = cut;
  f.dir.deliver("3.resent-1", make_test_mail(p1, content.substr(0, cut)));
  f.dir.deliver("4.resent-2", make_test_mail(p2, content.substr(cut)));
  auto ing = f.make();
  ASSERT_TRUE(ing.run_once());
  EXPECT_EQ(ing.stats().mails_ingested, 4u);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 20);
  EXPECT_EQ(f.count("SELECT COUNT(DISTINCT json_extract(doc, '$.message')) FROM events"), 20);
  EXPECT_TRUE(f.dir.list("new").empty());
}

TEST(Ingester, BadMailsAreQuarantinedWithTheirReasonAndNothingStored) {
  Fixture f;
  TestMailSpec unsigned_spec;
  unsigned_spec.key.reset();
  f.dir.deliver("1.unsigned", make_test_mail(unsigned_spec, lines(3)));
  f.dir.deliver("2.garbage", "this is not a mail\r\n");
  std::string good = make_test_mail(TestMailSpec{}, lines(5));
  f.dir.deliver("3.truncated", good.substr(0, good.size() - 300));
  f.dir.deliver("4.good", good);
  auto ing = f.make();
  ASSERT_TRUE(ing.run_once());
  EXPECT_EQ(ing.stats().mails_quarantined, 3u);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 5);
  fs::path q = f.dir.maildir() / ".Quarantine";
  for (const char* name : {"1.unsigned", "2.garbage", "3.truncated"}) {
    EXPECT_TRUE(fs::exists(q / "cur" / (std::string(name) + ":2,S"))) << name;
    auto reason = read_small_file(q / "reasons" / (std::string(name) + ".txt"));
    ASSERT_TRUE(reason) << name;
    EXPECT_FALSE(reason->empty());
  }
  EXPECT_NE(read_small_file(q / "reasons" / "1.unsigned.txt")->find("missing X-Logpost-Signature"),
            std::string::npos);
  EXPECT_TRUE(f.dir.list("new").empty());
}

TEST(Ingester, OversizedMailIsQuarantinedUnread) {
  Fixture f;
  f.settings.max_mail_size = 1024;
  f.dir.deliver("1.big", make_test_mail(TestMailSpec{}, lines(200)));
  auto ing = f.make();
  ASSERT_TRUE(ing.run_once());
  EXPECT_EQ(ing.stats().mails_quarantined, 1u);
  auto reason = read_small_file(f.dir.maildir() / ".Quarantine" / "reasons" / "1.big.txt");
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("max_mail_size"), std::string::npos);
}

TEST(Ingester, SymlinkInNewIsNotFollowed) {
  Fixture f;
  fs::path secret = f.dir.root() / "secret";
  { std::ofstream(secret) << "secret\n"; }
  fs::create_symlink(secret, f.dir.maildir() / "new" / "1.link");
  auto ing = f.make();
  ASSERT_TRUE(ing.run_once());
  EXPECT_EQ(ing.stats().mails_quarantined, 1u);
  EXPECT_TRUE(fs::exists(secret));  // the target is untouched
  EXPECT_TRUE(fs::is_symlink(f.dir.maildir() / ".Quarantine" / "cur" / "1.link:2,S"));
}

TEST(Ingester, LargeMailIsStoredInSeveralBatches) {
  Fixture f;
  f.settings.batch_events = 7;
  f.dir.deliver("1.m", make_test_mail(TestMailSpec{}, lines(100)));
  auto ing = f.make();
  ASSERT_TRUE(ing.run_once());
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 100);
  EXPECT_EQ(f.count("SELECT batches FROM mails"), 15);  // ceil(100 / 7)
}

TEST(Ingester, MailAlreadyInTheLedgerIsOnlyMoved) {
  // A crash between the ledger commit and the rename leaves the mail in new/.
  Fixture f;
  ShipmentHeaders h;
  std::string mail = make_test_mail(TestMailSpec{}, lines(4), &h);
  ASSERT_TRUE(f.ledger->record_mail_done("1.m", h, 4));
  f.dir.deliver("1.m", mail);
  auto ing = f.make();
  ASSERT_TRUE(ing.run_once());
  EXPECT_EQ(ing.stats().mails_skipped_done, 1u);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 0);  // not processed again
  EXPECT_TRUE(f.dir.list("new").empty());
}

TEST(Ingester, InterruptedMailIsResumedWithoutDuplicates) {
  // A crash after some batches of a mail were committed: the next run
  // processes it again and the ids keep the store exact.
  Fixture f;
  f.settings.batch_events = 10;
  std::string content = lines(50);
  std::string mail = make_test_mail(TestMailSpec{}, content);
  f.dir.deliver("1.m", mail);
  // First run: a stop is pending, so the core stops after the first batch.
  {
    ManualStopSource stop2;
    Ingester second(f.settings, *f.maildir, *f.sqlite, *f.ledger, stop2);
    stop2.stop();
    auto r = second.process_mail("1.m");
    ASSERT_FALSE(r);  // stopped between batches
  }
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 10);
  EXPECT_EQ(f.dir.list("new"), std::vector<std::string>{"1.m"});
  auto ing = f.make();
  ASSERT_TRUE(ing.run_once());
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 50);
  EXPECT_TRUE(f.dir.list("new").empty());
}

// The sources of the events `where` (ascending indexes) of a batch, for the
// sub-batch made of them.
BatchSources subset(const BatchSources& sources, const std::vector<size_t>& where) {
  BatchSources out;
  for (size_t k = 0; k < where.size(); ++k) {
    const BatchSource* s = sources.source_of(where[k]);
    if (!s) continue;
    if (!out.empty() && out.slices().back().end == k && out.slices().back().source.mail_name == s->mail_name)
      out.extend_last();
    else
      out.add(*s, k, k + 1);
  }
  return out;
}

// A sink that fails in scripted ways, in front of the real SQLite sink, and
// records the batches it was given (sizes and mail names per slice).
class ScriptedSink : public Sink {
 public:
  explicit ScriptedSink(Sink& inner) : m_inner(inner) {}
  Result<std::vector<ItemOutcome>> write(std::span<const Event> events, const BatchSources& sources) override {
    ++calls;
    std::vector<std::pair<std::string, size_t>> seen;
    for (const auto& slice : sources.slices())
      seen.emplace_back(slice.source.mail_name, std::min(slice.end, events.size()) - slice.begin);
    batches.push_back(std::move(seen));
    if (batch_errors > 0) {
      --batch_errors;
      return fail(error_code, "scripted failure");
    }
    if (fail_from_call > 0 && calls >= fail_from_call) return fail(ErrorCode::temporary, "store down");
    // Items whose message contains "reject" are rejected; the first
    // `item_retries` writes report every item with "retry" as retry.
    std::vector<Event> pass;
    std::vector<size_t> where;
    std::vector<ItemOutcome> out(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      std::string_view m = events[i].message();
      if (m.find("reject") != std::string_view::npos) {
        out[i] = {ItemStatus::rejected, "mapper_parsing_exception"};
      } else if (item_retries > 0 && m.find("retry") != std::string_view::npos) {
        out[i] = {ItemStatus::retry, "429"};
      } else {
        pass.push_back(events[i]);
        where.push_back(i);
      }
    }
    if (item_retries > 0) --item_retries;
    auto r = m_inner.write(pass, subset(sources, where));
    if (!r) return r;
    for (size_t k = 0; k < where.size(); ++k) out[where[k]] = (*r)[k];
    return out;
  }
  [[nodiscard]] std::string name() const override { return "scripted"; }

  int calls = 0;
  int batch_errors = 0;
  ErrorCode error_code = ErrorCode::temporary;
  int item_retries = 0;
  int fail_from_call = 0;  // > 0: this call and every later one fail (temporary)
  // Per write: (mail name, events) of each slice.
  std::vector<std::vector<std::pair<std::string, size_t>>> batches;

 private:
  Sink& m_inner;
};

TEST(Ingester, RetriesOnlyTheItemsAskedAndDeadLettersRejected) {
  Fixture f;
  ScriptedSink sink(*f.sqlite);
  sink.batch_errors = 2;
  sink.item_retries = 3;
  f.dir.deliver("1.m", make_test_mail(TestMailSpec{}, "ok 1\nretry 2\nreject 3\nok 4\n"));
  auto ing = f.make(sink);
  ASSERT_TRUE(ing.run_once());
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 3);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM dead_letters WHERE reason = 'mapper_parsing_exception' AND "
                    "json_extract(doc, '$.message') = 'reject 3'"),
            1);
  EXPECT_EQ(ing.stats().events_dead_lettered, 1u);
  EXPECT_EQ(ing.stats().retries, 5u);  // 2 whole-batch + 3 item retries
  EXPECT_TRUE(f.dir.list("new").empty());
}

TEST(Ingester, PermanentStoreFailureStopsAndKeepsTheMail) {
  Fixture f;
  ScriptedSink sink(*f.sqlite);
  sink.batch_errors = 1000;
  sink.error_code = ErrorCode::permanent;
  f.dir.deliver("1.m", make_test_mail(TestMailSpec{}, lines(3)));
  auto ing = f.make(sink);
  auto r = ing.run_once();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::permanent);
  EXPECT_EQ(sink.calls, 1);  // no pointless retries
  EXPECT_EQ(f.dir.list("new"), std::vector<std::string>{"1.m"});
}

TEST(Ingester, StoreUnavailablePastTheBudgetDefersTheMail) {
  Fixture f;
  f.settings.retry_give_up = std::chrono::milliseconds(30);
  ScriptedSink sink(*f.sqlite);
  sink.batch_errors = 1000000;
  f.dir.deliver("1.m", make_test_mail(TestMailSpec{}, lines(3)));
  auto ing = f.make(sink);
  auto r = ing.run_once();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::temporary);
  EXPECT_GT(sink.calls, 1);
  EXPECT_EQ(f.dir.list("new"), std::vector<std::string>{"1.m"});
  EXPECT_EQ(ing.stats().mails_deferred, 1u);
}

TEST(Ingester, ProcessedMailsExpireAfterRetention) {
  Fixture f;
  f.settings.processed_retention = std::chrono::milliseconds(0);
  f.dir.deliver("1.m", make_test_mail(TestMailSpec{}, lines(2)));
  auto ing = f.make();
  ASSERT_TRUE(ing.run_once());
  EXPECT_TRUE(f.dir.list("cur").empty());
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 2);
}

TEST(Ingester, PipelineHookTransformsDropsAndSplits) {
  Fixture f;
  int calls = 0;
  EventTransform transform = [&](LogKind kind, Event&& ev, std::vector<Event>& out) {
    EXPECT_EQ(kind, LogKind::nginx_access);
    ++calls;
    if (ev.message().find("drop") != std::string_view::npos) return;
    static const Value k_parsed(true);
    ev.fields()["parsed"] = k_parsed;
    Event copy = ev;
    out.push_back(std::move(ev));
    if (copy.message().find("twice") != std::string_view::npos) out.push_back(std::move(copy));
  };
  f.dir.deliver("1.m", make_test_mail(TestMailSpec{}, "keep\ndrop\ntwice\n"));
  Ingester ing(f.settings, *f.maildir, *f.sqlite, *f.ledger, f.stop, transform);
  ASSERT_TRUE(ing.run_once());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events WHERE json_extract(doc, '$.parsed') = 1"), 3);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events WHERE id LIKE '%-1'"), 1);  // the copy's suffixed id
  EXPECT_EQ(ing.stats().events_dropped, 1u);
}

// ---- Batches across mails (batch_linger) ----

// Delivers `count` mails of `each` lines, each of its own file (so its own
// shipment id); returns their names in new/ order.
std::vector<std::string> deliver_small_mails(Fixture& f, int count, int each, const std::string& tag = "m") {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%03d.%s", i, tag.c_str());
    TestMailSpec spec;
    spec.file_id = "2049:" + std::to_string(1000 + i) + ":4096:1763700000:" + tag;
    f.dir.deliver(name, make_test_mail(spec, lines(each, i * 100)));
    names.emplace_back(name);
  }
  return names;
}

// Rows whose mail_name is not the mail that carried their shipment (0 when
// every event names its own mail).
constexpr const char* k_misattributed =
    "SELECT COUNT(*) FROM events e JOIN mails m ON e.mail_name = m.name WHERE e.shipment_id <> m.shipment_id "
    "OR e.mail_name IS NULL";

TEST(IngesterLinger, ManySmallMailsShareOneBatchInOnceMode) {
  Fixture f;
  f.settings.batch_linger = std::chrono::seconds(30);
  ScriptedSink sink(*f.sqlite);
  auto names = deliver_small_mails(f, 20, 3);
  auto ing = f.make(sink);
  ASSERT_TRUE(ing.run_once());  // --once: whatever is pending is written at the end
  ASSERT_EQ(sink.calls, 1);     // one transaction for 20 mails, not 20
  ASSERT_EQ(sink.batches[0].size(), 20u);
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(sink.batches[0][i].first, names[i]);
    EXPECT_EQ(sink.batches[0][i].second, 3u);
  }
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 60);
  EXPECT_EQ(f.count("SELECT COUNT(DISTINCT mail_name) FROM events"), 20);
  EXPECT_EQ(f.count(k_misattributed), 0);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM mails WHERE done_us IS NOT NULL AND events = 3 AND batches = 1"), 20);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM parts"), 20);
  EXPECT_TRUE(f.dir.list("new").empty());
  EXPECT_EQ(f.dir.list("cur").size(), 20u);
  EXPECT_EQ(ing.stats().mails_ingested, 20u);
  EXPECT_EQ(ing.stats().batches, 1u);
  EXPECT_FALSE(ing.linger_left());
}

TEST(IngesterLinger, BatchFillingMidMailSplitsAcrossMails) {
  Fixture f;
  f.settings.batch_events = 5;
  ScriptedSink sink(*f.sqlite);
  auto n = deliver_small_mails(f, 4, 3);  // 12 events: [3+2] [1+3+1] [2]
  auto ing = f.make(sink);
  ASSERT_TRUE(ing.run_once());
  using Slices = std::vector<std::pair<std::string, size_t>>;
  ASSERT_EQ(sink.batches.size(), 3u);
  EXPECT_EQ(sink.batches[0], (Slices{{n[0], 3}, {n[1], 2}}));
  EXPECT_EQ(sink.batches[1], (Slices{{n[1], 1}, {n[2], 3}, {n[3], 1}}));
  EXPECT_EQ(sink.batches[2], (Slices{{n[3], 2}}));
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 12);
  EXPECT_EQ(f.count(k_misattributed), 0);
  // Each mail counts the batches that held its events, and all of them.
  const int64_t expected_batches[] = {1, 2, 1, 2};
  for (size_t i = 0; i < n.size(); ++i) {
    EXPECT_EQ(f.count("SELECT batches FROM mails WHERE name = '" + n[i] + "'"), expected_batches[i]) << n[i];
    EXPECT_EQ(f.count("SELECT events FROM mails WHERE name = '" + n[i] + "' AND done_us IS NOT NULL"), 3) << n[i];
  }
  EXPECT_TRUE(f.dir.list("new").empty());
}

TEST(IngesterLinger, StoreFailureOnAMultiMailBatchKeepsAllItsMailsInNew) {
  Fixture f;
  f.settings.batch_events = 4;
  f.settings.retry_give_up = std::chrono::milliseconds(20);
  ScriptedSink sink(*f.sqlite);
  sink.fail_from_call = 2;  // the first batch is stored, then the store goes down
  auto n = deliver_small_mails(f, 5, 2);  // batches [m0 m1] [m2 m3] [m4]
  {
    auto ing = f.make(sink);
    auto r = ing.run_once();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::temporary);
    EXPECT_EQ(ing.stats().mails_ingested, 2u);
  }
  EXPECT_EQ(f.dir.list("new"), (std::vector<std::string>{n[2], n[3], n[4]}));
  EXPECT_EQ(f.dir.list("cur").size(), 2u);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 4);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM mails WHERE done_us IS NOT NULL"), 2);
  // The store is back: a re-run stores the rest, each event once.
  sink.fail_from_call = 0;
  auto again = f.make(sink);
  ASSERT_TRUE(again.run_once());
  EXPECT_TRUE(f.dir.list("new").empty());
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 10);
  EXPECT_EQ(f.count("SELECT COUNT(DISTINCT json_extract(doc, '$.message')) FROM events"), 10);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM mails WHERE done_us IS NOT NULL AND events = 2"), 5);
  EXPECT_EQ(f.count(k_misattributed), 0);
}

TEST(IngesterLinger, DeadLettersInAMixedBatchNameTheirOwnMail) {
  Fixture f;
  ScriptedSink sink(*f.sqlite);
  TestMailSpec a, b, c;
  a.file_id = "file-a";
  b.file_id = "file-b";
  c.file_id = "file-c";
  ShipmentHeaders hb, hc;
  f.dir.deliver("1.a", make_test_mail(a, "ok a1\nok a2\n"));
  f.dir.deliver("2.b", make_test_mail(b, "ok b1\nreject b2\n", &hb));
  f.dir.deliver("3.c", make_test_mail(c, "reject c1\nok c2\n", &hc));
  auto ing = f.make(sink);
  ASSERT_TRUE(ing.run_once());
  ASSERT_EQ(sink.calls, 1);  // one batch held all three mails
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 4);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM dead_letters"), 2);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM dead_letters WHERE json_extract(doc, '$.message') = 'reject b2' AND "
                    "mail_name = '2.b' AND shipment_id = '" + hb.shipment_id + "' AND part = 1"),
            1);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM dead_letters WHERE json_extract(doc, '$.message') = 'reject c1' AND "
                    "mail_name = '3.c' AND shipment_id = '" + hc.shipment_id + "'"),
            1);
  EXPECT_EQ(f.count(k_misattributed), 0);
  EXPECT_TRUE(f.dir.list("new").empty());
}

TEST(IngesterLinger, StopMidScanWritesThePendingBatchAndLeavesTheRest) {
  Fixture f;
  f.settings.batch_linger = std::chrono::seconds(30);
  ScriptedSink sink(*f.sqlite);
  auto n = deliver_small_mails(f, 5, 2);
  // SIGTERM arrives while the third mail is read (a pipeline sees its event).
  const std::string trigger = lines(1, 200);  // the first line of mail 2
  EventTransform transform = [&](LogKind, Event&& ev, std::vector<Event>& out) {
    if (std::string(ev.message()) + "\n" == trigger) f.stop.stop();
    out.push_back(std::move(ev));
  };
  Ingester ing(f.settings, *f.maildir, sink, *f.ledger, f.stop, transform);
  ASSERT_TRUE(ing.run_once());
  EXPECT_TRUE(ing.stopped());
  // The mail being read is finished (stops are honoured between mails and
  // batches), the pending batch is written, the others wait in new/.
  ASSERT_EQ(sink.calls, 1);
  EXPECT_EQ(sink.batches[0].size(), 3u);
  EXPECT_EQ(f.dir.list("new"), (std::vector<std::string>{n[3], n[4]}));
  EXPECT_EQ(f.dir.list("cur").size(), 3u);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 6);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM mails WHERE done_us IS NOT NULL"), 3);
}

TEST(IngesterLinger, DaemonScanKeepsAPartialBatchUntilItsLingerIsOver) {
  Fixture f;
  f.settings.batch_linger = std::chrono::milliseconds(300);
  ScriptedSink sink(*f.sqlite);
  f.dir.deliver("1.a", make_test_mail(TestMailSpec{}, lines(4)));
  auto ing = f.make(sink);
  auto first_scan = std::chrono::steady_clock::now();
  ASSERT_TRUE(ing.scan());
  // Read, not written: the mail waits in new/ and the next scan skips it.
  EXPECT_EQ(sink.calls, 0);
  EXPECT_EQ(f.dir.list("new"), std::vector<std::string>{"1.a"});
  ASSERT_TRUE(ing.linger_left());
  EXPECT_LE(*ing.linger_left(), std::chrono::milliseconds(300));
  // A second mail arriving within the linger joins the batch.
  TestMailSpec other;
  other.file_id = "file-b";
  f.dir.deliver("2.b", make_test_mail(other, lines(3, 50)));
  ASSERT_TRUE(ing.scan());
  if (std::chrono::steady_clock::now() - first_scan < std::chrono::milliseconds(300)) {
    EXPECT_EQ(sink.calls, 0);
    EXPECT_EQ(ing.stats().mails_seen, 2u);  // 1.a was not read twice
  }
  // The daemon waits at most linger_left() for more mail, then scans.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (sink.calls == 0 && std::chrono::steady_clock::now() < deadline) {
    if (auto left = ing.linger_left()) f.stop.wait(*left);
    ASSERT_TRUE(ing.scan());
  }
  EXPECT_GE(std::chrono::steady_clock::now() - first_scan, std::chrono::milliseconds(300));
  ASSERT_EQ(sink.calls, 1);
  EXPECT_EQ(sink.batches[0].size(), 2u);
  EXPECT_TRUE(f.dir.list("new").empty());
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 7);
  EXPECT_FALSE(ing.linger_left());
}

TEST(IngesterLinger, ZeroLingerWritesWhenTheScanFindsNoMoreMail) {
  Fixture f;
  f.settings.batch_linger = std::chrono::milliseconds(0);
  ScriptedSink sink(*f.sqlite);
  deliver_small_mails(f, 3, 2);
  auto ing = f.make(sink);
  ASSERT_TRUE(ing.scan());
  EXPECT_EQ(sink.calls, 1);  // one batch for the scan, not one per mail
  EXPECT_TRUE(f.dir.list("new").empty());
  EXPECT_FALSE(ing.linger_left());
}

TEST(IngesterLinger, StopWithAPendingBatchWritesIt) {
  // The daemon's SIGTERM path: scan() left a batch, write_pending() stores it.
  Fixture f;
  f.settings.batch_linger = std::chrono::seconds(30);
  deliver_small_mails(f, 2, 2);
  auto ing = f.make();
  ASSERT_TRUE(ing.scan());
  EXPECT_EQ(f.dir.list("new").size(), 2u);
  f.stop.stop();
  ASSERT_TRUE(ing.write_pending());
  EXPECT_TRUE(f.dir.list("new").empty());
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 4);
}

TEST(IngesterLinger, AMailRemovedWhileWaitingInTheBatchIsStillCompleted) {
  // Someone (an operator, a second ingester) takes a mail out of new/ after
  // it was read: its events are stored, the ledger records it, the other
  // mails of the batch move to cur/ as usual.
  Fixture f;
  f.settings.batch_linger = std::chrono::seconds(30);
  auto n = deliver_small_mails(f, 3, 2);
  auto ing = f.make();
  ASSERT_TRUE(ing.scan());
  ASSERT_EQ(f.dir.list("new").size(), 3u);
  fs::remove(f.dir.maildir() / "new" / n[1]);
  ASSERT_TRUE(ing.write_pending());
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM events"), 6);
  EXPECT_EQ(f.count("SELECT COUNT(*) FROM mails WHERE done_us IS NOT NULL"), 3);
  EXPECT_EQ(f.dir.list("cur").size(), 2u);
  EXPECT_TRUE(f.dir.list("new").empty());
}

TEST(IngesterLinger, BatchLingerIsAConfigKey) {
  Config config(ingest_config_keys());
  auto defaults = settings_from_config(config, ".");
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->batch_linger, std::chrono::seconds(1));
  ASSERT_TRUE(config.set("batch_linger", "250ms"));
  auto set = settings_from_config(config, ".");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->batch_linger, std::chrono::milliseconds(250));
  ASSERT_TRUE(config.set("batch_linger", "2h"));
  auto bad = settings_from_config(config, ".");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("batch_linger"), std::string::npos);
}

}  // namespace
}  // namespace logpost::ingester
