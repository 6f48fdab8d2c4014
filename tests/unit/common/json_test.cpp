#include "common/json.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <vector>

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

// An independent, byte-at-a-time statement of the encoding rules, for the
// differential test of the word-at-a-time encoder.
std::string reference_encode(std::string_view text) {
  std::string out = "\"";
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  auto cont = [&](size_t i, unsigned char lo, unsigned char hi) { return i < n && s[i] >= lo && s[i] <= hi; };
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      const char* named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b" : c == '\f' ? "\\f" : nullptr;
      if (named) {
        out += named;
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      // Table 3-7 of the Unicode standard: well-formed byte sequences.
      size_t len = 0;
      unsigned char lo = 0x80, hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) len = 2;
      else if (c >= 0xE0 && c <= 0xEF) len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
      else if (c >= 0xF0 && c <= 0xF4) len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
      size_t ok = 1;  // bytes of a well-formed prefix
      if (len && cont(i + 1, lo, hi)) {
        ok = 2;
        while (ok < len && cont(i + ok, 0x80, 0xBF)) ++ok;
      }
      if (len && ok == len) {
        out.append(text.substr(i, len));
      } else {
        out += "\xEF\xBF\xBD";
      }
      i += ok;
    }
  }
  return out + "\"";
}

TEST(JsonTest, WordAtATimeEncoderAgreesWithTheByteRules) {
  std::mt19937 rng(11);
  // Mostly plain text with rare specials, so the eight-byte path and its
  // exits at every offset are exercised, plus lengths around 4096 (chunks).
  static const char k_specials[] = "\"\\\n\t\x01\x7f\x80\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xED\xA0\xF4\x90\xC0";
  const std::string specials(k_specials, sizeof k_specials - 1);
  for (int round = 0; round < 3000; ++round) {
    size_t len = round % 100 == 0 ? 4090 + rng() % 20 : rng() % 64;
    std::string s(len, 'a');
    for (auto& c : s) {
      unsigned r = rng() % 16;
      c = r == 0 ? specials[rng() % specials.size()] : r == 1 ? static_cast<char>(rng()) : static_cast<char>('a' + rng() % 26);
    }
    ASSERT_EQ(enc(s), reference_encode(s)) << "round " << round;
  }
}

TEST(JsonTest, EncoderAgreesOnMostlyCleanStringsOfEveryLength) {
  // Clean strings and strings with one special byte at every position: the
  // short-string words, the 16-byte blocks, and the overlapping last block
  // of a long string each take their exits here.
  std::mt19937 rng(12);
  static const char k_specials[] = "\"\\\n\x01\x7f\x80\xC3\xA9\xF0\x9F\x98\x80";
  const std::string specials(k_specials, sizeof k_specials - 1);
  for (size_t len = 0; len <= 80; ++len) {
    std::string clean(len, 'a');
    for (auto& c : clean) c = static_cast<char>(' ' + 1 + rng() % 94);  // printable, no '"' below
    for (auto& c : clean)
      if (c == '"' || c == '\\') c = 'q';
    ASSERT_EQ(enc(clean), reference_encode(clean)) << "clean, length " << len;
    for (size_t at = 0; at < len; ++at) {
      std::string s = clean;
      s[at] = specials[rng() % specials.size()];
      ASSERT_EQ(enc(s), reference_encode(s)) << "length " << len << ", special at " << at;
    }
  }
  for (size_t len : {4095u, 4096u, 4097u, 4111u, 4112u, 4113u, 8192u + 5}) {
    std::string s(len, 'b');
    ASSERT_EQ(enc(s), reference_encode(s)) << "length " << len;
    s[len - 3] = '"';
    ASSERT_EQ(enc(s), reference_encode(s)) << "length " << len;
  }
}

// The encoder's shortest-decimal fast path must print exactly what
// std::to_chars prints (plus ".0" for integral values, as everywhere).
std::string reference_double(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string text(buf, ptr);
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

TEST(JsonTest, DoublesEncodeAsTheShortestRoundTripText) {
  std::mt19937_64 rng(13);
  std::vector<double> values = {0.001, 0.0015, 0.00099999, 0.002, 0.1, 0.5, 1.5, 48.1374, 11.5755, -122.4194,
                                9999999.5, 9999999.99999999, 1e7, 1e7 + 0.5, 123456.78901234, 0.30000000000000004,
                                1.0 / 3.0, 2.0 / 3.0, 100.0, -0.0, 0.0, 1e-3 * (1 + 1e-15), 0.12345678, 0.123456789};
  for (int i = 0; i < 200000; ++i) {
    switch (i % 4) {
      case 0: {  // a decimal with 1 to 9 places: the common shape
        double scale = std::pow(10.0, static_cast<double>(1 + rng() % 9));
        values.push_back(static_cast<double>(rng() % 100000000000ULL) / scale);
        break;
      }
      case 1: {  // any double in and around the fast range
        double lo = -4, hi = 8;
        double e = lo + (hi - lo) * static_cast<double>(rng() % 1000000) / 1e6;
        values.push_back(std::pow(10.0, e) * ((rng() & 1) ? 1 : -1));
        break;
      }
      case 2: {  // random bit patterns (finite ones)
        uint64_t bits = rng();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (std::isfinite(d)) values.push_back(d);
        break;
      }
      default: {  // neighbours of short decimals: one ulp off
        double base = static_cast<double>(rng() % 10000000) / 1000.0;
        values.push_back(std::nextafter(base, (rng() & 1) ? 1e9 : -1e9));
      }
    }
  }
  for (double v : values) ASSERT_EQ(to_json(Value(v)), reference_double(v)) << std::hexfloat << v;
}

TEST(JsonTest, WriterAppendsAfterExistingBytesAndTrims) {
  std::string out = "prefix:";
  {
    JsonWriter w(out);
    w.string("a\"b");
    w.raw(',');
    w.integer(-7);
    EXPECT_EQ(w.pos(), 16u);  // "prefix:" + the quoted string + ',' + "-7"
  }
  EXPECT_EQ(out, "prefix:\"a\\\"b\",-7");
}

TEST(TimestampFormatTest, AgreesWithPrintfAcrossTheRange) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    // Years 0000 to 9999, sub-second parts with and without microseconds.
    int64_t us = static_cast<int64_t>(rng() % 315'537'897'600ULL) * 1'000'000 - 62'167'219'200'000'000LL;
    us += i % 2 ? static_cast<int64_t>(rng() % 1000) * 1000 : static_cast<int64_t>(rng() % 1'000'000);
    int64_t secs = us / 1'000'000, frac = us % 1'000'000;
    if (frac < 0) frac += 1'000'000, secs -= 1;
    time_t t = static_cast<time_t>(secs);
    struct tm tm {};
    gmtime_r(&t, &tm);
    char buf[64];
    if (frac % 1000 == 0)
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac / 1000));
    else
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
    ASSERT_EQ(format_timestamp_us(us), buf) << us;
  }
}

}  // namespace
