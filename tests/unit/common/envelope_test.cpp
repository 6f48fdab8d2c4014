#include "common/envelope.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <unistd.h>

#include "common/crypto.hpp"

using namespace logpost;

namespace {

ShipmentHeaders sample_headers() {
  ShipmentHeaders h;
  h.tenant = "acme";
  h.host = "db1.example.com";
  h.kind = "mysql-slow";
  h.source = "/var/log/mysql/slow.log.1";
  h.file_id = "2049:131077:5242880:1763706301:0123456789abcdef";
  h.shipment_id = make_shipment_id(h.tenant, h.host, h.file_id);
  h.part = 2;
  h.part_count = 3;
  h.offset = 4194304;
  h.length = 1048576;
  h.entries = 812;
  h.content_sha256 = sha256_hex("content");
  h.timezone = "Europe/Berlin";
  h.created = "2026-11-21T06:25:01Z";
  return h;
}

// A header lookup over encoded fields, case-insensitive like mail headers.
std::function<std::optional<std::string>(std::string_view)> lookup_in(const std::vector<HeaderField>& fields) {
  return [fields](std::string_view name) -> std::optional<std::string> {
    for (const auto& [n, v] : fields)
      if (strcasecmp(n.c_str(), std::string(name).c_str()) == 0) return v;
    return std::nullopt;
  };
}

const std::string k_key = "0123456789abcdef0123456789abcdef";
const std::string k_attachment_sha = sha256_hex("gzip bytes");

TEST(EnvelopeTest, HeadersRoundTrip) {
  ShipmentHeaders h = sample_headers();
  h.flags = {std::string(k_flag_begins_inside_entry), std::string(k_flag_source_changed)};
  auto fields = to_fields(h);
  ASSERT_TRUE(fields) << fields.error().message;
  ASSERT_EQ(fields->size(), signed_header_names().size());
  auto back = from_fields(lookup_in(*fields));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, h);
}

TEST(EnvelopeTest, EncodedFieldsHaveTheDocumentedWireForm) {
  auto fields = to_fields(sample_headers());
  ASSERT_TRUE(fields);
  std::map<std::string, std::string> m(fields->begin(), fields->end());
  EXPECT_EQ(m["X-Logpost-Version"], "1");
  EXPECT_EQ(m["X-Logpost-Part"], "2/3");
  EXPECT_EQ(m["X-Logpost-Offset"], "4194304");
  EXPECT_EQ(m["X-Logpost-Flags"], "none");
  EXPECT_EQ(m["X-Logpost-Source"], "/var/log/mysql/slow.log.1");
}

TEST(EnvelopeTest, HostileSourcePathCannotInjectAHeader) {
  ShipmentHeaders h = sample_headers();
  h.source = "/var/log/a b\"c'd\r\nX-Logpost-Tenant: evil\r\n\r\nbody\xC3\xBC%.log";
  auto fields = to_fields(h);
  ASSERT_TRUE(fields);
  for (const auto& [name, value] : *fields) {
    for (unsigned char c : value) {
      EXPECT_GT(c, 0x20) << name << " carries a space or control byte";
      EXPECT_LT(c, 0x7f) << name << " carries a non-ASCII byte";
    }
  }
  std::map<std::string, std::string> m(fields->begin(), fields->end());
  EXPECT_EQ(m["X-Logpost-Source"], "/var/log/a%20b%22c%27d%0D%0AX-Logpost-Tenant:%20evil%0D%0A%0D%0Abody%C3%BC%25.log");
  auto back = from_fields(lookup_in(*fields));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->source, h.source);
  EXPECT_EQ(back->tenant, "acme");
}

TEST(EnvelopeTest, DecodingIsStrictAndCanonical) {
  EXPECT_EQ(*decode_header_value("a%20b"), "a b");
  EXPECT_FALSE(decode_header_value("a b"));      // raw unsafe byte
  EXPECT_FALSE(decode_header_value("a%2"));      // truncated escape
  EXPECT_FALSE(decode_header_value("a%2a"));     // lowercase hex
  EXPECT_FALSE(decode_header_value("%61"));      // escaped safe byte: not canonical
  EXPECT_FALSE(decode_header_value("a\r\nb"));
  for (std::string s : {std::string("plain"), std::string("\x00\xff", 2), std::string("ü ö%")})
    EXPECT_EQ(*decode_header_value(encode_header_value(s)), s);
}

TEST(EnvelopeTest, InvalidFieldsAreRejected) {
  auto expect_bad = [](auto mutate, const char* what) {
    ShipmentHeaders h = sample_headers();
    mutate(h);
    EXPECT_FALSE(to_fields(h)) << what;
  };
  expect_bad([](ShipmentHeaders& h) { h.tenant = "ac me"; }, "tenant with space");
  expect_bad([](ShipmentHeaders& h) { h.tenant = ""; }, "empty tenant");
  expect_bad([](ShipmentHeaders& h) { h.kind = "MySQL"; }, "uppercase kind");
  expect_bad([](ShipmentHeaders& h) { h.part = 4; }, "part > count");
  expect_bad([](ShipmentHeaders& h) { h.part = 0; }, "part 0");
  expect_bad([](ShipmentHeaders& h) { h.shipment_id = "XYZ"; }, "bad shipment id");
  expect_bad([](ShipmentHeaders& h) { h.content_sha256 = "abc"; }, "short sha");
  expect_bad([](ShipmentHeaders& h) { h.timezone = "Europe/Ber lin"; }, "zone with space");
  expect_bad([](ShipmentHeaders& h) { h.created = "2026-11-21 06:25:01"; }, "bad created");
  expect_bad([](ShipmentHeaders& h) { h.flags = {"Bad Flag"}; }, "bad flag");
  expect_bad([](ShipmentHeaders& h) { h.version = 2; }, "version 2");
}

TEST(EnvelopeTest, OversizeValuesAreTooLarge) {
  ShipmentHeaders h = sample_headers();
  h.source = "/" + std::string(k_max_encoded_header_value, 'a');
  auto r = to_fields(h);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::too_large);
  EXPECT_NE(r.error().message.find("X-Logpost-Source"), std::string::npos);
  // Encoding triples unsafe bytes: 300 spaces are 900 encoded bytes, the limit.
  h.source = std::string(300, ' ');
  EXPECT_TRUE(to_fields(h));
  h.source = std::string(301, ' ');
  EXPECT_FALSE(to_fields(h));
  h = sample_headers();
  h.host = std::string(256, 'h');
  ASSERT_FALSE(to_fields(h));
}

TEST(EnvelopeTest, MissingOrUnknownVersionIsReadAsAnError) {
  auto fields = *to_fields(sample_headers());
  auto without = [&](std::string_view drop) {
    std::vector<HeaderField> f;
    for (auto& kv : fields)
      if (kv.first != drop) f.push_back(kv);
    return f;
  };
  auto r = from_fields(lookup_in(without("X-Logpost-Sha256")));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("missing header X-Logpost-Sha256"), std::string::npos);

  auto v2 = fields;
  v2[0].second = "2";
  r = from_fields(lookup_in(v2));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unsupported shipment format version 2"), std::string::npos);

  auto padded = fields;
  padded[8].second = "007";  // X-Logpost-Offset must be canonical
  EXPECT_FALSE(from_fields(lookup_in(padded)));
}

TEST(EnvelopeTest, SignatureVerifiesAndDetectsTampering) {
  ShipmentHeaders h = sample_headers();
  auto sig = sign(h, k_attachment_sha, k_key);
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->substr(0, 12), "hmac-sha256=");
  EXPECT_EQ(sig->size(), 12u + 64u);
  EXPECT_TRUE(verify(h, k_attachment_sha, k_key, *sig));

  // Tampered header.
  ShipmentHeaders tampered = h;
  tampered.tenant = "globex";
  auto r = verify(tampered, k_attachment_sha, k_key, *sig);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::signature);
  tampered = h;
  tampered.offset += 1;
  EXPECT_FALSE(verify(tampered, k_attachment_sha, k_key, *sig));
  tampered = h;
  tampered.flags = {"source-changed"};
  EXPECT_FALSE(verify(tampered, k_attachment_sha, k_key, *sig));
  // Tampered body (the attachment's digest changes).
  EXPECT_FALSE(verify(h, sha256_hex("other gzip bytes"), k_key, *sig));
  // Wrong key.
  EXPECT_FALSE(verify(h, k_attachment_sha, "another key", *sig));
  // Malformed signature values.
  EXPECT_FALSE(verify(h, k_attachment_sha, k_key, ""));
  EXPECT_FALSE(verify(h, k_attachment_sha, k_key, "hmac-md5=" + sig->substr(12)));
  std::string upper = *sig;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(verify(h, k_attachment_sha, k_key, upper));
}

TEST(EnvelopeTest, CanonicalSigningInputIsTheDocumentedForm) {
  auto input = canonical_signing_input(sample_headers(), k_attachment_sha);
  ASSERT_TRUE(input);
  EXPECT_EQ(input->rfind("logpost-signature-v1\nx-logpost-version:1\nx-logpost-tenant:acme\n", 0), 0u) << *input;
  EXPECT_NE(input->find("\nx-logpost-part:2/3\n"), std::string::npos);
  EXPECT_EQ(input->substr(input->size() - 83), "attachment-sha256:" + k_attachment_sha + "\n");
  EXPECT_EQ(std::count(input->begin(), input->end(), '\n'), 17);
  EXPECT_EQ(*sign(sample_headers(), k_attachment_sha, k_key), "hmac-sha256=" + hmac_sha256_hex(k_key, *input));
}

TEST(EnvelopeTest, SigningKeyFileDropsTrailingLineEndsOnly) {
  auto dir = std::filesystem::temp_directory_path() / ("logpost-key-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, std::string_view bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return dir / name;
  };
  EXPECT_EQ(*read_signing_key_file(write("lf", "se cret\n")), "se cret");
  EXPECT_EQ(*read_signing_key_file(write("crlf", "secret\r\n\r\n")), "secret");
  EXPECT_EQ(*read_signing_key_file(write("inner", "a\nb\n")), "a\nb");
  auto empty = read_signing_key_file(write("empty", "\n"));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::config);
  EXPECT_FALSE(read_signing_key_file(dir / "missing"));
  std::filesystem::remove_all(dir);
}

TEST(EnvelopeTest, IdsAreDeterministic) {
  ShipmentHeaders h = sample_headers();
  EXPECT_EQ(h.shipment_id, make_shipment_id("acme", "db1.example.com", h.file_id));
  EXPECT_NE(h.shipment_id, make_shipment_id("acme", "db2.example.com", h.file_id));
  // Field boundaries matter: ("ab", "c") and ("a", "bc") differ.
  EXPECT_NE(make_shipment_id("ab", "c", "x"), make_shipment_id("a", "bc", "x"));
  EXPECT_EQ(message_id(h), "<" + h.shipment_id + ".2.3@logpost>");
}

}  // namespace
