// DateFormat: Joda patterns, named formats, locales, time zones across DST
// gaps and overlaps, two-digit and missing years. Table-driven; expected
// instants are written as RFC 3339 UTC by hand.
#include <gtest/gtest.h>

#include <date/tz.h>

#include "common/event.hpp"
#include "filters/date_format.hpp"

namespace logpost::filters {
namespace {

int64_t at(const char* rfc3339) {
  auto us = parse_timestamp_us(rfc3339);
  EXPECT_TRUE(us) << rfc3339;
  return us ? *us : 0;
}

struct Case {
  const char* format;
  const char* locale;
  const char* zone;  // nullptr: UTC
  const char* input;
  const char* expected;  // nullptr: must not parse
  const char* now = "2026-06-15T12:00:00Z";
};

const Case k_cases[] = {
    {"yyyy-MM-dd HH:mm:ss", "en", nullptr, "2024-05-01 12:00:00", "2024-05-01T12:00:00Z"},
    {"dd/MMM/yyyy:HH:mm:ss Z", "en", nullptr, "17/May/2015:10:05:03 +0000", "2015-05-17T10:05:03Z"},
    {"dd/MMM/yyyy:HH:mm:ss Z", "en", "Europe/Paris", "10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36Z"},
    {"yyyy-MM-dd'T'HH:mm:ss.SSSSSSZZ", "en", nullptr, "2024-05-01T12:00:00.123456+02:00", "2024-05-01T10:00:00.123456Z"},
    {"yyyy-MM-dd HH:mm:ss.SSS", "en", nullptr, "2024-05-01 12:00:00.123456", "2024-05-01T12:00:00.123456Z"},
    {"yyyyMMddHHmmss", "en", nullptr, "20240501120000", "2024-05-01T12:00:00Z"},
    {"EEE MMM dd HH:mm:ss yyyy", "en", nullptr, "Mon Dec 26 16:22:08 2016", "2016-12-26T16:22:08Z"},
    {"EEEE, d MMMM yyyy", "en", nullptr, "Thursday, 4 July 2024", "2024-07-04T00:00:00Z"},
    {"yyyy-MM-dd hh:mm:ss a", "en", nullptr, "2024-01-01 12:30:00 AM", "2024-01-01T00:30:00Z"},
    {"yyyy-MM-dd hh:mm:ss a", "en", nullptr, "2024-01-01 12:30:00 PM", "2024-01-01T12:30:00Z"},
    {"yyyy-MM-dd hh:mm:ss a", "en", nullptr, "2024-01-01 01:00:00 pm", "2024-01-01T13:00:00Z"},
    {"yyyy-MM-dd HH:mm Z", "en", nullptr, "2024-01-01 05:30 +0530", "2024-01-01T00:00:00Z"},
    {"yyyy-MM-dd HH:mm ZZZ", "en", nullptr, "2024-07-01 12:00 Europe/Paris", "2024-07-01T10:00:00Z"},
    {"yyyy-MM-dd HH:mm z", "en", nullptr, "2024-01-01 12:00 PST", "2024-01-01T20:00:00Z"},
    {"yyyy D", "en", nullptr, "2024 60", "2024-02-29T00:00:00Z"},
    {"yy-MM-dd", "en", nullptr, "24-01-02", "2024-01-02T00:00:00Z"},
    {"yy-MM-dd", "en", nullptr, "70-01-01", "1970-01-01T00:00:00Z"},
    {"yy-MM-dd", "en", nullptr, "45-01-01", "2045-01-01T00:00:00Z"},
    {"yy-MM-dd", "en", nullptr, "46-01-01", "1946-01-01T00:00:00Z"},
    // Locales.
    {"dd MMMM yyyy", "fr-FR", "UTC", "14 juillet 1789", "1789-07-14T00:00:00Z"},
    {"d MMM yyyy", "fr", nullptr, "1 f\xc3\xa9vr. 2020", "2020-02-01T00:00:00Z"},
    {"d MMM yyyy", "fr", nullptr, "1 f\xc3\xa9vr 2020", "2020-02-01T00:00:00Z"},
    {"d. MMMM yyyy", "de_DE", nullptr, "3. M\xc3\xa4rz 2021", "2021-03-03T00:00:00Z"},
    {"dd 'de' MMMM 'de' yyyy", "es", nullptr, "05 de enero de 2022", "2022-01-05T00:00:00Z"},
    {"dd MMMM yyyy", "fr", nullptr, "14 July 1789", nullptr},  // English names are not French
    // Time zones, DST (Europe/Paris: spring forward 2024-03-31 02:00->03:00, fall back 2024-10-27 03:00->02:00).
    {"yyyy-MM-dd HH:mm:ss", "en", "America/Los_Angeles", "2013-06-24 01:29:01", "2013-06-24T08:29:01Z"},
    {"yyyy MMM dd HH:mm:ss", "en", "CET", "2016 Mar 26 02:00:37", "2016-03-26T01:00:37Z"},
    {"yyyy-MM-dd HH:mm:ss", "en", "Europe/Paris", "2024-03-31 01:59:59", "2024-03-31T00:59:59Z"},
    {"yyyy-MM-dd HH:mm:ss", "en", "Europe/Paris", "2024-03-31 02:30:00", nullptr},  // in the gap: does not exist
    {"yyyy-MM-dd HH:mm:ss", "en", "Europe/Paris", "2024-03-31 03:30:00", "2024-03-31T01:30:00Z"},
    {"yyyy-MM-dd HH:mm:ss", "en", "Europe/Paris", "2024-10-27 02:30:00", "2024-10-27T00:30:00Z"},  // overlap: first
    {"yyyy-MM-dd HH:mm:ss", "en", "Europe/Paris", "2024-10-27 03:30:00", "2024-10-27T02:30:00Z"},
    // No year: this year, or last year when that would be more than a day ahead.
    {"MMM dd HH:mm:ss", "en", nullptr, "Jan 02 03:04:05", "2026-01-02T03:04:05Z"},
    {"MMM dd HH:mm:ss", "en", nullptr, "Jun 16 00:00:00", "2026-06-16T00:00:00Z"},
    {"MMM dd HH:mm:ss", "en", nullptr, "Jul 01 00:00:00", "2025-07-01T00:00:00Z"},
    {"MMM dd HH:mm:ss", "en", nullptr, "Dec 31 23:59:59", "2025-12-31T23:59:59Z", "2026-01-01T00:10:00Z"},
    {"MMM  d HH:mm:ss", "en", "Europe/Paris", "Nov  1 10:05:03", "2025-11-01T09:05:03Z"},
    // Failures.
    {"yyyy-MM-dd HH:mm:ss", "en", nullptr, "2024-02-30 00:00:00", nullptr},
    {"yyyy-MM-dd HH:mm:ss", "en", nullptr, "2024-05-01 12:00:00x", nullptr},
    {"yyyy-MM-dd HH:mm:ss", "en", nullptr, "2024-05-01 25:00:00", nullptr},
    {"yyyy-MM-dd", "en", nullptr, "", nullptr},
    // Named formats.
    {"ISO8601", "en", "UTC", "2001-12-07T23:54:54,123Z", "2001-12-07T23:54:54.123Z"},
    {"ISO8601", "en", "UTC", "2001-12-07T23:54:54.123456789+01:00", "2001-12-07T22:54:54.123456Z"},
    {"ISO8601", "en", nullptr, "2001-12-07", "2001-12-07T00:00:00Z"},
    {"ISO8601", "en", "Europe/Paris", "2001-12-07 23:54:54", "2001-12-07T22:54:54Z"},
    {"ISO8601", "en", nullptr, "20011207T235454Z", "2001-12-07T23:54:54Z"},
    {"ISO8601", "en", nullptr, "2001-12-07T23:54-0130", "2001-12-08T01:24:00Z"},
    {"ISO8601", "en", nullptr, "2001-13-07T00:00:00Z", nullptr},
    {"ISO8601", "en", nullptr, "2001-12-07T23:54:54.Z", nullptr},
    {"UNIX", "en", nullptr, "1478207457.456", "2016-11-03T21:10:57.456Z"},
    {"UNIX", "en", nullptr, "0", "1970-01-01T00:00:00Z"},
    {"UNIX", "en", nullptr, "-1.5", "1969-12-31T23:59:58.500Z"},
    {"UNIX", "en", nullptr, "1000000000123", nullptr},  // milliseconds, not seconds
    {"UNIX", "en", nullptr, "12abc", nullptr},
    {"UNIX_MS", "en", nullptr, "456", "1970-01-01T00:00:00.456Z"},
    {"UNIX_MS", "en", nullptr, "1000000000123", "2001-09-09T01:46:40.123Z"},
    {"UNIX_MS", "en", nullptr, "12.5", nullptr},
    {"TAI64N", "en", nullptr, "@4000000052f88ea32489532c", "2014-02-10T08:32:25.612979Z"},
    {"TAI64N", "en", nullptr, "4000000052f88ea32489532c", "2014-02-10T08:32:25.612979Z"},
    {"TAI64N", "en", nullptr, "@4000000052f88ea3248953", nullptr},
};

TEST(DateFormat, Table) {
  for (const auto& c : k_cases) {
    const DateLocale* locale = DateLocale::find(c.locale);
    ASSERT_NE(locale, nullptr) << c.locale;
    auto format = DateFormat::compile(c.format, *locale);
    ASSERT_TRUE(format) << c.format << ": " << format.error().message;
    const date::time_zone* zone = c.zone ? date::locate_zone(c.zone) : nullptr;
    auto got = format->parse(c.input, zone, at(c.now));
    std::string where = std::string(c.format) + " on '" + c.input + "'" + (c.zone ? std::string(" in ") + c.zone : "");
    if (!c.expected) {
      EXPECT_FALSE(got) << where << " parsed as " << format_timestamp_us(*got);
      continue;
    }
    ASSERT_TRUE(got) << where << " did not parse";
    EXPECT_EQ(format_timestamp_us(*got), format_timestamp_us(at(c.expected))) << where;
  }
}

TEST(DateFormat, CompileErrors) {
  const DateLocale& en = DateLocale::english();
  for (const char* bad : {"yyyy-MM-dd QQ", "HH:mm 'unterminated", "GGGG yyyy"}) {
    auto f = DateFormat::compile(bad, en);
    ASSERT_FALSE(f) << bad;
    EXPECT_EQ(f.error().code, ErrorCode::config);
    EXPECT_NE(f.error().message.find(bad), std::string::npos) << f.error().message;
  }
  EXPECT_EQ(DateLocale::find("xx-YY"), nullptr);
  ASSERT_NE(DateLocale::find("EN_us"), nullptr);
  EXPECT_EQ(DateLocale::find("EN_us")->tag, "en");
}

}  // namespace
}  // namespace logpost::filters
