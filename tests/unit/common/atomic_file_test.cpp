#include "common/atomic_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace logpost;

namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/logpost-atomic-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir, fs::perms::owner_all, ec);
    fs::remove_all(dir, ec);
  }
  size_t entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(dir), {})); }
  fs::path dir;
};

TEST_F(AtomicFileTest, CommitReplacesTargetWithNewContent) {
  fs::path target = dir / "state";
  ASSERT_TRUE(write_file_atomically(target, "old"));
  auto file = AtomicFile::create(target);
  ASSERT_TRUE(file) << file.error().message;
  ASSERT_TRUE(file->write("new "));
  ASSERT_TRUE(file->write("content"));
  // Until commit, readers still see the old content.
  EXPECT_EQ(*read_small_file(target), "old");
  ASSERT_TRUE(file->commit());
  EXPECT_EQ(*read_small_file(target), "new content");
  EXPECT_EQ(entries(), 1u) << "the temporary file must be gone after commit";
}

TEST_F(AtomicFileTest, DestroyedWithoutCommitLeavesNoTraceAndKeepsOldContent) {
  fs::path target = dir / "state";
  ASSERT_TRUE(write_file_atomically(target, "old"));
  {
    auto file = AtomicFile::create(target);
    ASSERT_TRUE(file);
    ASSERT_TRUE(file->write("half-written"));
    EXPECT_TRUE(fs::exists(file->temp_path()));
  }
  EXPECT_EQ(*read_small_file(target), "old");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, TemporaryFileIsHiddenAndInTheSameDirectory) {
  auto file = AtomicFile::create(dir / "x");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->temp_path().parent_path(), dir);
  EXPECT_EQ(file->temp_path().filename().string().front(), '.');
}

TEST_F(AtomicFileTest, UnwritableDirectoryIsAnErrorNamingThePath) {
  if (::geteuid() == 0) {
    // root ignores permission bits; use a path under a regular file instead,
    // which fails for everyone (ENOTDIR).
    fs::path file = dir / "plain";
    ASSERT_TRUE(write_file_atomically(file, "x"));
    auto r = AtomicFile::create(file / "state");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("plain/state"), std::string::npos) << r.error().message;
    return;
  }
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
  auto r = AtomicFile::create(dir / "state");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::io);
}

TEST_F(AtomicFileTest, MissingDirectoryIsNotFound) {
  auto r = write_file_atomically(dir / "nope" / "state", "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

TEST_F(AtomicFileTest, CommitTwiceIsAnError) {
  auto file = AtomicFile::create(dir / "x");
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->commit());
  EXPECT_FALSE(file->commit());
  EXPECT_FALSE(file->write("late"));
}

TEST_F(AtomicFileTest, ModeIsApplied) {
  ASSERT_TRUE(write_file_atomically(dir / "secret", "k", 0600));
  struct stat st{};
  ASSERT_EQ(::stat((dir / "secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AtomicFileTest, ReadSmallFileEnforcesItsLimit) {
  ASSERT_TRUE(write_file_atomically(dir / "big", std::string(1000, 'x')));
  auto r = read_small_file(dir / "big", 999);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::too_large);
  EXPECT_TRUE(read_small_file(dir / "big", 1000));
}

TEST_F(AtomicFileTest, RenameDurablyMovesBetweenDirectories) {
  fs::create_directory(dir / "a");
  fs::create_directory(dir / "b");
  ASSERT_TRUE(write_file_atomically(dir / "a" / "m", "mail"));
  ASSERT_TRUE(rename_durably(dir / "a" / "m", dir / "b" / "m"));
  EXPECT_FALSE(fs::exists(dir / "a" / "m"));
  EXPECT_EQ(*read_small_file(dir / "b" / "m"), "mail");
  EXPECT_FALSE(rename_durably(dir / "a" / "m", dir / "b" / "n"));
}

}  // namespace
