// gzip.hpp — streaming gzip compression and decompression (zlib, wrapped
// here once).
//
// GzipCompressor appends compressed bytes to a caller-owned buffer as input
// arrives; memory is zlib's fixed state (~256 KiB at level 6) whatever the
// input size. GzipDecompressor accepts concatenated gzip members (as
// `cat a.gz b.gz` and some log rotators produce) and enforces an output
// limit, so a gzip bomb is an error, not an out-of-memory kill.
//
// Errors: corrupt or truncated input is ErrorCode::data; exceeding the
// output limit is ErrorCode::too_large.
// Thread-safety: one object per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace logpost {

class GzipCompressor {
 public:
  explicit GzipCompressor(int level = 6);
  ~GzipCompressor();
  GzipCompressor(GzipCompressor&&) noexcept;
  GzipCompressor& operator=(GzipCompressor&&) noexcept;

  void write(std::string_view input, std::string& out);
  // Emits everything written so far (Z_SYNC_FLUSH), so bytes_out() is then
  // exact for the input so far. Costs a few bytes and a block boundary:
  // call it when a size decision needs precision, not per write.
  void flush(std::string& out);
  // Ends the gzip member (trailer with CRC and size). The object can then
  // be reset() for another member.
  void finish(std::string& out);
  void reset();

  // Upper bound of the bytes that finish() could still add for input
  // written so far but not yet emitted (zlib's pending state).
  [[nodiscard]] uint64_t pending_bound() const;
  [[nodiscard]] uint64_t bytes_in() const;
  [[nodiscard]] uint64_t bytes_out() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

class GzipDecompressor {
 public:
  explicit GzipDecompressor(uint64_t max_output = UINT64_MAX);
  ~GzipDecompressor();
  GzipDecompressor(GzipDecompressor&&) noexcept;
  GzipDecompressor& operator=(GzipDecompressor&&) noexcept;

  // Feeds compressed bytes; appends what they decompress to onto `out`.
  Result<void> write(std::string_view input, std::string& out);
  // Feeds compressed bytes; calls `on_output` with each piece (at most
  // 64 KiB) they decompress to, a view into the decompressor's own buffer
  // valid during the call. Nothing beyond the output limit is handed out.
  // Cheaper than the string form when the caller consumes the output as it
  // comes: no intermediate string, no zero-filling.
  using OutputSink = std::function<void(std::string_view)>;
  Result<void> write(std::string_view input, const OutputSink& on_output);
  // After the last input: an error unless the stream ended on a complete member.
  Result<void> finish() const;
  [[nodiscard]] uint64_t bytes_out() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Whole-buffer helpers for small payloads and tests.
std::string gzip_compress(std::string_view input, int level = 6);
Result<std::string> gzip_decompress(std::string_view input, uint64_t max_output = UINT64_MAX);

}  // namespace logpost
