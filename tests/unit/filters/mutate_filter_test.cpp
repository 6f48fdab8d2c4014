// mutate: every operation, Logstash's order of operations, failures.
#include <gtest/gtest.h>

#include "filter_test_util.hpp"

namespace logpost::filters {
namespace {

using test::build_error;
using test::run_one;

TEST(Mutate, RenameMovesNestedAndMissingIsNoop) {
  EXPECT_EQ(run_one(R"(mutate { rename => { "a" => "[x][y]" "missing" => "z" } })", R"({"a":1,"b":2})"),
            R"({"b":2,"x":{"y":1}})");
}

TEST(Mutate, ReplaceCreatesUpdateOnlyExisting) {
  EXPECT_EQ(run_one(R"(mutate { replace => { "r" => "%{v}-r" } update => { "u" => "%{v}-u" "nope" => "x" } })",
                    R"({"v":"V","u":"old"})"),
            R"({"v":"V","u":"V-u","r":"V-r"})");
}

TEST(Mutate, ConvertTypes) {
  EXPECT_EQ(run_one(R"(mutate { convert => {
      "i" => "integer" "i2" => "integer" "ieu" => "integer_eu" "f" => "float" "feu" => "float_eu"
      "s" => "string" "b1" => "boolean" "b2" => "boolean" "arr" => "integer" "fi" => "integer" "t" => "integer"
    } })",
                    R"({"i":" 1,234 ","i2":"3.9","ieu":"1.234","f":"2.5","feu":"2,5","s":12,"b1":"Yes","b2":0,
                       "arr":["1","2"],"fi":7.8,"t":true})"),
            R"({"i":1234,"i2":3,"ieu":1234,"f":2.5,"feu":2.5,"s":"12","b1":true,"b2":false,"arr":[1,2],"fi":7,"t":1})");
}

TEST(Mutate, UnconvertibleValueIsKeptAndTagged) {
  EXPECT_EQ(run_one(R"(mutate { convert => { "bytes" => "integer" "ok" => "integer" } add_tag => "converted" })",
                    R"({"bytes":"-","ok":"5"})"),
            R"({"bytes":"-","ok":5,"tags":["_mutate_error"]})");
  EXPECT_EQ(run_one(R"(mutate { convert => { "b" => "boolean" } tag_on_failure => ["bad_bool"] })", R"({"b":"maybe"})"),
            R"({"b":"maybe","tags":["bad_bool"]})");
}

TEST(Mutate, GsubWithBackreferencesOnStringsAndArrays) {
  EXPECT_EQ(run_one(R"(mutate { gsub => [ "path", "/+", "/", "ip", "(\d+)\.(\d+)$", "\2.\1", "list", "a", "A" ] })",
                    R"({"path":"//a///b","ip":"10.0.1.2","list":["aa","ba",3]})"),
            R"({"path":"/a/b","ip":"10.0.2.1","list":["AA","bA",3]})");
}

TEST(Mutate, CaseAndStrip) {
  EXPECT_EQ(run_one(R"(mutate { uppercase => ["u"] lowercase => ["l"] capitalize => ["c"] strip => ["s", "arr"] })",
                    R"({"u":"abc-é","l":"ABC","c":"hELLO world","s":"  x y \t","arr":[" a ","b "]})"),
            R"({"u":"ABC-é","l":"abc","c":"Hello world","s":"x y","arr":["a","b"]})");
}

TEST(Mutate, SplitAndJoin) {
  EXPECT_EQ(run_one(R"(mutate { split => { "csv" => "," "ws" => " " "already" => "," } })",
                    R"({"csv":"a,b,,c,,","ws":"  a  b c ","already":["x"]})"),
            R"({"csv":["a","b","","c"],"ws":["a","b","c"],"already":["x"]})");
  EXPECT_EQ(run_one(R"(mutate { join => { "arr" => "|" "str" => "|" } })", R"({"arr":["a",1,true],"str":"s"})"),
            R"({"arr":"a|1|true","str":"s"})");
}

TEST(Mutate, MergeArraysScalarsAndHashes) {
  EXPECT_EQ(run_one(R"(mutate { merge => { "d1" => "a1" "d2" => "s" "h1" => "h2" "new" => "s" "h1" => "s" } })",
                    R"({"d1":["x"],"a1":["y","z"],"d2":"p","s":"q","h1":{"k":1},"h2":{"m":2}})"),
            R"({"d1":["x","y","z"],"a1":["y","z"],"d2":["p","q"],"s":"q","h1":{"k":1,"m":2},"h2":{"m":2},"new":["q"]})");
}

TEST(Mutate, CopyIsDeepAndOverwrites) {
  EXPECT_EQ(run_one(R"(mutate { copy => { "src" => "dst" "missing" => "other" } })",
                    R"({"src":{"a":[1]},"dst":"old"})"),
            R"({"src":{"a":[1]},"dst":{"a":[1]}})");
}

// Copies within one object (the access pipelines' [source][ip] =>
// [source][address]) find that object once; absent or non-object parents,
// overwriting in place and copying a field onto itself behave as any copy.
TEST(Mutate, CopyBetweenSiblings) {
  const char* filter = R"(mutate { copy => { "[s][ip]" => "[s][address]" } })";
  EXPECT_EQ(run_one(filter, R"({"s":{"ip":"203.0.113.7"}})"), R"({"s":{"ip":"203.0.113.7","address":"203.0.113.7"}})");
  EXPECT_EQ(run_one(filter, R"({"s":{"address":"old","ip":{"v":[1,2]},"z":0}})"),
            R"({"s":{"address":{"v":[1,2]},"ip":{"v":[1,2]},"z":0}})");
  EXPECT_EQ(run_one(filter, R"({"s":{"other":1}})"), R"({"s":{"other":1}})");  // source absent
  EXPECT_EQ(run_one(filter, R"({"t":1})"), R"({"t":1})");                      // parent absent
  EXPECT_EQ(run_one(filter, R"({"s":"text"})"), R"({"s":"text"})");            // parent not an object
  EXPECT_EQ(run_one(R"(mutate { copy => { "[s][ip]" => "[s][ip]" } })", R"({"s":{"ip":"x","y":1}})"),
            R"({"s":{"ip":"x","y":1}})");
  // Deeper siblings and different parents still copy (the latter by paths).
  EXPECT_EQ(run_one(R"(mutate { copy => { "[a][b][c]" => "[a][b][d]" "[a][b][c]" => "[x][c]" } })",
                    R"({"a":{"b":{"c":"v"}}})"),
            R"({"a":{"b":{"c":"v","d":"v"}},"x":{"c":"v"}})");
  // @timestamp as a source or destination is not a field: the general path.
  EXPECT_EQ(run_one(R"(mutate { copy => { "@timestamp" => "ts" } })", R"({"@timestamp":"2024-05-01T12:00:00.000Z"})"),
            R"({"@timestamp":"2024-05-01T12:00:00.000Z","ts":"2024-05-01T12:00:00.000Z"})");
}

TEST(Mutate, CoerceSetsNullFieldsOnly) {
  EXPECT_EQ(run_one(R"(mutate { coerce => { "n" => "default" "set" => "default" "missing" => "default" } })",
                    R"({"n":null,"set":"v"})"),
            R"({"n":"default","set":"v"})");
}

TEST(Mutate, LogstashOrderOfOperationsRegardlessOfFileOrder) {
  // Written in reverse; runs coerce, rename, update, replace, convert, gsub,
  // uppercase, lowercase, strip, split, join, merge, copy.
  EXPECT_EQ(run_one(R"(mutate {
      copy => { "list" => "list_copy" }
      join => { "list" => "+" }
      split => { "csv" => "," }
      uppercase => ["csv"]
      gsub => ["csv", "-", ","]
      convert => { "n" => "integer" }
      replace => { "n" => "%{num}" }
      rename => { "raw" => "csv" }
    })",
                    R"({"raw":"a-b","num":"7","list":["x","y"]})"),
            R"({"num":"7","list":"x+y","csv":["A","B"],"n":7,"list_copy":"x+y"})");
}

TEST(Mutate, RenameIntoTimestamp) {
  // RFC 3339 text becomes the timestamp; anything else stays where it was.
  EXPECT_EQ(run_one(R"(mutate { rename => { "t" => "@timestamp" } })", R"({"t":"2024-05-01T12:00:00Z"})"),
            R"({"@timestamp":"2024-05-01T12:00:00.000Z"})");
  EXPECT_EQ(run_one(R"(mutate { rename => { "t" => "@timestamp" } })", R"({"t":"yesterday"})"), R"({"t":"yesterday"})");
}

TEST(Mutate, ConfigErrors) {
  std::string m = build_error(R"(mutate {
    convert => { "a" => "complex" }
    gsub => ["only", "two"]
    rename => { "[bad" => "x" }
    gsub => ["f", "(", "x"]
    nonsense => 1
  })");
  for (const char* expected : {"unknown type 'complex'", "groups of three", "'[bad'", "unknown option 'nonsense'"})
    EXPECT_NE(m.find(expected), std::string::npos) << expected << " not in\n" << m;
  EXPECT_NE(build_error(R"(mutate { gsub => ["f", "(", "x"] })").find("invalid regular expression"), std::string::npos);
  EXPECT_NE(build_error(R"cfg(mutate { gsub => ["f", "(a)", "\2"] })cfg").find("replacement"), std::string::npos);
}

}  // namespace
}  // namespace logpost::filters
