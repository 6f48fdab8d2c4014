#include "shipper/input_file.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/gzip.hpp"
#include "test_util.hpp"

namespace logpost::shipper {
namespace {

Result<std::string> slurp(InputFile& f, StreamReport* report = nullptr) {
  std::string all;
  auto r = f.stream([&](std::string_view c) -> Result<void> {
    all.append(c);
    return {};
  });
  if (!r) return tl::unexpected(r.error());
  if (report) *report = *r;
  return all;
}

TEST(InputFile, PlainFileStreamsUnchangedAndIsIdentified) {
  test::TempDir dir;
  std::string content = test::access_lines(5000);  // > one 256 KiB read
  test::write_file(dir.path() / "a.log", content);
  auto f = InputFile::open(dir.path() / "a.log");
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_FALSE(f->is_gzip());
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "a.log").c_str(), &st), 0);
  EXPECT_EQ(f->identity().inode, st.st_ino);
  EXPECT_EQ(f->identity().size, content.size());
  StreamReport report;
  auto got = slurp(*f, &report);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(*got == content);
  EXPECT_FALSE(report.source_changed) << report.change_note;
  // file_id: dev:inode:size:mtime:16 hex
  std::string id = f->identity().file_id();
  EXPECT_EQ(std::count(id.begin(), id.end(), ':'), 4);
  EXPECT_EQ(id.substr(id.rfind(':') + 1).size(), 16u);
}

TEST(InputFile, SameFileSameIdDifferentHeadDifferentId) {
  test::TempDir dir;
  test::write_file(dir.path() / "a.log", "line one\n");
  test::write_file(dir.path() / "b.log", "line two\n");
  auto a1 = InputFile::open(dir.path() / "a.log");
  auto a2 = InputFile::open(dir.path() / "a.log");
  auto b = InputFile::open(dir.path() / "b.log");
  ASSERT_TRUE(a1 && a2 && b);
  EXPECT_EQ(a1->identity().file_id(), a2->identity().file_id());
  EXPECT_NE(a1->identity().file_id(), b->identity().file_id());
}

TEST(InputFile, GzipInputIsDecompressed) {
  test::TempDir dir;
  std::string content = test::slow_entries(500);
  test::write_file(dir.path() / "s.log.gz", gzip_compress(content) + gzip_compress("second member\n"));
  auto f = InputFile::open(dir.path() / "s.log.gz");
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->is_gzip());
  auto got = slurp(*f);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_TRUE(*got == content + "second member\n");
}

TEST(InputFile, CorruptGzipIsADataError) {
  test::TempDir dir;
  std::string gz = gzip_compress(test::access_lines(100));
  test::write_file(dir.path() / "t.gz", gz.substr(0, gz.size() / 2));
  auto f = InputFile::open(dir.path() / "t.gz");
  ASSERT_TRUE(f.has_value());
  auto got = slurp(*f);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::data);
}

TEST(InputFile, RefusesWhatIsNotARegularFile) {
  test::TempDir dir;
  test::write_file(dir.path() / "real.log", "x\n");
  std::filesystem::create_symlink(dir.path() / "real.log", dir.path() / "link.log");
  std::filesystem::create_directory(dir.path() / "d");
  ASSERT_EQ(::mkfifo((dir.path() / "fifo").c_str(), 0600), 0);
  for (const char* name : {"link.log", "d", "fifo", "missing.log"}) {
    auto f = InputFile::open(dir.path() / name);
    ASSERT_FALSE(f.has_value()) << name;
    EXPECT_EQ(f.error().code, ErrorCode::input) << name;
  }
  auto link = InputFile::open(dir.path() / "link.log");
  EXPECT_NE(link.error().message.find("symbolic link"), std::string::npos);
}

TEST(InputFile, GrowthWhileReadingShipsThePrefixAndSaysSo) {
  test::TempDir dir;
  std::string content = test::access_lines(5000);
  auto path = dir.path() / "grow.log";
  test::write_file(path, content);
  auto f = InputFile::open(path);
  ASSERT_TRUE(f.has_value());
  std::string all;
  bool appended = false;
  auto r = f->stream([&](std::string_view c) -> Result<void> {
    all.append(c);
    if (!appended) {
      appended = true;
      int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
      EXPECT_GE(fd, 0);
      EXPECT_EQ(::write(fd, "late line\n", 10), 10);
      ::close(fd);
    }
    return {};
  });
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->source_changed);
  EXPECT_TRUE(all == content) << "the shipped prefix must be the size seen at open";
}

TEST(InputFile, TruncationWhileReadingShipsWhatWasThereAndSaysSo) {
  test::TempDir dir;
  std::string content = test::access_lines(5000);
  auto path = dir.path() / "trunc.log";
  test::write_file(path, content);
  auto f = InputFile::open(path);
  ASSERT_TRUE(f.has_value());
  std::string all;
  auto r = f->stream([&](std::string_view c) -> Result<void> {
    if (all.empty()) std::filesystem::resize_file(path, c.size());
    all.append(c);
    return {};
  });
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->source_changed);
  EXPECT_NE(r->change_note.find("shrank"), std::string::npos) << r->change_note;
  EXPECT_TRUE(content.compare(0, all.size(), all) == 0) << "what was shipped is a prefix";
}

TEST(InputFile, WaitQuietReturnsAtOnceForAnOldFileAndRetakesTheIdentity) {
  test::TempDir dir;
  auto path = dir.path() / "old.log";
  test::write_file(path, "a\n");
  auto f = InputFile::open(path);
  ASSERT_TRUE(f.has_value());
  test::write_file(path, "a\nb\n");  // grows after open ...
  struct timespec times[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);  // ... long ago
  auto quiet = f->wait_quiet(std::chrono::seconds(5), std::chrono::seconds(50));
  ASSERT_TRUE(quiet.has_value());
  EXPECT_TRUE(*quiet);
  EXPECT_EQ(f->identity().size, 4u) << "identity taken again after settling";
  auto got = slurp(*f);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "a\nb\n");
}

TEST(InputFile, WaitQuietGivesUpOnAFileThatKeepsChanging) {
  test::TempDir dir;
  auto path = dir.path() / "busy.log";
  test::write_file(path, "a\n");
  auto f = InputFile::open(path);
  ASSERT_TRUE(f.has_value());
  // Modified "now": it cannot be an hour quiet within a zero wait.
  auto quiet = f->wait_quiet(std::chrono::hours(1), std::chrono::milliseconds(0));
  ASSERT_TRUE(quiet.has_value());
  EXPECT_FALSE(*quiet);
}

TEST(InputFile, PrintablePathEscapesControlCharacters) {
  EXPECT_EQ(printable_path("/var/log/a b\n\"c\".log"), "/var/log/a b\\x0a\"c\".log");
  EXPECT_EQ(printable_path("/log/\xc3\xa9t\xc3\xa9"), "/log/\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(printable_path("back\\slash"), "back\\x5cslash");
}

}  // namespace
}  // namespace logpost::shipper
