// The Maildir side of the protocol: what is listed, what is refused, where
// mails go, and how the daemon's watcher wakes up.
#include "ingester/maildir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/atomic_file.hpp"
#include "ingester/maildir_watcher.hpp"
#include "test_mail_factory.hpp"

namespace logpost::ingester {
namespace {

namespace fs = std::filesystem;
using logpost::testing::TempMaildir;

TEST(Maildir, OpenRequiresAMaildirAndCreatesTheQuarantineFolder) {
  TempMaildir dir;
  EXPECT_EQ(Maildir::open(dir.root()).error().code, ErrorCode::input);
  auto m = Maildir::open(dir.maildir());
  ASSERT_TRUE(m);
  for (const char* sub : {"new", "cur", "tmp", "reasons"})
    EXPECT_TRUE(fs::is_directory(dir.maildir() / ".Quarantine" / sub)) << sub;
}

TEST(Maildir, ListsNewSortedWithoutDotFilesAndNeverTmp) {
  TempMaildir dir;
  dir.deliver("2.b", "x");
  dir.deliver("1.a", "x");
  { std::ofstream(dir.maildir() / "new" / ".hidden") << "x"; }
  { std::ofstream(dir.maildir() / "tmp" / "0.incomplete") << "x"; }
  auto m = Maildir::open(dir.maildir());
  ASSERT_TRUE(m);
  EXPECT_EQ(*m->list_new(), (std::vector<std::string>{"1.a", "2.b"}));
}

TEST(Maildir, ReadRefusesSymlinksFifosAndOversizedFiles) {
  TempMaildir dir;
  auto m = Maildir::open(dir.maildir());
  ASSERT_TRUE(m);
  fs::create_symlink("/etc/passwd", dir.maildir() / "new" / "link");
  EXPECT_EQ(m->read_new("link", 1 << 20).error().code, ErrorCode::data);
  ASSERT_EQ(::mkfifo((dir.maildir() / "new" / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(m->read_new("fifo", 1 << 20).error().code, ErrorCode::data);  // and does not block
  dir.deliver("big", std::string(2000, 'x'));
  EXPECT_EQ(m->read_new("big", 1000).error().code, ErrorCode::too_large);
  EXPECT_EQ(*m->read_new("big", 2000), std::string(2000, 'x'));
  EXPECT_EQ(m->read_new("gone", 1000).error().code, ErrorCode::not_found);
  EXPECT_FALSE(m->read_new("../cur/x", 1000));
}

TEST(Maildir, MovesAndQuarantineKeepOneCopyAndTheReason) {
  TempMaildir dir;
  auto m = Maildir::open(dir.maildir());
  ASSERT_TRUE(m);
  dir.deliver("1.ok", "a");
  dir.deliver("2.bad", "b");
  ASSERT_TRUE(m->move_to_cur("1.ok"));
  ASSERT_TRUE(m->quarantine("2.bad", "data: bad gzip"));
  EXPECT_TRUE(dir.list("new").empty());
  EXPECT_EQ(dir.list("cur"), std::vector<std::string>{"1.ok:2,S"});
  EXPECT_EQ(*read_small_file(dir.maildir() / ".Quarantine" / "cur" / "2.bad:2,S"), "b");
  EXPECT_EQ(*read_small_file(dir.maildir() / ".Quarantine" / "reasons" / "2.bad.txt"), "data: bad gzip\n");
  // Retention: nothing is old enough for an hour, everything for zero.
  EXPECT_EQ(*m->expire_processed(std::chrono::hours(1)), 0u);
  EXPECT_EQ(*m->expire_processed(std::chrono::milliseconds(0)), 1u);
  EXPECT_TRUE(dir.list("cur").empty());
}

TEST(MaildirWatcher, WakesOnLinkAndRenameIntoNew) {
  TempMaildir dir;
  auto w = MaildirWatcher::open(dir.maildir() / "new");
  ASSERT_TRUE(w);
  ManualStopSource stop;
  EXPECT_EQ(w->wait(stop, std::chrono::milliseconds(1)), MaildirWatcher::Wake::timeout);
  dir.deliver("1.renamed", "x");  // IN_MOVED_TO
  EXPECT_EQ(w->wait(stop, std::chrono::seconds(10)), MaildirWatcher::Wake::mail);
  { std::ofstream(dir.maildir() / "tmp" / "2") << "x"; }
  fs::create_hard_link(dir.maildir() / "tmp" / "2", dir.maildir() / "new" / "2.linked");  // IN_CREATE (Postfix)
  EXPECT_EQ(w->wait(stop, std::chrono::seconds(10)), MaildirWatcher::Wake::mail);
  stop.stop();
  EXPECT_EQ(w->wait(stop, std::chrono::seconds(10)), MaildirWatcher::Wake::stop);
}

}  // namespace
}  // namespace logpost::ingester
