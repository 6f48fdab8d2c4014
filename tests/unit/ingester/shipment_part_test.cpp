// Verification of delivered mails and their conversion into events.
#include "ingester/shipment_part.hpp"

#include <gtest/gtest.h>

#include <map>

#include "common/atomic_file.hpp"
#include "common/gzip.hpp"
#include "common/json.hpp"
#include "test_mail_factory.hpp"

namespace logpost::ingester {
namespace {

using logpost::testing::make_test_headers;
using logpost::testing::make_test_mail;
using logpost::testing::make_test_mail_raw;
using logpost::testing::TestMailSpec;

const std::map<std::string, std::string> k_keys{{"acme", "tenant-secret-key"}};

VerifyPolicy policy() {
  VerifyPolicy p;
  p.tenant_keys = &k_keys;
  return p;
}

const std::string k_access =
    "192.0.2.1 - - [21/Nov/2026:06:00:00 +0100] \"GET / HTTP/1.1\" 200 12 \"-\" \"curl\"\n"
    "192.0.2.2 - - [21/Nov/2026:06:00:01 +0100] \"GET /a HTTP/1.1\" 404 0 \"-\" \"curl\"\r\n"
    "192.0.2.3 - - [21/Nov/2026:06:00:02 +0100] \"POST /b HTTP/1.1\" 500 7 \"-\" \"curl\"\n";

std::vector<Event> events_of(const VerifiedPart& part, uint64_t max_entry = 1 << 20) {
  std::vector<Event> out;
  auto r = read_part_events(part, max_entry, [&](Event&& e) -> Result<void> {
    out.push_back(std::move(e));
    return {};
  });
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return out;
}

Error verify_error(const std::string& mail, const VerifyPolicy& p = policy()) {
  auto r = verify_shipment_part(mail, p);
  EXPECT_FALSE(r.has_value());
  return r ? Error{} : r.error();
}

TEST(ShipmentPart, GoodSignedMailBecomesEventsWithProvenance) {
  TestMailSpec spec;
  spec.offset = 1000;
  ShipmentHeaders h;
  auto mail = make_test_mail(spec, k_access, &h);
  auto part = verify_shipment_part(mail, policy());
  ASSERT_TRUE(part) << part.error().message;
  EXPECT_TRUE(part->signed_ok);
  auto events = events_of(*part);
  ASSERT_EQ(events.size(), 3u);
  // Offsets of the lines in the source: 1000 + position in the part.
  size_t second = k_access.find('\n') + 1;
  size_t third = k_access.find('\n', second) + 1;
  EXPECT_EQ(events[0].id(), h.shipment_id + "-1000");
  EXPECT_EQ(events[1].id(), h.shipment_id + "-" + std::to_string(1000 + second));
  EXPECT_EQ(events[2].id(), h.shipment_id + "-" + std::to_string(1000 + third));
  // message without the final CR/LF
  EXPECT_EQ(events[1].message(), k_access.substr(second, third - second - 2));
  const Event& e = events[0];
  EXPECT_EQ(e.find(*FieldPath::parse("[host][name]"))->as_string(), "db1.example.com");
  EXPECT_EQ(e.find(*FieldPath::parse("[logpost][tenant]"))->as_string(), "acme");
  EXPECT_EQ(e.find(*FieldPath::parse("[logpost][shipment_id]"))->as_string(), h.shipment_id);
  EXPECT_EQ(e.find(*FieldPath::parse("[logpost][part]"))->as_int(), 1);
  EXPECT_EQ(e.find(*FieldPath::parse("[log][file][path]"))->as_string(), "/var/log/nginx/access.log.1");
  EXPECT_EQ(e.find(*FieldPath::parse("[log][offset]"))->as_int(), 1000);
  EXPECT_EQ(e.find(*FieldPath::parse("[event][dataset]"))->as_string(), "nginx.access");
  EXPECT_EQ(e.find(*FieldPath::parse("[event][timezone]"))->as_string(), "Europe/Berlin");
  EXPECT_EQ(e.find(*FieldPath::parse("[event][ingested]")), nullptr);
  EXPECT_EQ(e.timestamp_us(), *parse_timestamp_us("2026-11-21T06:25:01Z"));
  EXPECT_FALSE(e.has_tag(k_tag_cut_entry));
}

TEST(ShipmentPart, EventIdIsTheShipmentAndTheOffset) {
  EXPECT_EQ(event_id("0504ce350e4068859fa80427a48f7627", 0), "0504ce350e4068859fa80427a48f7627-0");
  EXPECT_EQ(event_id("s", 1234567), "s-1234567");
  EXPECT_EQ(event_id("", UINT64_MAX), "-18446744073709551615");
}

TEST(ShipmentPart, EventDocumentKeepsItsMemberOrder) {
  // The stored document: the members the copy of the prototype fills in by
  // position (message, log.offset) at their places, tags last.
  TestMailSpec spec;
  spec.offset = 1000;
  spec.flags = {"begins-inside-entry"};
  ShipmentHeaders h;
  auto part = verify_shipment_part(make_test_mail(spec, k_access, &h), policy());
  ASSERT_TRUE(part) << part.error().message;
  auto events = events_of(*part);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(to_json(events[0]),
            "{\"@timestamp\":\"2026-11-21T06:25:01.000Z\",\"message\":" +
                to_json(Value(k_access.substr(0, k_access.find('\n')))) + ",\"host\":{\"name\":\"db1.example.com\"},\"logpost\":{\"tenant\":\"acme\",\"shipment_id\":\"" +
                h.shipment_id +
                "\",\"part\":1},\"log\":{\"file\":{\"path\":\"/var/log/nginx/access.log.1\"},\"offset\":1000},"
                "\"event\":{\"dataset\":\"nginx.access\",\"timezone\":\"Europe/Berlin\"},\"tags\":[\"_logpost_cut_entry\"]}");
  EXPECT_EQ(events[2].message(), k_access.substr(k_access.rfind('\n', k_access.size() - 2) + 1,
                                                 k_access.size() - k_access.rfind('\n', k_access.size() - 2) - 2));
}

TEST(ShipmentPart, LargePartCountsLinesAcrossDecompressedPieces) {
  // Several 64 KiB pieces of decompressed text, lines crossing their
  // boundaries; with and without a last newline.
  std::string text;
  std::vector<size_t> starts;
  for (int i = 0; i < 6000; ++i) {
    starts.push_back(text.size());
    text += "192.0.2." + std::to_string(i % 250) + " - - \"GET /" + std::string(static_cast<size_t>(i % 97), 'p') +
            " HTTP/1.1\" 200 " + std::to_string(i) + "\n";
  }
  ASSERT_GT(text.size(), 5u * 64 * 1024);
  for (bool last_newline : {true, false}) {
    SCOPED_TRACE(last_newline);
    std::string content = last_newline ? text : text.substr(0, text.size() - 1);
    for (uint64_t keep : {uint64_t{16} << 20, uint64_t{0}}) {
      VerifyPolicy p = policy();
      p.keep_text_max = keep;
      ShipmentHeaders h;
      auto part = verify_shipment_part(make_test_mail(TestMailSpec{}, content, &h), p);
      ASSERT_TRUE(part) << part.error().message;
      EXPECT_EQ(h.entries, 6000u);
      auto events = events_of(*part);
      ASSERT_EQ(events.size(), 6000u);
      for (size_t i : {size_t{0}, size_t{1234}, size_t{5999}})
        EXPECT_EQ(events[i].id(), h.shipment_id + "-" + std::to_string(starts[i]));
    }
    // One entry more or less than the lines is refused.
    TestMailSpec off;
    off.entries = 5999;
    EXPECT_NE(verify_error(make_test_mail(off, content)).message.find("entry count"), std::string::npos);
  }
}

TEST(ShipmentPart, CutEntriesAtPartBoundariesAreKeptAndTagged) {
  TestMailSpec spec;
  spec.flags = {"begins-inside-entry", "ends-inside-entry"};
  auto part = verify_shipment_part(make_test_mail(spec, k_access), policy());
  ASSERT_TRUE(part) << part.error().message;
  auto events = events_of(*part);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(events[0].has_tag(k_tag_cut_entry));
  EXPECT_FALSE(events[1].has_tag(k_tag_cut_entry));
  EXPECT_TRUE(events[2].has_tag(k_tag_cut_entry));
}

TEST(ShipmentPart, SlowLogBannersAreSkippedAndEntriesKeepTheirLines) {
  std::string slow =
      "/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-log (Debian 12). started with:\n"
      "Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock\n"
      "Time                 Id Command    Argument\n"
      "# Time: 2026-11-21T06:00:00.000000Z\n"
      "# User@Host: app[app] @ localhost []  Id:     5\n"
      "# Query_time: 1.5  Lock_time: 0.0 Rows_sent: 1  Rows_examined: 10\n"
      "SET timestamp=1763704800;\n"
      "SELECT 1;\n"
      "# Time: 2026-11-21T06:00:01.000000Z\n"
      "# User@Host: app[app] @ localhost []  Id:     5\n"
      "# Query_time: 2.5  Lock_time: 0.0 Rows_sent: 1  Rows_examined: 10\n"
      "SET timestamp=1763704801;\n"
      "SELECT 2;\n";
  TestMailSpec spec;
  spec.kind = "mysql-slow";
  spec.entries = 2;  // banners are not entries
  auto part = verify_shipment_part(make_test_mail(spec, slow), policy());
  ASSERT_TRUE(part) << part.error().message;
  std::vector<Event> events;
  auto counts = read_part_events(*part, 1 << 20, [&](Event&& e) -> Result<void> {
    events.push_back(std::move(e));
    return {};
  });
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->banners, 3u);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message().substr(0, 7), "# Time:");
  EXPECT_NE(events[0].message().find("SELECT 1;"), std::string_view::npos);
  EXPECT_EQ(events[0].find(*FieldPath::parse("[log][offset]"))->as_int(),
            static_cast<int64_t>(slow.find("# Time:")));
  EXPECT_EQ(events[0].find(*FieldPath::parse("[event][dataset]"))->as_string(), "mysql.slowlog");
}

TEST(ShipmentPart, OverlongEntriesArriveInTaggedPieces) {
  std::string line(5000, 'x');
  line += "\n";
  TestMailSpec spec;
  auto part = verify_shipment_part(make_test_mail(spec, line), policy());
  ASSERT_TRUE(part) << part.error().message;
  auto events = events_of(*part, 2048);
  ASSERT_EQ(events.size(), 3u);
  size_t total = 0;
  for (const auto& e : events) {
    EXPECT_TRUE(e.has_tag(k_tag_entry_split));
    total += e.message().size();
  }
  EXPECT_EQ(total, 5000u);
  EXPECT_NE(events[0].id(), events[1].id());
}

TEST(ShipmentPart, SameSourceBytesGiveSameIdsWhateverThePartSplit) {
  TestMailSpec whole;
  auto one = verify_shipment_part(make_test_mail(whole, k_access), policy());
  ASSERT_TRUE(one);
  size_t cut = k_access.find('\n') + 1;
  TestMailSpec p1 = whole, p2 = whole;
  p1.part_count = p2.part_count = 2;
  p2.part = 2;
  p2.offset = cut;
  auto a = verify_shipment_part(make_test_mail(p1, k_access.substr(0, cut)), policy());
  auto b = verify_shipment_part(make_test_mail(p2, k_access.substr(cut)), policy());
  ASSERT_TRUE(a && b);
  std::vector<std::string> ids_whole, ids_split;
  for (auto& e : events_of(*one)) ids_whole.push_back(e.id());
  for (auto& e : events_of(*a)) ids_split.push_back(e.id());
  for (auto& e : events_of(*b)) ids_split.push_back(e.id());
  EXPECT_EQ(ids_whole, ids_split);
}

// Each event as text: its id, then its document (tags, fields, message).
std::vector<std::string> event_texts(const VerifiedPart& part, uint64_t max_entry) {
  std::vector<std::string> out;
  for (auto& e : events_of(part, max_entry)) {
    std::string text = e.id() + " ";
    append_json(text, e);
    out.push_back(std::move(text));
  }
  return out;
}

TEST(ShipmentPart, KeptTextAndASecondDecompressionGiveTheSameEvents) {
  // A small part is decompressed once (verification keeps the text); with
  // keep_text_max 0 it is decompressed again when read. Same events either
  // way: cut and split tags, banners, a last line without its newline.
  std::string access = k_access + std::string(3000, 'y') + "\n" + "192.0.2.9 - - last line without newline";
  std::string slow =
      "/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-log (Debian 12). started with:\n"
      "Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock\n"
      "Time                 Id Command    Argument\n"
      "# Time: 2026-11-21T06:00:00.000000Z\n"
      "# Query_time: 1.5  Lock_time: 0.0 Rows_sent: 1  Rows_examined: 10\n"
      "SELECT 1;\n";
  TestMailSpec access_spec;
  access_spec.flags = {"begins-inside-entry", "ends-inside-entry"};
  access_spec.entries = 5;
  TestMailSpec slow_spec;
  slow_spec.kind = "mysql-slow";
  slow_spec.entries = 1;
  for (const auto& [spec, text] : {std::pair{access_spec, access}, std::pair{slow_spec, slow}}) {
    SCOPED_TRACE(spec.kind);
    std::string mail = make_test_mail(spec, text);
    auto kept = verify_shipment_part(mail, policy());
    VerifyPolicy twice_policy = policy();
    twice_policy.keep_text_max = 0;
    auto twice = verify_shipment_part(mail, twice_policy);
    ASSERT_TRUE(kept) << kept.error().message;
    ASSERT_TRUE(twice) << twice.error().message;
    EXPECT_TRUE(kept->has_text);
    EXPECT_EQ(kept->text, text);
    EXPECT_TRUE(kept->attachment.empty());
    EXPECT_FALSE(twice->has_text);
    EXPECT_FALSE(twice->attachment.empty());
    auto a = event_texts(*kept, 2048);
    auto b = event_texts(*twice, 2048);
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, b);
  }
  // Just above the limit: not kept.
  VerifyPolicy tight = policy();
  tight.keep_text_max = access.size() - 1;
  auto big = verify_shipment_part(make_test_mail(access_spec, access), tight);
  ASSERT_TRUE(big) << big.error().message;
  EXPECT_FALSE(big->has_text);
  EXPECT_EQ(event_texts(*big, 2048).size(), 6u);  // 5 entries, the 3000-byte one in 2 pieces
}

TEST(ShipmentPart, MissingSignatureIsRefusedWhenRequired) {
  TestMailSpec spec;
  spec.key.reset();
  auto e = verify_error(make_test_mail(spec, k_access));
  EXPECT_EQ(e.code, ErrorCode::signature);
  EXPECT_NE(e.message.find("missing"), std::string::npos);
  // ... and accepted when not required.
  VerifyPolicy lax = policy();
  lax.require_signature = false;
  EXPECT_TRUE(verify_shipment_part(make_test_mail(spec, k_access), lax));
}

TEST(ShipmentPart, ForgedSignatureIsRefusedEvenWhenNotRequired) {
  TestMailSpec spec;
  spec.key = "the-wrong-key";
  VerifyPolicy lax = policy();
  lax.require_signature = false;
  auto e = verify_error(make_test_mail(spec, k_access), lax);
  EXPECT_EQ(e.code, ErrorCode::signature);
}

TEST(ShipmentPart, TamperedHeaderBreaksTheSignature) {
  TestMailSpec spec;
  std::string mail = make_test_mail(spec, k_access);
  auto pos = mail.find("X-Logpost-Host: db1.example.com");
  ASSERT_NE(pos, std::string::npos);
  mail.replace(pos + 16, 3, "db2");
  auto e = verify_error(mail);
  EXPECT_EQ(e.code, ErrorCode::signature) << e.message;
}

TEST(ShipmentPart, UnknownTenantIsRefused) {
  TestMailSpec spec;
  spec.tenant = "intruder";
  auto e = verify_error(make_test_mail(spec, k_access));
  EXPECT_EQ(e.code, ErrorCode::signature);
  EXPECT_NE(e.message.find("unknown tenant 'intruder'"), std::string::npos);
}

TEST(ShipmentPart, ChecksumMismatchIsRefused) {
  TestMailSpec spec;
  ShipmentHeaders h = make_test_headers(spec, k_access);
  h.content_sha256 = std::string(64, 'a');
  auto e = verify_error(make_test_mail_raw(h, gzip_compress(k_access), spec.key));
  EXPECT_EQ(e.code, ErrorCode::data);
  EXPECT_NE(e.message.find("SHA-256 mismatch"), std::string::npos);
}

TEST(ShipmentPart, LengthAndEntryCountMismatchesAreRefused) {
  TestMailSpec spec;
  ShipmentHeaders h = make_test_headers(spec, k_access);
  h.length -= 1;
  EXPECT_NE(verify_error(make_test_mail_raw(h, gzip_compress(k_access), spec.key)).message.find("X-Logpost-Length"),
            std::string::npos);
  h = make_test_headers(spec, k_access);
  h.entries = 7;
  EXPECT_NE(verify_error(make_test_mail_raw(h, gzip_compress(k_access), spec.key)).message.find("entry count"),
            std::string::npos);
}

TEST(ShipmentPart, BadGzipIsRefused) {
  TestMailSpec spec;
  ShipmentHeaders h = make_test_headers(spec, k_access);
  std::string gz = gzip_compress(k_access);
  std::string truncated = gz.substr(0, gz.size() / 2);
  auto e = verify_error(make_test_mail_raw(h, truncated, spec.key));
  EXPECT_EQ(e.code, ErrorCode::data);
  EXPECT_NE(e.message.find("gzip"), std::string::npos);
  auto e2 = verify_error(make_test_mail_raw(h, "this is not gzip at all", spec.key));
  EXPECT_EQ(e2.code, ErrorCode::data);
}

TEST(ShipmentPart, GzipBombStopsAtTheDeclaredLength) {
  std::string big(8u << 20, 'A');  // 8 MiB of one byte compresses to ~8 KiB
  TestMailSpec spec;
  ShipmentHeaders h = make_test_headers(spec, "tiny\n");
  auto e = verify_error(make_test_mail_raw(h, gzip_compress(big), spec.key));
  EXPECT_EQ(e.code, ErrorCode::data);
  VerifyPolicy small = policy();
  small.max_part_bytes = 1 << 20;
  ShipmentHeaders hb = make_test_headers(spec, big);
  EXPECT_EQ(verify_error(make_test_mail_raw(hb, gzip_compress(big), spec.key), small).code, ErrorCode::too_large);
}

TEST(ShipmentPart, StructuralDamageIsRefused) {
  TestMailSpec spec;
  std::string mail = make_test_mail(spec, k_access);
  // Truncated in transit: cut in the middle of the headers.
  EXPECT_EQ(verify_error(mail.substr(0, 200)).code, ErrorCode::data);
  // Bad base64 in the attachment.
  std::string bad = mail;
  auto at = bad.rfind("H4sI");  // gzip magic in base64
  ASSERT_NE(at, std::string::npos);
  bad[at + 1] = '!';
  EXPECT_EQ(verify_error(bad).code, ErrorCode::data);
  // Unknown format version.
  std::string v2 = mail;
  auto vpos = v2.find("X-Logpost-Version: 1");
  ASSERT_NE(vpos, std::string::npos);
  v2.replace(vpos, 20, "X-Logpost-Version: 2");
  auto e = verify_error(v2);
  EXPECT_NE(e.message.find('2'), std::string::npos);
  // A missing header.
  std::string missing = mail;
  auto hpos = missing.find("X-Logpost-Timezone:");
  ASSERT_NE(hpos, std::string::npos);
  missing.erase(hpos, missing.find("\r\n", hpos) + 2 - hpos);
  EXPECT_FALSE(verify_shipment_part(missing, policy()));
  // Not a mail at all.
  EXPECT_FALSE(verify_shipment_part("hello\r\n", policy()));
}

}  // namespace
}  // namespace logpost::ingester

namespace logpost::ingester {
namespace {

// The lead's test vectors (tests/data/mail/): the signed ones verify with
// test.key and give their entries as events; the unsigned one is refused
// unless signatures are optional; the hostile one keeps its odd host name
// as data.
std::string vector_file(const std::string& name) {
  auto r = read_small_file(std::filesystem::path(LOGPOST_SOURCE_DIR) / "tests" / "data" / "mail" / name);
  return r ? *r : std::string();
}

TEST(ShipmentPartVectors, SignedSlowLogVector) {
  std::string mail = vector_file("slow-signed.eml");
  if (mail.empty()) GTEST_SKIP() << "no test vectors";
  std::string key = vector_file("test.key");
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  std::map<std::string, std::string> keys{{"acme", key}};
  VerifyPolicy p;
  p.tenant_keys = &keys;
  auto part = verify_shipment_part(mail, p);
  ASSERT_TRUE(part) << part.error().message;
  EXPECT_TRUE(part->signed_ok);
  auto events = events_of(*part);
  ASSERT_EQ(events.size(), 2u);
  std::string log = vector_file("slow-signed.log");
  size_t second = log.find("# Time:", 1);
  EXPECT_EQ(events[1].id(), part->headers.shipment_id + "-" + std::to_string(second));
  EXPECT_NE(events[1].message().find("SELECT COUNT(*) FROM orders"), std::string_view::npos);

  std::string hostile = vector_file("hostile-source-signed.eml");
  auto h = verify_shipment_part(hostile, p);
  ASSERT_TRUE(h) << h.error().message;
  auto hevents = events_of(*h);
  ASSERT_FALSE(hevents.empty());
  EXPECT_EQ(hevents[0].find(*FieldPath::parse("[host][name]"))->as_string(), "db 2\r\nX-Logpost-Tenant: evil");
  EXPECT_EQ(hevents[0].find(*FieldPath::parse("[logpost][tenant]"))->as_string(), "acme");
  EXPECT_TRUE(hevents[0].has_tag(k_tag_cut_entry));  // begins-inside-entry
}

TEST(ShipmentPartVectors, UnsignedAccessVector) {
  std::string mail = vector_file("access-unsigned.eml");
  if (mail.empty()) GTEST_SKIP() << "no test vectors";
  std::map<std::string, std::string> keys{{"acme", "x"}};
  VerifyPolicy strict;
  strict.tenant_keys = &keys;
  EXPECT_EQ(verify_error(mail, strict).code, ErrorCode::signature);
  VerifyPolicy lax = strict;
  lax.require_signature = false;
  lax.accept_unknown_tenants = true;
  auto part = verify_shipment_part(mail, lax);
  ASSERT_TRUE(part) << part.error().message;
  auto events = events_of(*part);
  EXPECT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].find(*FieldPath::parse("[log][offset]"))->as_int(), 524288);
}

}  // namespace
}  // namespace logpost::ingester
