// The shipper's mails: the shared test vectors in tests/data/mail/ (written
// from common/shipment_mail.hpp) are reproduced byte for byte from their
// logs, and a whole file spooled by Shipper decodes, verifies and
// reassembles to the input.
#include "shipper/shipper.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "common/atomic_file.hpp"
#include "common/crypto.hpp"
#include "common/gzip.hpp"
#include "common/json.hpp"
#include "common/shipment_mail.hpp"
#include "test_util.hpp"

namespace logpost::shipper {
namespace {

namespace fs = std::filesystem;

const fs::path k_vectors = fs::path(LOGPOST_SOURCE_DIR) / "tests" / "data" / "mail";

class MailVector : public ::testing::TestWithParam<std::string> {};

TEST_P(MailVector, ReproducedByteForByte) {
  const std::string name = GetParam();
  if (!fs::exists(k_vectors / (name + ".json"))) GTEST_SKIP() << "test vector " << name << " absent";
  auto json_text = read_small_file(k_vectors / (name + ".json"));
  ASSERT_TRUE(json_text.has_value());
  auto json = parse_json(*json_text);
  ASSERT_TRUE(json.has_value()) << json.error().message;
  const Object& v = json->as_object();
  auto str = [&](const char* key) { return v.at(key).as_string(); };
  auto num = [&](const char* key) { return static_cast<uint64_t>(v.at(key).as_int()); };

  auto log = read_small_file(k_vectors / str("log"));
  ASSERT_TRUE(log.has_value());
  std::optional<std::string> key;
  if (!v.at("key").is_null()) {
    auto k = read_small_file(k_vectors / str("key"));
    ASSERT_TRUE(k.has_value());
    key = *k;
    while (!key->empty() && (key->back() == '\n' || key->back() == '\r')) key->pop_back();  // as the format says
  }
  auto kind = parse_log_kind(str("kind"));
  ASSERT_TRUE(kind.has_value());

  // The log goes through the shipper's own part builder.
  std::vector<BuiltPart> parts;
  PartBuilder builder(*kind, PartLimits{1u << 20, 64u << 20}, 6, [&](BuiltPart&& p) -> Result<void> {
    parts.push_back(std::move(p));
    return {};
  });
  ASSERT_TRUE(builder.feed(*log));
  ASSERT_TRUE(builder.finish());
  ASSERT_EQ(parts.size(), 1u);
  BuiltPart part = parts[0];
  EXPECT_EQ(part.entries, num("entries"));
  // The vector may describe a later part of a bigger file.
  part.number = static_cast<uint32_t>(num("part"));
  part.offset = num("offset");
  bool source_changed = false;
  for (const auto& flag : v.at("flags").as_array()) {
    if (flag.as_string() == k_flag_begins_inside_entry) part.begins_inside_entry = true;
    else if (flag.as_string() == k_flag_ends_inside_entry) part.ends_inside_entry = true;
    else if (flag.as_string() == k_flag_source_changed) source_changed = true;
    else FAIL() << "unknown flag " << flag.as_string();
  }

  ShipmentHeaders shipment;
  shipment.tenant = str("tenant");
  shipment.host = str("host");
  shipment.kind = str("kind");
  shipment.source = str("source");
  shipment.file_id = str("file_id");
  shipment.shipment_id = make_shipment_id(shipment.tenant, shipment.host, shipment.file_id);
  shipment.part_count = static_cast<uint32_t>(num("part_count"));
  shipment.timezone = str("timezone");
  shipment.created = str("created");
  auto mail = render_part_mail(part_headers(shipment, part, source_changed), part.gzip, MailAddressing{str("from"), str("to")},
                               key);
  ASSERT_TRUE(mail.has_value()) << mail.error().message;
  auto expected = read_small_file(k_vectors / (name + ".eml"));
  ASSERT_TRUE(expected.has_value());
  EXPECT_TRUE(*mail == *expected) << "mail differs from " << name << ".eml";
}

INSTANTIATE_TEST_SUITE_P(Vectors, MailVector,
                         ::testing::Values("slow-signed", "access-unsigned", "hostile-source-signed"));

ShipSettings settings_for(const fs::path& dir, const std::string& extra = "") {
  test::write_file(dir / "key", "unit-test-key");
  auto config = Config::load_string("recipient = logs@logpost.test\ntenant = acme\nhost_name = db1.example.test\n"
                                    "timezone = UTC\nmax_mail_size = 24k\nsigning_key_file = " +
                                        (dir / "key").string() + "\nspool_dir = " + (dir / "spool").string() +
                                        "\nstate_file = " + (dir / "state").string() + "\n" + extra,
                                    "<test>", ship_config_keys());
  EXPECT_TRUE(config.has_value());
  auto s = load_ship_settings(*config, std::nullopt);
  EXPECT_TRUE(s.has_value()) << s.error().message;
  return *s;
}

std::vector<ParsedShipmentMail> outgoing_mails(Spool& spool) {
  std::vector<ParsedShipmentMail> out;
  auto files = spool.outgoing();
  EXPECT_TRUE(files.has_value());
  for (const auto& p : files.value_or(std::vector<fs::path>{})) {
    auto raw = read_small_file(p);
    EXPECT_TRUE(raw.has_value());
    EXPECT_LE(raw->size(), 24u * 1024) << "mail over max_mail_size";
    auto parsed = parse_shipment_mail(*raw);
    EXPECT_TRUE(parsed.has_value()) << parsed.error().message;
    if (parsed) out.push_back(std::move(*parsed));
  }
  return out;
}

TEST(Shipper, SpoolsSignedPartsThatReassembleToTheInput) {
  test::TempDir dir;
  std::string input = test::slow_entries(2000);
  test::write_file(dir.path() / "slow.log.1", input);
  std::ostringstream err;
  Shipper shipper(settings_for(dir.path()), err, false);
  auto spool = Spool::open(dir.path() / "spool");
  auto state = StateFile::load(dir.path() / "state");
  auto file = InputFile::open(dir.path() / "slow.log.1");
  ASSERT_TRUE(spool && state && file);
  auto summary = shipper.spool_file(*file, LogKind::mysql_slow, *spool, *state, false);
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_FALSE(summary->skipped);
  EXPECT_GT(summary->parts, 3u);

  auto mails = outgoing_mails(*spool);
  ASSERT_EQ(mails.size(), summary->parts);
  std::string joined;
  for (size_t i = 0; i < mails.size(); ++i) {
    const auto& m = mails[i];
    SCOPED_TRACE("part " + std::to_string(i + 1));
    EXPECT_EQ(m.headers.part, i + 1);
    EXPECT_EQ(m.headers.part_count, mails.size());
    EXPECT_EQ(m.headers.kind, "mysql-slow");
    EXPECT_EQ(m.headers.source, (dir.path() / "slow.log.1").string());
    EXPECT_EQ(m.headers.shipment_id, summary->shipment_id);
    EXPECT_EQ(m.message_id, message_id(m.headers));
    ASSERT_TRUE(m.signature.has_value());
    EXPECT_TRUE(verify(m.headers, sha256_hex(m.attachment), "unit-test-key", *m.signature));
    EXPECT_FALSE(verify(m.headers, sha256_hex(m.attachment), "other-key", *m.signature));
    auto content = gzip_decompress(m.attachment);
    ASSERT_TRUE(content.has_value());
    EXPECT_EQ(m.headers.offset, joined.size());
    EXPECT_EQ(sha256_hex(*content), m.headers.content_sha256);
    EXPECT_TRUE(m.headers.flags.empty());
    joined += *content;
  }
  EXPECT_TRUE(joined == input);
  EXPECT_FALSE(fs::exists(dir.path() / "spool" / "staging" / summary->shipment_id)) << "staging left behind";
  ASSERT_NE(state->find(file->identity().file_id()), nullptr);
}

TEST(Shipper, SecondRunSkipsUnlessForcedAndKeepsMessageIds) {
  test::TempDir dir;
  test::write_file(dir.path() / "a.log", test::access_lines(300));
  std::ostringstream err;
  Shipper shipper(settings_for(dir.path()), err, false);
  auto spool = Spool::open(dir.path() / "spool");
  auto state = StateFile::load(dir.path() / "state");
  ASSERT_TRUE(spool && state);
  auto first_file = InputFile::open(dir.path() / "a.log");
  ASSERT_TRUE(first_file);
  auto first = shipper.spool_file(*first_file, LogKind::nginx_access, *spool, *state, false);
  ASSERT_TRUE(first.has_value());
  auto first_mails = outgoing_mails(*spool);
  auto sent = spool->outgoing();
  ASSERT_TRUE(sent.has_value());
  for (const auto& p : *sent) ASSERT_TRUE(spool->delivered(p));

  auto again_file = InputFile::open(dir.path() / "a.log");
  auto again = shipper.spool_file(*again_file, LogKind::nginx_access, *spool, *state, false);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->skipped);
  EXPECT_TRUE(spool->outgoing()->empty());

  auto forced_file = InputFile::open(dir.path() / "a.log");
  auto forced = shipper.spool_file(*forced_file, LogKind::nginx_access, *spool, *state, true);
  ASSERT_TRUE(forced.has_value());
  auto forced_mails = outgoing_mails(*spool);
  ASSERT_EQ(forced_mails.size(), first_mails.size());
  for (size_t i = 0; i < first_mails.size(); ++i) EXPECT_EQ(forced_mails[i].message_id, first_mails[i].message_id);
}

TEST(Shipper, SourceChangedFlagOnEveryPart) {
  // A file that shrinks while being read: simulate by truncating between
  // open and stream (the size at open is the promise that was broken).
  test::TempDir dir;
  auto path = dir.path() / "t.log";
  test::write_file(path, test::access_lines(3000));
  std::ostringstream err;
  Shipper shipper(settings_for(dir.path()), err, false);
  auto spool = Spool::open(dir.path() / "spool");
  auto state = StateFile::load(dir.path() / "state");
  auto file = InputFile::open(path);
  ASSERT_TRUE(spool && state && file);
  fs::resize_file(path, 100000);
  auto summary = shipper.spool_file(*file, LogKind::nginx_access, *spool, *state, false);
  ASSERT_TRUE(summary.has_value());
  ASSERT_FALSE(summary->warnings.empty());
  auto mails = outgoing_mails(*spool);
  ASSERT_FALSE(mails.empty());
  for (const auto& m : mails)
    EXPECT_NE(std::find(m.headers.flags.begin(), m.headers.flags.end(), "source-changed"), m.headers.flags.end());
}

}  // namespace
}  // namespace logpost::shipper
