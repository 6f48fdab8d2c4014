#include "common/json.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace logpost;

namespace {

std::string enc(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(enc("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(enc("line\nnext\r\t"), R"("line\nnext\r\t")");
  EXPECT_EQ(enc(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(enc("/"), "\"/\"");
}

TEST(JsonTest, ValidUtf8PassesThrough) {
  EXPECT_EQ(enc("Grüße 日本 😀"), "\"Grüße 日本 😀\"");
}

TEST(JsonTest, InvalidUtf8BecomesReplacementCharacters) {
  // A lone continuation byte, a truncated 3-byte sequence, an overlong, a surrogate.
  EXPECT_EQ(enc("a\x80z"), "\"a\xEF\xBF\xBDz\"");
  EXPECT_EQ(enc("a\xE6\x97z"), "\"a\xEF\xBF\xBDz\"");  // one replacement for the maximal subpart
  EXPECT_EQ(enc("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(enc("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(enc("\xF4\x90\x80\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(enc("end\xF0\x9F"), "\"end\xEF\xBF\xBD\"");
}

TEST(JsonTest, AnyBytesEncodeToParsableJson) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 40, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    std::string doc = enc(s);
    auto parsed = parse_json(doc);
    ASSERT_TRUE(parsed) << parsed.error().message;
    // Re-encoding what we parsed is stable: the output was valid UTF-8.
    EXPECT_EQ(enc(parsed->as_string()), doc);
  }
}

TEST(JsonTest, ValuesRoundTrip) {
  Object o;
  o.set("s", Value("x"));
  o.set("i", Value(int64_t{-42}));
  o.set("d", Value(1.5));
  o.set("whole", Value(2.0));
  o.set("b", Value(true));
  o.set("n", Value());
  o.set("a", Value(Array{Value(1), Value("two"), Value(Array{})}));
  o.set("o", Value(Object{}));
  Value v(o);
  std::string text = to_json(v);
  EXPECT_EQ(text, R"({"s":"x","i":-42,"d":1.5,"whole":2.0,"b":true,"n":null,"a":[1,"two",[]],"o":{}})");
  auto back = parse_json(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, v);
}

TEST(JsonTest, EventsSerialiseTimestampFirstAndHideMetadata) {
  Event e("hi");
  e.set_timestamp_us(1'000'000'000'123'000);
  e.set("@metadata", Value(Object{}));
  e.add_tag("t");
  EXPECT_EQ(to_json(e), R"({"@timestamp":"2001-09-09T01:46:40.123Z","message":"hi","tags":["t"]})");
  auto back = event_from_json(to_json(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->timestamp_us(), e.timestamp_us());
  EXPECT_EQ(back->message(), "hi");
}

TEST(JsonTest, ParserRejectsMalformedDocuments) {
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "\"unterminated", "tru", "01x", "{\"a\" 1}", "[1] 2",
                          "\"bad \\q escape\"", "\"ctl \x01\""}) {
    auto r = parse_json(bad);
    EXPECT_FALSE(r) << "accepted: " << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::data);
    }
  }
}

TEST(JsonTest, ParserHandlesEscapesAndSurrogatePairs) {
  auto r = parse_json(R"("\u00e9\ud83d\ude00\n")");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->as_string(), "é😀\n");
  auto lone = parse_json(R"("\ud800x")");
  ASSERT_TRUE(lone);
  EXPECT_EQ(lone->as_string(), "\xEF\xBF\xBDx");
}

TEST(JsonTest, DeepNestingIsRefusedNotACrash) {
  std::string deep(10000, '[');
  EXPECT_FALSE(parse_json(deep));
}

TEST(JsonTest, NonFiniteDoublesEncodeAsNull) {
  EXPECT_EQ(to_json(Value(std::numeric_limits<double>::infinity())), "null");
}

}  // namespace
