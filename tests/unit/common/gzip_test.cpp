#include "common/gzip.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace logpost;

namespace {

std::string sample(size_t n) {
  std::string s;
  std::mt19937 rng(1);
  while (s.size() < n) s += "GET /item/" + std::to_string(rng() % 1000) + " HTTP/1.1 200\n";
  s.resize(n);
  return s;
}

TEST(GzipTest, RoundTripsInAnyChunking) {
  std::string input = sample(300000);
  GzipCompressor c;
  std::string compressed;
  for (size_t i = 0; i < input.size(); i += 4099) c.write(std::string_view(input).substr(i, 4099), compressed);
  c.finish(compressed);
  EXPECT_LT(compressed.size(), input.size() / 3);
  EXPECT_EQ(c.bytes_in(), input.size());
  GzipDecompressor d;
  std::string out;
  for (size_t i = 0; i < compressed.size(); i += 333)
    ASSERT_TRUE(d.write(std::string_view(compressed).substr(i, 333), out));
  ASSERT_TRUE(d.finish());
  EXPECT_EQ(out, input);
}

TEST(GzipTest, ConcatenatedMembersDecompressToTheConcatenation) {
  std::string two = gzip_compress("first\n") + gzip_compress("second\n");
  auto out = gzip_decompress(two);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, "first\nsecond\n");
}

TEST(GzipTest, TruncatedStreamIsADataError) {
  std::string z = gzip_compress(sample(10000));
  auto out = gzip_decompress(std::string_view(z).substr(0, z.size() - 9));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::data);
}

TEST(GzipTest, CorruptStreamIsADataError) {
  std::string z = gzip_compress(sample(10000));
  z[z.size() / 2] ^= 0x5a;
  z[z.size() / 2 + 1] ^= 0x33;
  auto out = gzip_decompress(z);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::data);
}

TEST(GzipTest, NotGzipAtAllIsADataError) {
  auto out = gzip_decompress("this is plain text, not gzip");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::data);
  EXPECT_FALSE(gzip_decompress(""));
}

TEST(GzipTest, OutputLimitStopsAGzipBomb) {
  std::string zeros(50u << 20, '\0');
  std::string bomb = gzip_compress(zeros, 9);
  EXPECT_LT(bomb.size(), 100000u);
  auto out = gzip_decompress(bomb, 1u << 20);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::too_large);
}

TEST(GzipTest, SinkFormHandsOutTheSameBytesInBoundedPieces) {
  std::string input = sample(300000);
  std::string two = gzip_compress(input) + gzip_compress("second member\n");
  for (size_t step : {size_t{333}, size_t{1} << 20}) {
    GzipDecompressor d;
    std::string out;
    size_t pieces = 0;
    for (size_t i = 0; i < two.size(); i += step)
      ASSERT_TRUE(d.write(std::string_view(two).substr(i, step), [&](std::string_view piece) {
        EXPECT_FALSE(piece.empty());
        EXPECT_LE(piece.size(), 64u * 1024);
        out.append(piece);
        ++pieces;
      }));
    ASSERT_TRUE(d.finish());
    EXPECT_EQ(out, input + "second member\n") << step;
    EXPECT_EQ(d.bytes_out(), out.size());
    EXPECT_GE(pieces, input.size() / (64 * 1024));
  }
}

TEST(GzipTest, SinkFormStopsAtTheLimitWithoutHandingOutMore) {
  std::string zeros(50u << 20, '\0');
  std::string bomb = gzip_compress(zeros, 9);
  GzipDecompressor d(1u << 20);
  uint64_t handed = 0;
  auto r = d.write(bomb, [&](std::string_view piece) { handed += piece.size(); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::too_large);
  EXPECT_LE(handed, 1u << 20);

  GzipDecompressor corrupt;
  std::string z = gzip_compress(sample(10000));
  z[z.size() / 2] ^= 0x5a;
  z[z.size() / 2 + 1] ^= 0x33;
  r = corrupt.write(z, [](std::string_view) {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::data);
}

TEST(GzipTest, ResetStartsANewMember) {
  GzipCompressor c;
  std::string a, b;
  c.write("one", a);
  c.finish(a);
  c.reset();
  c.write("two", b);
  c.finish(b);
  EXPECT_EQ(*gzip_decompress(a), "one");
  EXPECT_EQ(*gzip_decompress(b), "two");
}

}  // namespace
