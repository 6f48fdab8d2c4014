#include "shipper/part_builder.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/crypto.hpp"
#include "common/gzip.hpp"
#include "test_util.hpp"

namespace logpost::shipper {
namespace {

struct Built {
  std::vector<BuiltPart> parts;
  std::vector<std::string> contents;  // decompressed
};

// Feeds `input` in chunks of `chunk` bytes (0 = all at once).
Built build(LogKind kind, const std::string& input, PartLimits limits, size_t chunk = 0) {
  Built b;
  PartBuilder builder(kind, limits, 6, [&](BuiltPart&& p) -> Result<void> {
    auto content = gzip_decompress(p.gzip);
    EXPECT_TRUE(content.has_value()) << "part " << p.number << " is not valid gzip";
    b.contents.push_back(content.value_or(""));
    b.parts.push_back(std::move(p));
    return {};
  });
  std::string_view rest = input;
  while (!rest.empty()) {
    size_t n = chunk == 0 ? rest.size() : std::min(chunk, rest.size());
    EXPECT_TRUE(builder.feed(rest.substr(0, n)).has_value());
    rest.remove_prefix(n);
  }
  EXPECT_TRUE(builder.finish().has_value());
  return b;
}

// The invariants every split must keep, whatever the input.
void check_tiling(const Built& b, const std::string& input, const PartLimits& limits) {
  ASSERT_FALSE(b.parts.empty());
  std::string joined;
  for (size_t i = 0; i < b.parts.size(); ++i) {
    const auto& p = b.parts[i];
    SCOPED_TRACE("part " + std::to_string(p.number));
    EXPECT_EQ(p.number, i + 1);
    EXPECT_EQ(p.offset, joined.size());
    EXPECT_EQ(p.length, b.contents[i].size());
    EXPECT_EQ(p.content_sha256, sha256_hex(b.contents[i]));
    EXPECT_LE(p.gzip.size(), limits.max_gzip_bytes);
    EXPECT_LE(p.length, limits.max_uncompressed_bytes);
    if (i > 0) {
      EXPECT_EQ(p.begins_inside_entry, b.parts[i - 1].ends_inside_entry);
    }
    joined += b.contents[i];
  }
  EXPECT_FALSE(b.parts.front().begins_inside_entry);
  EXPECT_FALSE(b.parts.back().ends_inside_entry);
  EXPECT_TRUE(joined == input) << "parts do not reassemble to the input";
}

TEST(PartBuilder, AccessLogSplitsAtLineBoundariesWithinTheGzipLimit) {
  std::string input = test::access_lines(20000);
  PartLimits limits{40 * 1024, 64u << 20};
  auto b = build(LogKind::nginx_access, input, limits);
  check_tiling(b, input, limits);
  EXPECT_GT(b.parts.size(), 5u);
  uint64_t lines = 0;
  for (size_t i = 0; i < b.parts.size(); ++i) {
    EXPECT_EQ(b.contents[i].back(), '\n') << "part " << i + 1 << " ends inside a line";
    EXPECT_FALSE(b.parts[i].ends_inside_entry);
    EXPECT_EQ(b.parts[i].entries, static_cast<uint64_t>(std::count(b.contents[i].begin(), b.contents[i].end(), '\n')));
    lines += b.parts[i].entries;
  }
  EXPECT_EQ(lines, 20000u);
}

TEST(PartBuilder, PartsAreFilledNotJustUnderTheLimit) {
  // Exact sizing: every part but the last uses most of its gzip budget.
  std::string input = test::access_lines(20000);
  PartLimits limits{40 * 1024, 64u << 20};
  auto b = build(LogKind::nginx_access, input, limits);
  for (size_t i = 0; i + 1 < b.parts.size(); ++i)
    EXPECT_GT(b.parts[i].gzip.size(), limits.max_gzip_bytes * 9 / 10) << "part " << i + 1;
}

TEST(PartBuilder, SlowLogNeverSplitsAnEntry) {
  std::string input = test::slow_entries(3000);
  PartLimits limits{16 * 1024, 64u << 20};
  auto b = build(LogKind::mysql_slow, input, limits);
  check_tiling(b, input, limits);
  EXPECT_GT(b.parts.size(), 3u);
  for (size_t i = 1; i < b.parts.size(); ++i) {
    const std::string& c = b.contents[i];
    EXPECT_TRUE(c.rfind("# Time:", 0) == 0 || c.rfind("# User@Host:", 0) == 0)
        << "part " << i + 1 << " starts mid-entry: " << c.substr(0, 40);
    EXPECT_FALSE(b.parts[i].begins_inside_entry);
  }
}

TEST(PartBuilder, SameResultForAnyChunking) {
  std::string input = test::slow_entries(800);
  PartLimits limits{8 * 1024, 64u << 20};
  auto whole = build(LogKind::mysql_slow, input, limits);
  for (size_t chunk : {1u, 7u, 4096u, 100000u}) {
    auto pieces = build(LogKind::mysql_slow, input, limits, chunk);
    ASSERT_EQ(pieces.parts.size(), whole.parts.size()) << "chunk " << chunk;
    for (size_t i = 0; i < whole.parts.size(); ++i) EXPECT_EQ(pieces.contents[i], whole.contents[i]);
  }
}

TEST(PartBuilder, EntryLargerThanAPartIsCutWithFlags) {
  // An incompressible 200 KB line between two short ones, 16 KiB parts.
  std::mt19937 rng(9);
  std::string big;
  for (int i = 0; i < 200000; ++i) big += static_cast<char>('!' + rng() % 90);
  std::string input = "short one\n" + big + "\nshort two\n";
  PartLimits limits{16 * 1024, 64u << 20};
  auto b = build(LogKind::raw, input, limits);
  check_tiling(b, input, limits);
  ASSERT_GT(b.parts.size(), 10u);
  // The big line starts a fresh part (a clean cut before it), then runs over
  // parts that all begin and end inside it.
  EXPECT_EQ(b.contents.front(), "short one\n");
  EXPECT_FALSE(b.parts.front().ends_inside_entry);
  EXPECT_FALSE(b.parts[1].begins_inside_entry);
  EXPECT_TRUE(b.parts[1].ends_inside_entry);
  EXPECT_TRUE(b.parts.back().begins_inside_entry);
  for (size_t i = 2; i + 1 < b.parts.size(); ++i) {
    EXPECT_TRUE(b.parts[i].begins_inside_entry);
    EXPECT_TRUE(b.parts[i].ends_inside_entry);
    EXPECT_EQ(b.parts[i].entries, 0u) << "a continuation part holds no entry start";
  }
}

TEST(PartBuilder, SlowLogEntryLargerThanAPartIsCutWithFlags) {
  std::mt19937 rng(4);
  std::string query = "SELECT '";
  for (int i = 0; i < 60000; ++i) query += static_cast<char>('a' + rng() % 26);
  query += "';\n";
  std::string input = "# Time: 261121  6:00:00\n# User@Host: a[a] @ h []\n" + query +
                      "# User@Host: b[b] @ h []\nSELECT 1;\n";
  PartLimits limits{8 * 1024, 64u << 20};
  auto b = build(LogKind::mysql_slow, input, limits);
  check_tiling(b, input, limits);
  ASSERT_GT(b.parts.size(), 2u);
  EXPECT_TRUE(b.parts.front().ends_inside_entry);
  // The following small entry starts a clean part or shares the last one.
  EXPECT_NE(b.contents.back().find("# User@Host: b[b]"), std::string::npos);
}

TEST(PartBuilder, UncompressedCapBoundsHighlyCompressibleInput) {
  std::string input;
  for (int i = 0; i < 100000; ++i) input += "the same line again and again\n";
  PartLimits limits{1u << 20, 256 * 1024};
  auto b = build(LogKind::raw, input, limits);
  check_tiling(b, input, limits);
  EXPECT_GE(b.parts.size(), input.size() / (256 * 1024));
  for (const auto& p : b.parts) EXPECT_FALSE(p.ends_inside_entry);
}

TEST(PartBuilder, EmptyInputIsOneEmptyPart) {
  PartLimits limits{4096, 4096};
  auto b = build(LogKind::nginx_access, "", limits);
  ASSERT_EQ(b.parts.size(), 1u);
  EXPECT_EQ(b.parts[0].length, 0u);
  EXPECT_EQ(b.parts[0].entries, 0u);
  EXPECT_EQ(b.contents[0], "");
}

TEST(PartBuilder, LastLineWithoutNewlineAndCrlfAreKept) {
  std::string input = "a\r\nb\r\nno newline at the end";
  PartLimits limits{4096, 1u << 20};
  auto b = build(LogKind::apache_access, input, limits);
  check_tiling(b, input, limits);
  EXPECT_EQ(b.parts[0].entries, 3u);
}

TEST(PartBuilder, SinkErrorStopsTheBuilder) {
  PartBuilder builder(LogKind::raw, PartLimits{2048, 1u << 20}, 6,
                      [](BuiltPart&&) -> Result<void> { return fail(ErrorCode::io, "disk full"); });
  std::string input = test::access_lines(2000);
  auto fed = builder.feed(input);
  auto finished = builder.finish();
  ASSERT_FALSE(fed.has_value() && finished.has_value());
  EXPECT_EQ((fed.has_value() ? finished.error() : fed.error()).message, "disk full");
}

}  // namespace
}  // namespace logpost::shipper
