// dissect: delimiters, skip/append/indirect/padding, all-or-nothing failure.
#include <gtest/gtest.h>

#include "filter_test_util.hpp"

namespace logpost::filters {
namespace {

using test::build_error;
using test::run_one;

TEST(Dissect, SplitsOnLiteralDelimitersLastFieldTakesTheRest) {
  EXPECT_EQ(run_one(R"(dissect { mapping => { "message" => "%{ts} [%{level}] %{msg}" } })",
                    R"({"message":"10:00 [warn] disk is full: 99%"})"),
            R"({"message":"10:00 [warn] disk is full: 99%","ts":"10:00","level":"warn","msg":"disk is full: 99%"})");
}

TEST(Dissect, PrefixSkipNestedAndEmptyValues) {
  EXPECT_EQ(run_one(R"(dissect { mapping => { "message" => "<%{?pri}>%{} %{[proc][name]}:%{[proc][pid]}|%{empty}|" } })",
                    R"({"message":"<13>Jan host sshd:42||"})"),
            R"({"message":"<13>Jan host sshd:42||","proc":{"name":"host sshd","pid":"42"},"empty":""})");
}

TEST(Dissect, PaddingSkipsRepeatedDelimiters) {
  EXPECT_EQ(run_one(R"(dissect { mapping => { "message" => "%{a->} %{b} %{c}" } })", R"({"message":"x     y z"})"),
            R"({"message":"x     y z","a":"x","b":"y","c":"z"})");
}

TEST(Dissect, AppendInOrderWithSeparator) {
  EXPECT_EQ(run_one(R"(dissect { mapping => { "message" => "%{+t/2} %{+t/1} %{t} %{x}" } append_separator => "-" })",
                    R"({"message":"b a first rest"})"),
            R"({"message":"b a first rest","t":"first-a-b","x":"rest"})");
}

TEST(Dissect, IndirectFieldNames) {
  EXPECT_EQ(run_one(R"(dissect { mapping => { "message" => "%{*k}=%{&k}" } })", R"({"message":"user=bob"})"),
            R"({"message":"user=bob","user":"bob"})");
}

TEST(Dissect, ConvertDatatype) {
  EXPECT_EQ(run_one(R"(dissect { mapping => { "message" => "%{n} %{f} %{s}" } convert_datatype => { "n" => "int" "f" => "float" "s" => "int" } })",
                    R"({"message":"42 1.5 abc"})"),
            R"({"message":"42 1.5 abc","n":42,"f":1.5,"s":"abc"})");
}

TEST(Dissect, MissingDelimiterSetsNothingAndTags) {
  EXPECT_EQ(run_one(R"(dissect { mapping => { "message" => "%{a} - %{b}" } add_tag => "ok" })", R"({"message":"no dash here"})"),
            R"({"message":"no dash here","tags":["_dissectfailure"]})");
  EXPECT_EQ(run_one(R"(dissect { mapping => { "message" => "[%{a}]" } tag_on_failure => "custom" })", R"({"message":"x"})"),
            R"({"message":"x","tags":["custom"]})");
  EXPECT_EQ(run_one(R"(dissect { mapping => { "absent" => "%{a}" } })", R"({"message":"x"})"),
            R"({"message":"x","tags":["_dissectfailure"]})");
}

TEST(Dissect, OverwritingTheSourceField) {
  EXPECT_EQ(run_one(R"(dissect { mapping => { "message" => "%{head}: %{message}" } })", R"({"message":"k: rest of it"})"),
            R"({"message":"rest of it","head":"k"})");
}

TEST(Dissect, ConfigErrors) {
  EXPECT_NE(build_error("dissect { }").find("mapping: required"), std::string::npos);
  EXPECT_NE(build_error(R"(dissect { mapping => { "message" => "%{a}%{b}" } })").find("no delimiter"), std::string::npos);
  EXPECT_NE(build_error(R"(dissect { mapping => { "message" => "%{a" } })").find("unterminated"), std::string::npos);
  EXPECT_NE(build_error(R"(dissect { mapping => { "message" => "no fields" } })").find("has no %{field}"), std::string::npos);
  EXPECT_NE(build_error(R"(dissect { mapping => { "message" => "%{a}" } convert_datatype => { "a" => "date" } })")
                .find("unknown type 'date'"),
            std::string::npos);
}

}  // namespace
}  // namespace logpost::filters
