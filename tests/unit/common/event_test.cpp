#include "common/event.hpp"

#include "common/json.hpp"

#include <gtest/gtest.h>

using namespace logpost;

namespace {

FieldPath path(std::string_view ref) { return *FieldPath::parse(ref); }

TEST(FieldPathTest, ParsesBracketsAndBareNames) {
  EXPECT_EQ(path("[a][b]").segments(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(path("message").segments(), (std::vector<std::string>{"message"}));
  // A dot is part of a name, not a path separator (Logstash semantics).
  EXPECT_EQ(path("host.name").segments(), (std::vector<std::string>{"host.name"}));
  EXPECT_EQ(path("[@timestamp]").is_timestamp(), true);
  EXPECT_EQ(path("[a][b]").to_string(), "[a][b]");
}

TEST(FieldPathTest, RejectsMalformedReferences) {
  EXPECT_FALSE(FieldPath::parse(""));
  EXPECT_FALSE(FieldPath::parse("[a"));
  EXPECT_FALSE(FieldPath::parse("[a][]"));
  EXPECT_FALSE(FieldPath::parse("[a]b"));
}

TEST(EventTest, SetCreatesParentsAndFindFollowsThem) {
  Event e("hello");
  e.set(path("[source][geo][country_iso_code]"), Value("DE"));
  const Value* v = e.find(path("[source][geo][country_iso_code]"));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->as_string(), "DE");
  EXPECT_EQ(e.message(), "hello");
  EXPECT_EQ(e.find(path("[source][nope]")), nullptr);
  // A scalar in the way: find fails, set replaces it with an object.
  EXPECT_EQ(e.find(path("[message][x]")), nullptr);
  e.set(path("[message][x]"), Value(1));
  EXPECT_EQ(e.find(path("[message][x]"))->as_int(), 1);
}

TEST(EventTest, RemoveReportsWhetherTheFieldExisted) {
  Event e;
  e.set(path("[a][b]"), Value(1));
  EXPECT_TRUE(e.remove(path("[a][b]")));
  EXPECT_FALSE(e.remove(path("[a][b]")));
  EXPECT_FALSE(e.remove(path("[x][y]")));
  EXPECT_NE(e.find(path("[a]")), nullptr);
}

TEST(EventTest, TagsAreASetInInsertionOrder) {
  Event e;
  EXPECT_FALSE(e.has_tag("x"));
  e.add_tag("x");
  e.add_tag("y");
  e.add_tag("x");
  ASSERT_TRUE(e.fields().at("tags").is_array());
  EXPECT_EQ(e.fields().at("tags").as_array().size(), 2u);
  EXPECT_TRUE(e.has_tag("y"));
  EXPECT_TRUE(e.remove_tag("x"));
  EXPECT_FALSE(e.remove_tag("x"));
  EXPECT_FALSE(e.has_tag("x"));
}

TEST(EventTest, StringTagsFieldIsUpgradedToAnArray) {
  Event e;
  e.set("tags", Value("a"));
  EXPECT_TRUE(e.has_tag("a"));
  e.add_tag("b");
  EXPECT_EQ(e.fields().at("tags").as_array().size(), 2u);
}

TEST(TimestampTest, FormatsMillisecondsOrMicroseconds) {
  EXPECT_EQ(format_timestamp_us(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp_us(1'000'000'000'123'000), "2001-09-09T01:46:40.123Z");
  EXPECT_EQ(format_timestamp_us(1'000'000'000'123'456), "2001-09-09T01:46:40.123456Z");
  EXPECT_EQ(format_timestamp_us(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(TimestampTest, ParsesRfc3339WithOffsetsAndFractions) {
  EXPECT_EQ(*parse_timestamp_us("2001-09-09T01:46:40.123Z"), 1'000'000'000'123'000);
  EXPECT_EQ(*parse_timestamp_us("2001-09-09T03:46:40.123456+02:00"), 1'000'000'000'123'456);
  EXPECT_EQ(*parse_timestamp_us("2001-09-08T20:46:40-0500"), 1'000'000'000'000'000);
  EXPECT_FALSE(parse_timestamp_us("2001-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_timestamp_us("2001-09-09 01:46"));
  EXPECT_FALSE(parse_timestamp_us("2001-09-09T01:46:40"));  // no zone: ambiguous
}

TEST(TimestampTest, RoundTripsThroughFormatting) {
  for (int64_t us : {int64_t{0}, int64_t{1'700'000'000'000'001}, int64_t{951'782'400'000'000}, int64_t{-86'400'000'000}}) {
    auto back = parse_timestamp_us(format_timestamp_us(us));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, us);
  }
}

TEST(EventTest, SetKeepsSiblingOrderInParentsItCreated) {
  Event e("m");
  e.set(path("[source][ip]"), Value("203.0.113.7"));
  e.set(path("[source][address]"), Value("203.0.113.7"));
  e.set(path("[source][geo][city_name]"), Value("London"));
  e.set(path("[source][geo][country_iso_code]"), Value("GB"));
  e.set(path("[source][ip]"), Value("198.51.100.1"));  // replaced where it is
  e.set(path("[source][as][number]"), Value(64500));
  e.set(path("[source][as][organization][name]"), Value("Example"));
  EXPECT_EQ(to_json(e),
            R"({"message":"m","source":{"ip":"198.51.100.1","address":"203.0.113.7",)"
            R"("geo":{"city_name":"London","country_iso_code":"GB"},"as":{"number":64500,"organization":{"name":"Example"}}}})");
  // A scalar parent in the way is replaced by an object at its position.
  e.set(path("[message][text]"), Value("t"));
  EXPECT_EQ(to_json(e).substr(0, 30), R"({"message":{"text":"t"},"sourc)");
}

TEST(EventTest, AddTagMakesOrExtendsTheTagsArray) {
  Event fresh;
  fresh.set("a", Value(1));
  fresh.add_tag("_geoip_lookup_failure");
  fresh.add_tag("_geoip_lookup_failure");  // no duplicates
  fresh.add_tag("x");
  EXPECT_EQ(to_json(fresh), R"({"a":1,"tags":["_geoip_lookup_failure","x"]})");
  Event text_tag;
  text_tag.set("tags", Value("old"));
  text_tag.set("b", Value(2));
  text_tag.add_tag("new");
  EXPECT_EQ(to_json(text_tag), R"({"tags":["old","new"],"b":2})");
  Event null_tags;
  null_tags.set("tags", Value());
  null_tags.add_tag("t");
  EXPECT_EQ(to_json(null_tags), R"({"tags":["t"]})");
  Event number_tags;
  number_tags.set("tags", Value(5));
  number_tags.add_tag("t");
  EXPECT_EQ(to_json(number_tags), R"({"tags":["t"]})");
  EXPECT_TRUE(number_tags.has_tag("t"));
}

TEST(EventTest, SlotGivesTheFieldToFillInPlace) {
  Event e("m");
  e.slot(path("[source][ip]")).assign_string("203.0.113.7");  // parents made
  EXPECT_EQ(to_json(e), R"({"message":"m","source":{"ip":"203.0.113.7"}})");
  Value& existing = e.slot(path("[source][ip]"));  // an existing field: itself, unchanged
  EXPECT_EQ(existing.as_string(), "203.0.113.7");
  existing.assign_int(5);
  EXPECT_EQ(e.slot(path("[source][new]")).is_null(), true);  // absent: a null member
  e.slot(path("[message][x]")).assign_int(1);                // a scalar parent is replaced
  EXPECT_EQ(to_json(e), R"({"message":{"x":1},"source":{"ip":5,"new":null}})");
}

TEST(EventTest, ParentOfMakesParentsLikeSlot) {
  Event e("m");
  Object& geo = e.parent_of(path("[source][geo][city_name]"));
  EXPECT_TRUE(geo.empty());
  geo.add_absent("city_name", Value("London"));
  EXPECT_EQ(&e.parent_of(path("[source][geo][country_name]")), &geo);  // the same object, found
  EXPECT_EQ(&e.parent_of(path("message")), &e.fields());              // top level
  e.parent_of(path("[message][x]")).add_absent("x", Value(1));        // a scalar parent is replaced
  EXPECT_EQ(to_json(e), R"({"message":{"x":1},"source":{"geo":{"city_name":"London"}}})");
}

}  // namespace
