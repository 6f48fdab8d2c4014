#include "common/shipment_mail.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "common/atomic_file.hpp"
#include "common/crypto.hpp"
#include "common/gzip.hpp"
#include "common/json.hpp"

namespace fs = std::filesystem;
using namespace logpost;

namespace {

const fs::path k_vectors = fs::path(LOGPOST_SOURCE_DIR) / "tests" / "data" / "mail";

std::string read(const fs::path& p) {
  auto r = read_small_file(p);
  EXPECT_TRUE(r) << p;
  return r ? *r : std::string();
}

std::string key_from(const fs::path& p) {
  auto key = read_signing_key_file(p);
  EXPECT_TRUE(key) << p;
  return key ? *key : std::string();
}

class ShipmentVectorTest : public ::testing::TestWithParam<std::string> {};

// Each vector is a complete mail plus its description (.json) and the log it
// carries (.log). Both sides of the wire are checked against it.
TEST_P(ShipmentVectorTest, ParsesToItsDescriptionAndRebuildsByteForByte) {
  const std::string name = GetParam();
  std::string eml = read(k_vectors / (name + ".eml"));
  std::string log = read(k_vectors / (name + ".log"));
  auto desc = parse_json(read(k_vectors / (name + ".json")));
  ASSERT_TRUE(desc) << desc.error().message;
  const Object& d = desc->as_object();

  // The wire form uses CRLF and keeps every line within RFC 5322's limit.
  EXPECT_EQ(eml.find("\n"), eml.find("\r\n") + 1);
  size_t start = 0;
  while (start < eml.size()) {
    size_t end = eml.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 998u);
    start = end + 2;
  }

  auto parsed = parse_shipment_mail(eml);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const ShipmentHeaders& h = parsed->headers;
  EXPECT_EQ(h.tenant, d.at("tenant").as_string());
  EXPECT_EQ(h.host, d.at("host").as_string());
  EXPECT_EQ(h.kind, d.at("kind").as_string());
  EXPECT_EQ(h.source, d.at("source").as_string());
  EXPECT_EQ(h.file_id, d.at("file_id").as_string());
  EXPECT_EQ(h.shipment_id, make_shipment_id(h.tenant, h.host, h.file_id));
  EXPECT_EQ(h.part, d.at("part").as_int());
  EXPECT_EQ(h.part_count, d.at("part_count").as_int());
  EXPECT_EQ(h.offset, static_cast<uint64_t>(d.at("offset").as_int()));
  EXPECT_EQ(h.length, log.size());
  EXPECT_EQ(h.entries, static_cast<uint64_t>(d.at("entries").as_int()));
  EXPECT_EQ(h.timezone, d.at("timezone").as_string());
  EXPECT_EQ(h.created, d.at("created").as_string());
  EXPECT_EQ(parsed->message_id, message_id(h));

  // The attachment decompresses to the log, whose digest the header carries.
  auto content = gzip_decompress(parsed->attachment);
  ASSERT_TRUE(content) << content.error().message;
  EXPECT_EQ(*content, log);
  EXPECT_EQ(h.content_sha256, sha256_hex(log));

  // Signature: present exactly when the description names a key, and valid.
  const Value* key = d.find("key");
  if (key && key->is_string()) {
    ASSERT_TRUE(parsed->signature);
    auto ok = verify(h, sha256_hex(parsed->attachment), key_from(k_vectors / key->as_string()), *parsed->signature);
    EXPECT_TRUE(ok) << ok.error().message;
  } else {
    EXPECT_FALSE(parsed->signature);
  }

  // The builder reproduces the vector exactly from the same inputs.
  auto rebuilt = build_shipment_mail(h, parsed->attachment,
                                     MailAddressing{d.at("from").as_string(), d.at("to").as_string()},
                                     parsed->signature);
  ASSERT_TRUE(rebuilt) << rebuilt.error().message;
  EXPECT_EQ(*rebuilt, eml);
}

INSTANTIATE_TEST_SUITE_P(Vectors, ShipmentVectorTest,
                         ::testing::Values("slow-signed", "access-unsigned", "hostile-source-signed"));

TEST(ShipmentMailTest, HostileValuesStayInsideTheirHeaders) {
  std::string eml = read(k_vectors / "hostile-source-signed.eml");
  // The CR/LF in the host and the source never start a header of their own.
  EXPECT_EQ(eml.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(eml.find("\r\nX-Logpost-Tenant: evil"), std::string::npos);
  size_t tenant_headers = 0;
  for (size_t p = eml.find("\r\nX-Logpost-Tenant:"); p != std::string::npos; p = eml.find("\r\nX-Logpost-Tenant:", p + 1))
    ++tenant_headers;
  EXPECT_EQ(tenant_headers, 1u);
}

class ShipmentMailFaultTest : public ::testing::Test {
 protected:
  void SetUp() override { eml = read(k_vectors / "slow-signed.eml"); }
  std::string eml;
  Result<ParsedShipmentMail> parse_with(std::string_view from, std::string_view to) {
    std::string copy = eml;
    size_t p = copy.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    copy.replace(p, from.size(), to);
    return parse_shipment_mail(copy);
  }
};

TEST_F(ShipmentMailFaultTest, TruncatedMailIsRejected) {
  EXPECT_FALSE(parse_shipment_mail(""));
  EXPECT_FALSE(parse_shipment_mail(eml.substr(0, 200)));
  // Cut inside the attachment: base64 of the wrong length, or gzip truncated.
  auto cut = parse_shipment_mail(eml.substr(0, eml.size() - 120));
  if (cut) {
    EXPECT_FALSE(gzip_decompress(cut->attachment));
  }
}

TEST_F(ShipmentMailFaultTest, DuplicateLogpostHeaderIsRejected) {
  auto r = parse_with("X-Logpost-Tenant: acme\r\n", "X-Logpost-Tenant: acme\r\nX-Logpost-Tenant: globex\r\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("duplicate header"), std::string::npos) << r.error().message;
}

TEST_F(ShipmentMailFaultTest, MissingHeaderIsRejected) {
  auto r = parse_with("X-Logpost-Sha256:", "X-Other-Sha256:");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("missing header X-Logpost-Sha256"), std::string::npos) << r.error().message;
}

TEST_F(ShipmentMailFaultTest, UnknownVersionIsRejected) {
  auto r = parse_with("X-Logpost-Version: 1\r\n", "X-Logpost-Version: 7\r\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("version 7"), std::string::npos);
}

TEST_F(ShipmentMailFaultTest, BadBase64IsRejected) {
  size_t p = eml.find("base64\r\n\r\n") + 10;
  std::string copy = eml;
  copy[p + 3] = '*';
  auto r = parse_shipment_mail(copy);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("base64"), std::string::npos);
}

TEST_F(ShipmentMailFaultTest, WrongStructureIsRejected) {
  auto r = parse_with("application/gzip", "application/octet-stream");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no application/gzip part"), std::string::npos);
  r = parse_with("multipart/mixed", "text/plain");
  ASSERT_FALSE(r);
}

TEST_F(ShipmentMailFaultTest, TamperedHeaderFailsTheSignature) {
  auto r = parse_with("X-Logpost-Offset: 0\r\n", "X-Logpost-Offset: 1\r\n");
  ASSERT_TRUE(r);
  auto ok = verify(r->headers, sha256_hex(r->attachment), key_from(k_vectors / "test.key"), *r->signature);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().code, ErrorCode::signature);
}

TEST_F(ShipmentMailFaultTest, TamperedBodyFailsTheSignature) {
  auto good = parse_shipment_mail(eml);
  ASSERT_TRUE(good);
  // Re-encode a different (valid) gzip body under the same headers.
  std::string other = gzip_compress("forged log line\n");
  auto forged = build_shipment_mail(good->headers, other, MailAddressing{"a@b.c", "d@e.f"}, good->signature);
  ASSERT_TRUE(forged);
  auto r = parse_shipment_mail(*forged);
  ASSERT_TRUE(r);
  EXPECT_FALSE(verify(r->headers, sha256_hex(r->attachment), key_from(k_vectors / "test.key"), *r->signature));
}

// Headers of a small raw shipment, for tests about the mail's body.
ShipmentHeaders minimal_raw_headers() {
  ShipmentHeaders h;
  h.tenant = "t";
  h.host = "h";
  h.kind = "raw";
  h.source = "/s";
  h.file_id = "f";
  h.shipment_id = make_shipment_id("t", "h", "f");
  h.content_sha256 = sha256_hex("");
  h.timezone = "UTC";
  h.created = "2026-01-01T00:00:00Z";
  return h;
}

// A mail around `data` whose base64 body is then replaced by `body` (when
// given): the decoder's cases without hand-made MIME.
class ShipmentMailBase64Test : public ::testing::Test {
 protected:
  static std::string mail_with(std::string_view data, std::optional<std::string_view> body = std::nullopt) {
    ShipmentHeaders h = minimal_raw_headers();
    auto eml = build_shipment_mail(h, data, MailAddressing{"a@b.c", "d@e.f"}, std::nullopt);
    EXPECT_TRUE(eml);
    std::string out = eml ? *eml : std::string();
    if (body) {
      size_t begin = out.find("base64\r\n\r\n") + 10;
      size_t end = out.find("\r\n--=_logpost", begin);
      out.replace(begin, end - begin, *body);
    }
    return out;
  }
  static std::string bytes(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>((i * 131 + 7) & 0xff);
    return s;
  }
};

TEST_F(ShipmentMailBase64Test, EveryLengthAndLineDecodesToTheAttachment) {
  // Lengths around the padding cases and the 57-byte (76-column) lines.
  for (size_t n = 0; n < 200; ++n) {
    std::string data = bytes(n);
    auto r = parse_shipment_mail(mail_with(data));
    ASSERT_TRUE(r) << n << ": " << r.error().message;
    EXPECT_EQ(r->attachment, data) << n;
  }
}

TEST_F(ShipmentMailBase64Test, WhitespaceAnywhereIsSkipped) {
  // "ABC" "DEF" "GH" with spaces, tabs and line ends inside quanta.
  auto r = parse_shipment_mail(mail_with("x", std::string_view("QU JD\r\n\tREVG R0g=\r\n")));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attachment, "ABCDEFGH");
  r = parse_shipment_mail(mail_with("x", std::string_view("QUJDRA=\r\n=\r\n")));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attachment, "ABCD");
}

TEST_F(ShipmentMailBase64Test, BadAlphabetAndTruncationAreTheOldErrors) {
  auto r = parse_shipment_mail(mail_with("x", std::string_view("QUJD-REVG\r\n")));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("attachment is not valid base64"), std::string::npos) << r.error().message;
  // A bad byte is reported even when the length is also wrong.
  r = parse_shipment_mail(mail_with("x", std::string_view("QUJ*\r\nQ\r\n")));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not valid base64"), std::string::npos) << r.error().message;
  for (std::string_view body : {"QUJDR\r\n", "QUJDRA=\r\n", "QUJDR==\r\n"}) {
    r = parse_shipment_mail(mail_with("x", body));
    ASSERT_FALSE(r) << body;
    EXPECT_NE(r.error().message.find("truncated (length not a multiple of 4)"), std::string::npos)
        << r.error().message;
  }
}

TEST_F(ShipmentMailBase64Test, UnusualPaddingStillDecodesAsMimeticDoes) {
  // Padding inside the body (two encodings concatenated) or too much of it:
  // never written by the shipper; decoded by mimetic as before.
  auto r = parse_shipment_mail(mail_with("x", std::string_view("QQ==QUJD\r\n")));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attachment, "AABC");
  r = parse_shipment_mail(mail_with("x", std::string_view("Q===\r\n")));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attachment, "B");
}

TEST(ShipmentMailBuildTest, RejectsUnsafeAddresses) {
  EXPECT_FALSE(is_safe_mail_address("logs@example.net\r\nBcc: x@y"));
  EXPECT_FALSE(is_safe_mail_address("Logs <logs@example.net>"));
  EXPECT_FALSE(is_safe_mail_address("nobody"));
  EXPECT_TRUE(is_safe_mail_address("logs+acme@logs.example.net"));
}

TEST(ShipmentMailBuildTest, Base64SizeMatchesTheEncoder) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{56}, size_t{57}, size_t{58}, size_t{1000}, size_t{100000}}) {
    std::string data(n, 'z');
    ShipmentHeaders h = minimal_raw_headers();
    auto with = build_shipment_mail(h, data, MailAddressing{"a@b.c", "d@e.f"}, std::nullopt);
    auto without = build_shipment_mail(h, "", MailAddressing{"a@b.c", "d@e.f"}, std::nullopt);
    ASSERT_TRUE(with && without);
    EXPECT_EQ(with->size() - without->size(), base64_mail_size(n)) << n;
  }
}

}  // namespace
