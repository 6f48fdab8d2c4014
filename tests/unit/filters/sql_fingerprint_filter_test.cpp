// Tests of the sql_fingerprint filter: options, fields, failures. The
// fingerprint rules themselves are tested in sql_fingerprint_test.cpp; the
// expected values here come from pt-query-digest 3.2.1.
#include "filters/sql_fingerprint_filter.hpp"

#include <gtest/gtest.h>

namespace logpost::filters {
namespace {

OptionValue text(std::string s) {
  OptionValue v;
  v.string = std::move(s);
  return v;
}

Result<std::unique_ptr<Filter>> build(std::vector<std::pair<std::string, OptionValue>> options = {}) {
  PluginBlock block;
  block.name = "sql_fingerprint";
  block.where = {"<test>", 3, 5};
  block.options = std::move(options);
  return make_sql_fingerprint_filter(block, BuildContext{});
}

const Value* at(const Event& e, std::string_view ref) { return e.find(FieldPath::parse(ref).value()); }

TEST(SqlFingerprintFilter, DefaultsReadTheSlowLogQuery) {
  auto filter = build();
  ASSERT_TRUE(filter) << filter.error().message;
  Event e;
  e.set(FieldPath::parse("[mysql][slowlog][query]").value(), Value("SELECT * FROM orders WHERE id = 42"));
  EXPECT_EQ((*filter)->process(e), FilterOutcome::success);
  EXPECT_EQ(at(e, "[mysql][slowlog][query_fingerprint]")->as_string(), "select * from orders where id = ?");
  EXPECT_EQ(at(e, "[mysql][slowlog][query_digest]")->as_string(), "9C05EA5686390AEB296E90D8F864A512");
  // The query itself is left alone.
  EXPECT_EQ(at(e, "[mysql][slowlog][query]")->as_string(), "SELECT * FROM orders WHERE id = 42");
}

TEST(SqlFingerprintFilter, SameClassSameDigestAcrossEvents) {
  auto filter = build();
  ASSERT_TRUE(filter);
  std::vector<std::string> digests;
  for (const char* q : {"select * from orders where id=42", "SELECT * FROM t LIMIT 10", "select * from orders where id=7",
                        "SELECT * FROM t LIMIT 5, 10"}) {
    Event e;
    e.set(FieldPath::parse("[mysql][slowlog][query]").value(), Value(q));
    ASSERT_EQ((*filter)->process(e), FilterOutcome::success);
    digests.push_back(at(e, "[mysql][slowlog][query_digest]")->as_string());
  }
  EXPECT_EQ(digests[0], "81CF91BA4C2E30D9ABC4F28B7E1013A7");
  EXPECT_EQ(digests[2], digests[0]);
  EXPECT_EQ(digests[1], "753C37E76A107EB7B71696DAF8BE14DB");
  EXPECT_EQ(digests[3], digests[1]);
}

TEST(SqlFingerprintFilter, CustomFields) {
  auto filter = build({{"source", text("statement")},
                       {"target", text("[sql][class]")},
                       {"checksum_target", text("[sql][id]")}});
  ASSERT_TRUE(filter) << filter.error().message;
  Event e;
  e.set("statement", Value("CALL update_stats(1, 'x')"));
  EXPECT_EQ((*filter)->process(e), FilterOutcome::success);
  EXPECT_EQ(at(e, "[sql][class]")->as_string(), "call update_stats");
  EXPECT_EQ(at(e, "[sql][id]")->as_string(), "A324AFD76563C159FDE7F26D2AA72CDE");
  EXPECT_EQ(at(e, "[mysql]"), nullptr);
}

TEST(SqlFingerprintFilter, MissingOrNonStringSourceFailsWithTag) {
  auto filter = build({{"tag_on_failure", text("_no_sql")}});
  ASSERT_TRUE(filter);
  Event missing("no query here");
  EXPECT_EQ((*filter)->process(missing), FilterOutcome::failure);
  EXPECT_TRUE(missing.has_tag("_no_sql"));
  EXPECT_EQ(at(missing, "[mysql][slowlog][query_digest]"), nullptr);

  auto defaults = build();
  ASSERT_TRUE(defaults);
  Event number;
  number.set(FieldPath::parse("[mysql][slowlog][query]").value(), Value(int64_t{5}));
  EXPECT_EQ((*defaults)->process(number), FilterOutcome::failure);
  EXPECT_TRUE(number.has_tag("_sqlfingerprintfailure"));
}

TEST(SqlFingerprintFilter, BuildErrorsAreReportedTogether) {
  auto filter = build({{"target", text("[a")}, {"fingerprint_field", text("x")}});
  ASSERT_FALSE(filter);
  EXPECT_EQ(filter.error().code, ErrorCode::config);
  EXPECT_NE(filter.error().message.find("target"), std::string::npos) << filter.error().message;
  EXPECT_NE(filter.error().message.find("fingerprint_field"), std::string::npos) << filter.error().message;
}

}  // namespace
}  // namespace logpost::filters
