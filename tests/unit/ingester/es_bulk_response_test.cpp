// Tests of the bulk response classifier on canned bodies (data/es/ and the
// derived fixture in ../shared when present).
#include "ingester/es_bulk_response.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace logpost::ingester {
namespace {

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string canned(std::string_view name) {
  auto file = std::filesystem::path(LOGPOST_SOURCE_DIR) / "tests/unit/ingester/data/es" / name;
  EXPECT_TRUE(std::filesystem::exists(file)) << file;
  return slurp(file);
}

std::vector<std::string_view> ids(std::initializer_list<std::string_view> list) { return list; }

TEST(EsBulkResponse, AllCreatedIsAllDelivered) {
  auto r = classify_bulk_response(200, canned("all-created.json"), ids({"e1", "e2"}));
  ASSERT_EQ(r.verdict, BulkVerdict::processed) << r.reason;
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].status, ItemStatus::delivered);
  EXPECT_EQ(r.items[1].status, ItemStatus::delivered);
  EXPECT_EQ(r.counts.created, 2u);
}

TEST(EsBulkResponse, EveryItemIsClassifiedOnItsOwn) {
  auto r = classify_bulk_response(200, canned("mixed-statuses.json"), ids({"m1", "m2", "m3", "m4", "m5", "m6"}));
  ASSERT_EQ(r.verdict, BulkVerdict::processed) << r.reason;
  ASSERT_EQ(r.items.size(), 6u);
  EXPECT_EQ(r.items[0].status, ItemStatus::delivered);  // 201
  EXPECT_EQ(r.items[1].status, ItemStatus::retry);      // 503
  EXPECT_NE(r.items[1].reason.find("unavailable_shards_exception"), std::string::npos);
  EXPECT_EQ(r.items[2].status, ItemStatus::rejected);   // 404
  EXPECT_NE(r.items[2].reason.find("404 index_not_found_exception: no such index"), std::string::npos);
  EXPECT_EQ(r.items[3].status, ItemStatus::rejected);   // 400 mapping
  EXPECT_NE(r.items[3].reason.find("source.geo.location"), std::string::npos);
  EXPECT_NE(r.items[3].reason.find("caused by parse_exception"), std::string::npos);
  EXPECT_EQ(r.items[4].status, ItemStatus::delivered);  // 409 on create: already there
  EXPECT_EQ(r.items[5].status, ItemStatus::retry);      // 429
  EXPECT_EQ(r.counts.created, 1u);
  EXPECT_EQ(r.counts.conflicts, 1u);
  EXPECT_EQ(r.counts.retry, 2u);
  EXPECT_EQ(r.counts.rejected, 2u);
}

TEST(EsBulkResponse, DerivedPartialFailureFixture) {
  auto file = std::filesystem::path(LOGPOST_SHARED_DIR) / "corpus/es-contract/derived/bulk-response-partial-failure.json";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "no " << file;
  auto r = classify_bulk_response(200, slurp(file), ids({"a1", "a2", "a3", "a4"}));
  ASSERT_EQ(r.verdict, BulkVerdict::processed) << r.reason;
  ASSERT_EQ(r.items.size(), 4u);
  EXPECT_EQ(r.items[0].status, ItemStatus::delivered);
  EXPECT_EQ(r.items[1].status, ItemStatus::delivered);
  EXPECT_EQ(r.items[2].status, ItemStatus::retry);
  EXPECT_NE(r.items[2].reason.find("es_rejected_execution_exception"), std::string::npos);
  EXPECT_EQ(r.items[3].status, ItemStatus::rejected);
  EXPECT_NE(r.items[3].reason.find("mysql.slowlog.rows_sent"), std::string::npos);
  EXPECT_NE(r.items[3].reason.find("For input string"), std::string::npos);
}

TEST(EsBulkResponse, AnswersThatDoNotMatchTheRequestAreRetriedWhole) {
  // A body cut by a proxy: nothing can be trusted.
  auto truncated = classify_bulk_response(200, canned("truncated.json"), ids({"t1", "t2"}));
  EXPECT_EQ(truncated.verdict, BulkVerdict::retry);
  EXPECT_TRUE(truncated.items.empty());
  // Fewer items than sent.
  auto short_answer = classify_bulk_response(200, canned("all-created.json"), ids({"e1", "e2", "e3"}));
  EXPECT_EQ(short_answer.verdict, BulkVerdict::retry);
  EXPECT_NE(short_answer.reason.find("2 items for 3 sent"), std::string::npos);
  // Items for other ids (out of order).
  auto swapped = classify_bulk_response(200, canned("all-created.json"), ids({"e2", "e1"}));
  EXPECT_EQ(swapped.verdict, BulkVerdict::retry);
  // Not a bulk answer at all.
  EXPECT_EQ(classify_bulk_response(200, R"({"acknowledged":true})", ids({"x"})).verdict, BulkVerdict::retry);
  EXPECT_EQ(classify_bulk_response(200, R"({"items":[{"create":{"_id":"x"}}]})", ids({"x"})).verdict,
            BulkVerdict::retry);  // no status
  EXPECT_EQ(classify_bulk_response(200, "<html>", ids({"x"})).verdict, BulkVerdict::retry);
}

TEST(EsBulkResponse, RequestLevelStatuses) {
  struct Case {
    long status;
    BulkVerdict verdict;
  };
  const Case cases[] = {
      {413, BulkVerdict::too_large},    {401, BulkVerdict::unauthorized}, {403, BulkVerdict::unauthorized},
      {429, BulkVerdict::retry},        {408, BulkVerdict::retry},        {500, BulkVerdict::retry},
      {502, BulkVerdict::retry},        {503, BulkVerdict::retry},        {504, BulkVerdict::retry},
      {400, BulkVerdict::bad_request},  {404, BulkVerdict::misconfigured}, {405, BulkVerdict::misconfigured},
      {301, BulkVerdict::misconfigured}, {302, BulkVerdict::misconfigured},
  };
  for (const auto& c : cases) {
    auto r = classify_bulk_response(c.status, "", ids({"x"}));
    EXPECT_EQ(r.verdict, c.verdict) << c.status << " -> " << bulk_verdict_name(r.verdict);
    EXPECT_TRUE(r.items.empty());
    EXPECT_NE(r.reason.find(std::to_string(c.status)), std::string::npos);
  }
}

TEST(EsBulkResponse, RequestErrorsCarryElasticsearchsWords) {
  auto unauthorized = classify_bulk_response(401, canned("error-401.json"), ids({"x"}));
  EXPECT_NE(unauthorized.reason.find("security_exception: unable to authenticate user [logpost]"), std::string::npos);
  auto busy = classify_bulk_response(429, canned("error-429.json"), ids({"x"}));
  EXPECT_EQ(busy.verdict, BulkVerdict::retry);
  EXPECT_NE(busy.reason.find("es_rejected_execution_exception"), std::string::npos);
  auto malformed = classify_bulk_response(400, canned("error-400-malformed.json"), ids({"x"}));
  EXPECT_NE(malformed.reason.find("Malformed action/metadata line [3]"), std::string::npos);
  // Not JSON: the start of the body, control characters flattened.
  EXPECT_EQ(summarize_es_error("<html>\n<h1>502 Bad Gateway</h1>"), "<html> <h1>502 Bad Gateway</h1>");
  EXPECT_EQ(summarize_es_error(""), "(empty body)");
}

TEST(EsBulkResponse, ItemWithoutErrorObjectStillHasAReason) {
  auto r = classify_bulk_response(200, R"({"errors":true,"items":[{"create":{"_id":"a","status":400}}]})", ids({"a"}));
  ASSERT_EQ(r.verdict, BulkVerdict::processed);
  EXPECT_EQ(r.items[0].status, ItemStatus::rejected);
  EXPECT_EQ(r.items[0].reason, "400 no error details");
}

}  // namespace
}  // namespace logpost::ingester
