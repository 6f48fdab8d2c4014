// kv: separators, quoting, trimming, include/exclude, duplicates, targets.
#include <gtest/gtest.h>

#include "filter_test_util.hpp"

namespace logpost::filters {
namespace {

using test::build_error;
using test::run_one;

TEST(Kv, DefaultsSpaceAndEquals) {
  EXPECT_EQ(run_one("kv { }", R"({"message":"a=1 b=two  c=3 novalue d=\"quoted value\" e='single q'"})"),
            R"({"message":"a=1 b=two  c=3 novalue d=\"quoted value\" e='single q'","a":"1","b":"two","c":"3","d":"quoted value","e":"single q"})");
}

TEST(Kv, QueryStringWithTargetAndFieldSplitSet) {
  EXPECT_EQ(run_one(R"(kv { source => "[url][query]" field_split => "&?" target => "params" })",
                    R"({"url":{"query":"?id=5&name=x&&flag&z=9"}})"),
            R"({"url":{"query":"?id=5&name=x&&flag&z=9"},"params":{"id":"5","name":"x","z":"9"}})");
}

TEST(Kv, BracketsKeepSpacesUnlessDisabled) {
  EXPECT_EQ(run_one("kv { }", R"({"message":"a=(x y) b=[1 2] c=<p q>"})"),
            R"({"message":"a=(x y) b=[1 2] c=<p q>","a":"x y","b":"1 2","c":"p q"})");
  EXPECT_EQ(run_one("kv { include_brackets => false }", R"({"message":"a=(x y) b=2"})"),
            R"({"message":"a=(x y) b=2","a":"(x","b":"2"})");
}

TEST(Kv, LenientWhitespaceAroundSeparator) {
  EXPECT_EQ(run_one("kv { }", R"({"message":"a = 1 b =2 c= 3"})"),
            R"({"message":"a = 1 b =2 c= 3","a":"1","b":"2","c":"3"})");
  EXPECT_EQ(run_one(R"(kv { whitespace => "strict" })", R"({"message":"a = 1 b=2"})"),
            R"({"message":"a = 1 b=2","b":"2"})");
}

TEST(Kv, TrimRemoveTransformPrefix) {
  EXPECT_EQ(run_one(R"(kv { field_split => "," value_split => ":" trim_key => " <" trim_value => " >"
                           remove_char_key => "-" remove_char_value => "\"" transform_key => "lowercase"
                           transform_value => "uppercase" prefix => "kv_" })",
                    R"({"message":" <User-Name: \"bob\">, Host : db1 "})"),
            R"({"message":" <User-Name: \"bob\">, Host : db1 ","kv_username":"BOB","kv_host":"DB1"})");
}

TEST(Kv, IncludeExcludeAndDefaults) {
  EXPECT_EQ(run_one(R"(kv { include_keys => ["a", "b"] exclude_keys => "b" default_keys => { "a" => "0" "z" => "none" } })",
                    R"({"message":"a=1 b=2 c=3"})"),
            R"({"message":"a=1 b=2 c=3","a":"1","z":"none"})");
}

TEST(Kv, DuplicatesBecomeArrays) {
  EXPECT_EQ(run_one("kv { }", R"({"message":"a=1 a=2 a=1"})"), R"({"message":"a=1 a=2 a=1","a":["1","2","1"]})");
  EXPECT_EQ(run_one("kv { allow_duplicate_values => false }", R"({"message":"a=1 a=2 a=1"})"),
            R"({"message":"a=1 a=2 a=1","a":["1","2"]})");
}

TEST(Kv, EmptyValuesOnlyWhenAllowed) {
  EXPECT_EQ(run_one("kv { }", R"({"message":"a= b=2"})"), R"({"message":"a= b=2","a":"b=2"})");
  EXPECT_EQ(run_one(R"(kv { field_split => "&" allow_empty_values => true })", R"({"message":"a=&b=2"})"),
            R"({"message":"a=&b=2","a":"","b":"2"})");
  EXPECT_EQ(run_one(R"(kv { field_split => "&" })", R"({"message":"a=&b=2"})"), R"({"message":"a=&b=2","b":"2"})");
}

TEST(Kv, Patterns) {
  EXPECT_EQ(run_one(R"(kv { field_split_pattern => "\|\|" value_split_pattern => ":=" })",
                    R"({"message":"a:=1||b:=x y||||c:=3"})"),
            R"({"message":"a:=1||b:=x y||||c:=3","a":"1","b":"x y","c":"3"})");
}

TEST(Kv, Recursive) {
  EXPECT_EQ(run_one("kv { recursive => true }", R"({"message":"outer=[in1=a in2=b] plain=c"})"),
            R"({"message":"outer=[in1=a in2=b] plain=c","outer":{"in1":"a","in2":"b"},"plain":"c"})");
}

TEST(Kv, KeysAreLiteralNamesNotReferences) {
  EXPECT_EQ(run_one("kv { }", R"({"message":"[a][b]=1"})"), R"({"message":"[a][b]=1","[a][b]":"1"})");
}

TEST(Kv, MissingOrNonStringSourceFailsWithoutTouchingTheEvent) {
  EXPECT_EQ(run_one(R"(kv { add_tag => "kv" })", R"({"other":1})"), R"({"other":1})");
  EXPECT_EQ(run_one(R"(kv { add_tag => "kv" })", R"({"message":5})"), R"({"message":5})");
  EXPECT_EQ(run_one(R"(kv { add_tag => "kv" })", R"({"message":"nothing here"})"),
            R"({"message":"nothing here","tags":["kv"]})");
}

TEST(Kv, ConfigErrors) {
  std::string m = build_error(R"(kv { field_split => "" transform_key => "reverse" field_split_pattern => "(" whitespace => "loose" })");
  for (const char* expected : {"field_split: must not be empty", "transform_key: expected lowercase",
                               "field_split_pattern: invalid regular expression", "whitespace: expected lenient or strict"})
    EXPECT_NE(m.find(expected), std::string::npos) << expected << " not in\n" << m;
}

}  // namespace
}  // namespace logpost::filters
