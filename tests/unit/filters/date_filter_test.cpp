// The date filter through the real engine: the development cases of
// ../shared/corpus/dev-cases/date-dev.jsonl (each carries its Logstash
// configuration and the expected @timestamp), plus the filter's own rules.
#include <gtest/gtest.h>

#include <fstream>

#include "common/json.hpp"
#include "filter_test_util.hpp"
#include "filters/date_filter.hpp"

namespace logpost::filters {
namespace {

using test::build_error;
using test::run_one;

TEST(DateFilter, DevCases) {
  std::ifstream in(std::string(LOGPOST_SHARED_DIR) + "/corpus/dev-cases/date-dev.jsonl");
  if (!in) GTEST_SKIP() << "../shared/corpus not present";
  int cases = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto c = parse_json(line);
    ASSERT_TRUE(c && c->is_object()) << line;
    const Object& o = c->as_object();
    auto p = Pipeline::from_string(o.at("config_raw").as_string(), "date-dev.jsonl", BuildContext{});
    ASSERT_TRUE(p) << p.error().message;
    Event e;
    // The configurations read "mydate" or "message"; "%{mytz}" names the
    // zone whose offset the expected value implies (UTC-4 in May 2016).
    e.set("mydate", *o.find("input"));
    e.set("message", *o.find("input"));
    e.set("mytz", Value("America/New_York"));
    std::vector<Event> out;
    p->process(std::move(e), out);
    ASSERT_EQ(out.size(), 1u);
    auto expected = parse_timestamp_us(o.at("expected_timestamp").as_string());
    ASSERT_TRUE(expected);
    ASSERT_TRUE(out[0].timestamp_us()) << line << "\n" << to_json(out[0]);
    EXPECT_EQ(format_timestamp_us(*out[0].timestamp_us()), format_timestamp_us(*expected)) << line;
    EXPECT_FALSE(out[0].has_tag("_dateparsefailure")) << line;
    ++cases;
  }
  EXPECT_GE(cases, 12);
}

TEST(DateFilter, SetsTimestampOrTarget) {
  EXPECT_EQ(run_one(R"(date { match => ["t", "ISO8601"] })", R"({"t":"2024-05-01T12:00:00.5Z"})"),
            R"({"@timestamp":"2024-05-01T12:00:00.500Z","t":"2024-05-01T12:00:00.5Z"})");
  EXPECT_EQ(run_one(R"(date { match => ["t", "UNIX"] target => "[when]" })", R"({"t":"86400"})"),
            R"({"t":"86400","when":"1970-01-02T00:00:00.000Z"})");
}

TEST(DateFilter, TriesFormatsInOrderAndTagsFailures) {
  const char* config = R"(date { match => ["t", "dd/MMM/yyyy:HH:mm:ss Z", "UNIX_MS"] add_tag => ["dated"] })";
  EXPECT_EQ(run_one(config, R"({"t":"1000"})"), R"({"@timestamp":"1970-01-01T00:00:01.000Z","t":"1000","tags":["dated"]})");
  EXPECT_EQ(run_one(config, R"({"t":"yesterday"})"), R"({"t":"yesterday","tags":["_dateparsefailure"]})");
  EXPECT_EQ(run_one(R"(date { match => ["t", "UNIX"] tag_on_failure => ["bad_date"] })", R"({"t":"x"})"),
            R"({"t":"x","tags":["bad_date"]})");
  // Absent field: nothing to do, no tag (Logstash's behaviour).
  EXPECT_EQ(run_one(config, R"({"other":1})"), R"({"other":1})");
}

TEST(DateFilter, NumbersAndArrays) {
  EXPECT_EQ(run_one(R"(date { match => ["t", "UNIX_MS"] })", R"({"t":1000000000123})"),
            R"({"@timestamp":"2001-09-09T01:46:40.123Z","t":1000000000123})");
  EXPECT_EQ(run_one(R"(date { match => ["t", "UNIX"] })", R"({"t":1478207457.456})"),
            R"({"@timestamp":"2016-11-03T21:10:57.456Z","t":1478207457.456})");
  EXPECT_EQ(run_one(R"(date { match => ["t", "UNIX"] })", R"({"t":["60","120"]})"),
            R"({"@timestamp":"1970-01-01T00:01:00.000Z","t":["60","120"]})");
}

TEST(DateFilter, PerEventTimeZone) {
  const char* config = R"(date { match => ["t", "yyyy-MM-dd HH:mm"] timezone => "%{tz}" })";
  EXPECT_EQ(run_one(config, R"({"t":"2024-07-01 12:00","tz":"Asia/Tokyo"})"),
            R"({"@timestamp":"2024-07-01T03:00:00.000Z","t":"2024-07-01 12:00","tz":"Asia/Tokyo"})");
  EXPECT_EQ(run_one(config, R"({"t":"2024-07-01 12:00","tz":"Mars/Olympus"})"),
            R"({"t":"2024-07-01 12:00","tz":"Mars/Olympus","tags":["_dateparsefailure"]})");
}

// date { match => ["t", "MMM dd HH:mm:ss"] timezone => "UTC" }: a format
// without a year, so it reads the injected clock.
PluginBlock yearless_date_block() {
  PluginBlock block;
  block.name = "date";
  OptionValue match;
  match.kind = OptionValue::Kind::array;
  for (const char* s : {"t", "MMM dd HH:mm:ss"}) {
    OptionValue v;
    v.string = s;
    match.array.push_back(v);
  }
  OptionValue zone;
  zone.string = "UTC";
  block.options = {{"match", match}, {"timezone", zone}};
  return block;
}

TEST(DateFilter, YearlessFormatsUseTheInjectedClock) {
  auto now = *parse_timestamp_us("2027-01-01T00:05:00Z");
  auto filter = make_date_filter_with_clock(yearless_date_block(), BuildContext{}, [now] { return now; });
  ASSERT_TRUE(filter) << filter.error().message;
  Event e;
  e.set("t", Value("Dec 31 23:59:58"));
  EXPECT_EQ((*filter)->process(e), FilterOutcome::success);
  EXPECT_EQ(format_timestamp_us(*e.timestamp_us()), "2026-12-31T23:59:58.000Z");
}

// The filter remembers its last parse (busy logs repeat a time stamp on
// many lines). The memo must never change an answer: keyed on the zone as
// well as the text, replaced by the next text, and never used for formats
// whose answer depends on the clock.
TEST(DateFilter, RepeatedTextsGiveTheSameAnswersAsFreshParses) {
  auto p = Pipeline::from_string(R"(filter { date { match => ["t", "yyyy-MM-dd HH:mm"] timezone => "%{tz}" } })",
                                 "memo.conf", BuildContext{});
  ASSERT_TRUE(p) << p.error().message;
  auto stamp = [&](const char* t, const char* tz) {
    Event e;
    e.set("t", Value(t));
    e.set("tz", Value(tz));
    std::vector<Event> out;
    p->process(std::move(e), out);
    return out.size() == 1 && out[0].timestamp_us() ? format_timestamp_us(*out[0].timestamp_us()) : "none";
  };
  EXPECT_EQ(stamp("2024-07-01 12:00", "Asia/Tokyo"), "2024-07-01T03:00:00.000Z");
  EXPECT_EQ(stamp("2024-07-01 12:00", "Asia/Tokyo"), "2024-07-01T03:00:00.000Z");
  EXPECT_EQ(stamp("2024-07-01 12:00", "Europe/Paris"), "2024-07-01T10:00:00.000Z");
  EXPECT_EQ(stamp("2024-07-01 12:01", "Europe/Paris"), "2024-07-01T10:01:00.000Z");
  EXPECT_EQ(stamp("2024-07-01 12:00", "Asia/Tokyo"), "2024-07-01T03:00:00.000Z");
  EXPECT_EQ(stamp("not a date", "Asia/Tokyo"), "none");
  EXPECT_EQ(stamp("2024-07-01 12:00", "Asia/Tokyo"), "2024-07-01T03:00:00.000Z");
}

TEST(DateFilter, ClockDependentFormatsAreParsedAfreshEachTime) {
  int64_t now = *parse_timestamp_us("2027-01-01T00:05:00Z");
  auto filter = make_date_filter_with_clock(yearless_date_block(), BuildContext{}, [&now] { return now; });
  ASSERT_TRUE(filter) << filter.error().message;
  Event first;
  first.set("t", Value("Dec 31 23:59:58"));
  ASSERT_EQ((*filter)->process(first), FilterOutcome::success);
  EXPECT_EQ(format_timestamp_us(*first.timestamp_us()), "2026-12-31T23:59:58.000Z");
  now = *parse_timestamp_us("2028-01-01T00:00:30Z");  // a year later, same text
  Event second;
  second.set("t", Value("Dec 31 23:59:58"));
  ASSERT_EQ((*filter)->process(second), FilterOutcome::success);
  EXPECT_EQ(format_timestamp_us(*second.timestamp_us()), "2027-12-31T23:59:58.000Z");
}

TEST(DateFilter, ConfigurationErrorsAllAtOnce) {
  auto message = build_error(R"(date { match => ["t", "yyyy QQ"] timezone => "Nowhere/City" locale => "tlh" })");
  EXPECT_NE(message.find("unsupported Joda letter 'Q'"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown time zone 'Nowhere/City'"), std::string::npos) << message;
  EXPECT_NE(message.find("unsupported locale 'tlh'"), std::string::npos) << message;
  EXPECT_NE(build_error(R"(date { timezone => "UTC" })").find("match"), std::string::npos);
}

}  // namespace
}  // namespace logpost::filters
