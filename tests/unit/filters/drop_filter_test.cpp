// drop: removes events; percentage samples.
#include <gtest/gtest.h>

#include "filter_test_util.hpp"

namespace logpost::filters {
namespace {

using test::build_error;
using test::build_pipeline;
using test::run_json;

TEST(Drop, DropsEverythingByDefaultAndSkipsCommonOptions) {
  EXPECT_TRUE(run_json(R"(drop { add_tag => "never" })", {R"({"a":1})", R"({"a":2})"}).empty());
}

TEST(Drop, PercentageZeroKeepsAll) {
  EXPECT_EQ(run_json("drop { percentage => 0 }", {R"({"a":1})", R"({"a":2})"}).size(), 2u);
}

TEST(Drop, PercentageSamplesRoughly) {
  auto p = build_pipeline("drop { percentage => 25 }");
  ASSERT_TRUE(p) << p.error().message;
  std::vector<Event> out;
  for (int i = 0; i < 20000; ++i) p->process(Event("x"), out);
  // 25% of 20000 = 5000 dropped; 6 standard deviations is about ±370.
  EXPECT_GT(p->events_dropped(), 4600u);
  EXPECT_LT(p->events_dropped(), 5400u);
  EXPECT_EQ(out.size() + p->events_dropped(), 20000u);
}

TEST(Drop, ConfigErrors) {
  EXPECT_NE(build_error("drop { percentage => 101 }").find("between 0 and 100"), std::string::npos);
  EXPECT_NE(build_error("drop { percentage => \"half\" }").find("expected a number"), std::string::npos);
  EXPECT_NE(build_error("drop { what => 1 }").find("unknown option 'what'"), std::string::npos);
}

}  // namespace
}  // namespace logpost::filters
