#include "shipper/spool.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace logpost::shipper {
namespace {

TEST(Spool, OutgoingIsOldestFirstAndPartsInOrder) {
  test::TempDir dir;
  auto spool = Spool::open(dir.path() / "spool");
  ASSERT_TRUE(spool.has_value()) << spool.error().message;
  // Enqueue out of order; names encode creation time then part.
  ASSERT_TRUE(spool->enqueue(Spool::outgoing_name(2000, "bbbb", 1), "m3"));
  ASSERT_TRUE(spool->enqueue(Spool::outgoing_name(1000, "aaaa", 2), "m2"));
  ASSERT_TRUE(spool->enqueue(Spool::outgoing_name(1000, "aaaa", 10), "m2b"));
  ASSERT_TRUE(spool->enqueue(Spool::outgoing_name(999, "zzzz", 1), "m1"));
  test::write_file(spool->outgoing_dir() / ".tmp-something", "not a mail");
  auto list = spool->outgoing();
  ASSERT_TRUE(list.has_value());
  std::vector<std::string> contents;
  for (const auto& p : *list) contents.push_back(test::read_file(p));
  EXPECT_EQ(contents, (std::vector<std::string>{"m1", "m2", "m2b", "m3"}));
}

TEST(Spool, DeliveredRemovesRejectedMovesWithReason) {
  test::TempDir dir;
  auto spool = Spool::open(dir.path());
  ASSERT_TRUE(spool.has_value());
  auto a = spool->enqueue(Spool::outgoing_name(1, "aa", 1), "mail a");
  auto b = spool->enqueue(Spool::outgoing_name(1, "aa", 2), "mail b");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(spool->delivered(*a));
  auto moved = spool->rejected(*b, "552 5.3.4 Message size exceeds fixed limit");
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  EXPECT_EQ(spool->outgoing()->size(), 0u);
  EXPECT_EQ(test::read_file(*moved), "mail b");
  auto reason = *moved;
  reason.replace_extension(".reason");
  EXPECT_EQ(test::read_file(reason), "552 5.3.4 Message size exceeds fixed limit\n");
}

TEST(Spool, StagingIsFreshAndDiscardable) {
  test::TempDir dir;
  auto spool = Spool::open(dir.path());
  ASSERT_TRUE(spool.has_value());
  ASSERT_TRUE(spool->begin_staging("s1"));
  auto p = spool->stage_part("s1", 1, "gz");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->filename(), "part-000001.gz");
  // A new attempt at the same shipment starts from nothing.
  ASSERT_TRUE(spool->begin_staging("s1"));
  EXPECT_FALSE(std::filesystem::exists(*p));
  ASSERT_TRUE(spool->discard_staging("s1"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "staging" / "s1"));
}

TEST(Spool, LockIsExclusive) {
  test::TempDir dir;
  auto first = Spool::open(dir.path());
  auto second = Spool::open(dir.path());
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->lock(std::chrono::milliseconds(0)));
  auto r = second->lock(std::chrono::milliseconds(0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::temporary);
  first = Spool::open(dir.path());  // releases the first lock (the old object is gone)
  EXPECT_TRUE(second->lock(std::chrono::milliseconds(0)));
}

TEST(Spool, FileInPlaceOfADirectoryIsAnError) {
  test::TempDir dir;
  test::write_file(dir.path() / "outgoing", "oops");
  auto spool = Spool::open(dir.path());
  ASSERT_FALSE(spool.has_value());
  EXPECT_NE(spool.error().message.find("not a directory"), std::string::npos);
}

}  // namespace
}  // namespace logpost::shipper
