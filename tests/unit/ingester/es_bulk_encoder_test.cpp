// Tests of the bulk encoder: framing, routing to data streams, escaping.
#include "ingester/es_bulk_encoder.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/json.hpp"

namespace logpost::ingester {
namespace {

std::vector<std::string> lines_of(const std::string& body) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < body.size()) {
    size_t nl = body.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(body.substr(start));  // an unterminated tail: a bug the tests catch
      break;
    }
    lines.push_back(body.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

Event access_event(std::string id, std::string dataset = "nginx.access") {
  Event e("GET / HTTP/1.1");
  e.set_id(std::move(id));
  e.set_timestamp_us(1'700'000'000'000'000);
  e.set(*FieldPath::parse("[event][dataset]"), Value(std::move(dataset)));
  e.set(*FieldPath::parse("[http][response][status_code]"), Value(200));
  return e;
}

EsBulkEncoder encoder(EsBulkEncoderOptions options = {}) {
  auto enc = EsBulkEncoder::create(std::move(options));
  EXPECT_TRUE(enc) << enc.error().message;
  return std::move(*enc);
}

const Value* at(const Value& v, std::initializer_list<std::string_view> path) {
  const Value* cur = &v;
  for (auto key : path) {
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().find(key);
    if (!cur) return nullptr;
  }
  return cur;
}

TEST(EsBulkEncoder, WritesCreateActionWithIdIntoTheDatasetStreamAndEndsWithNewline) {
  std::string body;
  encoder().append(body, access_event("abc123"));
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(body.back(), '\n');
  auto lines = lines_of(body);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], R"({"create":{"_index":"logs-nginx.access-default","_id":"abc123"}})");
  auto doc = parse_json(lines[1]);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(at(*doc, {"@timestamp"})->as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(at(*doc, {"message"})->as_string(), "GET / HTTP/1.1");
  EXPECT_EQ(at(*doc, {"http", "response", "status_code"})->as_int(), 200);
  EXPECT_EQ(at(*doc, {"data_stream", "type"})->as_string(), "logs");
  EXPECT_EQ(at(*doc, {"data_stream", "dataset"})->as_string(), "nginx.access");
  EXPECT_EQ(at(*doc, {"data_stream", "namespace"})->as_string(), "default");
}

TEST(EsBulkEncoder, DatasetFallsBackToDataStreamFieldThenGeneric) {
  auto enc = encoder();
  Event a("x");
  a.set(*FieldPath::parse("[data_stream][dataset]"), Value("apache.access"));
  EXPECT_EQ(enc.data_stream_for(a), "logs-apache.access-default");
  Event b("x");
  EXPECT_EQ(enc.data_stream_for(b), "logs-generic-default");
  Event c("x");
  c.set(*FieldPath::parse("[event][dataset]"), Value(42));  // not a string: ignored
  EXPECT_EQ(enc.data_stream_for(c), "logs-generic-default");
  Event d("x");
  d.set(*FieldPath::parse("[event][dataset]"), Value("mysql.slowlog"));
  d.set(*FieldPath::parse("[data_stream][dataset]"), Value("other"));
  EXPECT_EQ(enc.data_stream_for(d), "logs-mysql.slowlog-default");  // [event][dataset] wins
}

TEST(EsBulkEncoder, SanitizesDatasetForIndexNames) {
  EXPECT_EQ(sanitize_es_dataset("Nginx-Access"), "nginx_access");
  EXPECT_EQ(sanitize_es_dataset("a/b*c?d\"e<f>g|h,i#j:k l"), "a_b_c_d_e_f_g_h_i_j_k_l");
  EXPECT_EQ(sanitize_es_dataset(""), "generic");
  EXPECT_EQ(sanitize_es_dataset(std::string(300, 'x')).size(), 100u);
  EXPECT_EQ(sanitize_es_dataset("caf\xC3\xA9"), "caf__");
}

TEST(EsBulkEncoder, RoutesTenantsToTheirConfiguredNamespace) {
  EsBulkEncoderOptions options;
  options.default_namespace = "prod";
  options.tenant_namespaces["acme"] = "acme_ns";
  auto enc = encoder(options);
  Event a = access_event("1", "mysql.slowlog");
  a.set(*FieldPath::parse("[logpost][tenant]"), Value("acme"));
  Event b = access_event("2", "mysql.slowlog");
  b.set(*FieldPath::parse("[logpost][tenant]"), Value("globex"));  // no namespace of its own
  std::vector<Event> events{a, b, a};
  std::string body;
  enc.encode(events, body);
  auto lines = lines_of(body);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], R"({"create":{"_index":"logs-mysql.slowlog-acme_ns","_id":"1"}})");
  EXPECT_EQ(lines[2], R"({"create":{"_index":"logs-mysql.slowlog-prod","_id":"2"}})");
  EXPECT_EQ(lines[4], R"({"create":{"_index":"logs-mysql.slowlog-acme_ns","_id":"1"}})");
  EXPECT_EQ(at(*parse_json(lines[3]), {"data_stream", "namespace"})->as_string(), "prod");
}

TEST(EsBulkEncoder, RejectsInvalidNamespacesNamingEachOne) {
  EsBulkEncoderOptions options;
  options.default_namespace = "Prod-1";
  options.tenant_namespaces["t1"] = "";
  options.tenant_namespaces["t2"] = "ok";
  auto enc = EsBulkEncoder::create(options);
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().code, ErrorCode::config);
  EXPECT_NE(enc.error().message.find("Prod-1"), std::string::npos);
  EXPECT_NE(enc.error().message.find("tenant t1"), std::string::npos);
  EXPECT_EQ(enc.error().message.find("tenant t2"), std::string::npos);
}

TEST(EsBulkEncoder, AnyBytesStayOnTheirLineAndParse) {
  // Newlines, quotes, backslashes, NUL, invalid UTF-8 in the id and in fields
  // must never break the line framing or the JSON.
  std::string nasty = std::string("a\nb\r\"c\\d\0e", 11) + "\xFF\xC3(" + "\xE2\x82";
  Event e = access_event(nasty);
  e.set("message", Value(nasty));
  e.set(*FieldPath::parse("[url][original]"), Value("/x?q=\n{\"create\":{}}"));
  std::string body;
  encoder().append(body, e);
  auto lines = lines_of(body);
  ASSERT_EQ(lines.size(), 2u);
  auto action = parse_json(lines[0]);
  ASSERT_TRUE(action) << action.error().message;
  auto doc = parse_json(lines[1]);
  ASSERT_TRUE(doc) << doc.error().message;
  std::string id = at(*action, {"create", "_id"})->as_string();
  EXPECT_EQ(id.substr(0, 11), std::string("a\nb\r\"c\\d\0e", 11));
  EXPECT_NE(id.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD for the invalid bytes
  EXPECT_EQ(at(*doc, {"message"})->as_string(), id);      // same deterministic replacement
}

TEST(EsBulkEncoder, LeavesMetadataOutAndExistingDataStreamAlone) {
  Event e = access_event("m1");
  e.set(*FieldPath::parse("[@metadata][secret]"), Value("do not ship"));
  e.set(*FieldPath::parse("[data_stream][namespace]"), Value("theirs"));
  std::string body;
  encoder().append(body, e);
  EXPECT_EQ(body.find("do not ship"), std::string::npos);
  auto doc = parse_json(lines_of(body)[1]);
  ASSERT_TRUE(doc);
  EXPECT_EQ(at(*doc, {"data_stream", "namespace"})->as_string(), "theirs");
  EXPECT_EQ(at(*doc, {"data_stream", "type"}), nullptr);
}

TEST(EsBulkEncoder, EmptyEventStillGetsValidDocument) {
  Event e;
  e.set_id("empty");
  std::string body;
  encoder().append(body, e);
  auto lines = lines_of(body);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], R"({"data_stream":{"type":"logs","dataset":"generic","namespace":"default"}})");
}

TEST(EsBulkEncoder, OffsetsSliceTheBodyPerEvent) {
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) events.push_back(access_event("id" + std::to_string(i), i % 2 ? "apache.access" : "nginx.access"));
  std::string body;
  std::vector<size_t> offsets;
  encoder().encode(events, body, &offsets);
  ASSERT_EQ(offsets.size(), 6u);
  EXPECT_EQ(offsets.front(), 0u);
  EXPECT_EQ(offsets.back(), body.size());
  for (size_t i = 0; i < 5; ++i) {
    std::string one;
    encoder().append(one, events[i]);
    EXPECT_EQ(body.substr(offsets[i], offsets[i + 1] - offsets[i]), one) << i;
  }
}

// The hand-built request in ../shared/corpus/es-contract/derived/: decoding
// its documents into events and encoding them again must give its bytes
// back (same action lines, same documents).
TEST(EsBulkEncoder, ReproducesTheDerivedDataStreamRequest) {
  std::filesystem::path file =
      std::filesystem::path(LOGPOST_SHARED_DIR) / "corpus/es-contract/derived/bulk-request-datastream.ndjson";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "no " << file;
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string expected = ss.str();
  auto lines = lines_of(expected);
  ASSERT_EQ(lines.size() % 2, 0u);
  std::vector<Event> events;
  for (size_t i = 0; i < lines.size(); i += 2) {
    auto action = parse_json(lines[i]);
    ASSERT_TRUE(action);
    auto event = event_from_json(lines[i + 1]);
    ASSERT_TRUE(event) << event.error().message;
    event->set_id(at(*action, {"create", "_id"})->as_string());
    events.push_back(std::move(*event));
  }
  std::string body;
  encoder().encode(events, body);
  auto got = lines_of(body);
  ASSERT_EQ(got.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i % 2 == 0) {
      EXPECT_EQ(got[i], lines[i]);
    } else {
      EXPECT_EQ(*parse_json(got[i]), *parse_json(lines[i])) << got[i];
    }
  }
}

// The encoder's own writer must produce exactly common/json.hpp's bytes for
// the document (the header promises it): compare on events of every kind.
TEST(EsBulkEncoder, DocumentBytesAreCommonJsonBytes) {
  std::vector<Event> events;
  const int64_t stamps[] = {0, 1, 999, 1000, 1'700'000'000'123'000, 1'700'000'000'123'456, -1, -1'000'001,
                            253'402'300'799'999'999 /* 9999-12-31T23:59:59.999999 */};
  for (size_t i = 0; i < std::size(stamps); ++i) {
    Event e(i % 2 ? std::string("caf\xC3\xA9 \xFF\x01 \"q\" \\") : std::string("plain"));
    e.set_id("ts" + std::to_string(i));
    e.set_timestamp_us(stamps[i]);
    e.set("n", Value(int64_t{-9'223'372'036'854'775'807} - 1));
    e.set("d", Value(i % 3 ? 1.0 : 0.1));
    e.set("inf", Value(std::numeric_limits<double>::infinity()));
    e.set("big", Value(1e300));
    e.set("b", Value(i % 2 == 0));
    e.set("z", Value(nullptr));
    e.set("arr", Value(Array{Value(1), Value("x\ty"), Value(Array{}), Value(Object{})}));
    e.set(std::string("k\xC3\xA9y\n"), Value("v"));
    events.push_back(std::move(e));
  }
  Event no_ts("no timestamp");
  no_ts.set_id("nots");
  events.push_back(no_ts);
  std::string body;
  encoder().encode(events, body);
  auto lines = lines_of(body);
  ASSERT_EQ(lines.size(), 2 * events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    std::string expected = to_json(events[i]);
    expected.pop_back();  // the document continues with the data_stream member
    EXPECT_EQ(lines[2 * i + 1].substr(0, expected.size()), expected) << i;
    EXPECT_TRUE(parse_json(lines[2 * i + 1])) << lines[2 * i + 1];
  }
}

TEST(EsBulkEncoder, EventsWithoutIdAreSkipped) {
  std::vector<Event> events{access_event("a"), access_event(""), access_event("c")};
  std::string body;
  std::vector<size_t> offsets;
  encoder().encode(events, body, &offsets);
  ASSERT_EQ(offsets.size(), 4u);
  EXPECT_EQ(offsets[1], offsets[2]);  // no bytes for the event without id
  EXPECT_EQ(lines_of(body).size(), 4u);
  EXPECT_EQ(body.find("\"_id\":\"\""), std::string::npos);
}

}  // namespace
}  // namespace logpost::ingester
