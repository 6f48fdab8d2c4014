// part_builder.hpp — cutting one log stream into gzip parts that each fit in
// one mail.
//
// PartBuilder takes the (uncompressed) content of one input file in chunks of
// any size, splits it into entries with common/log_splitter.hpp (lines, or
// multi-line slow-log entries) and compresses the entries into the current
// part. A part is closed when the next entry would push it over either limit:
//   - max_gzip_bytes: the compressed size, so that the base64 mail fits the
//     MTA's message_size_limit (ShipSettings derives it from max_mail_size);
//   - max_uncompressed_bytes: so that a highly compressible file cannot make
//     the ingester inflate gigabytes out of one mail.
// A part therefore never splits an entry or a line, with one exception: an
// entry that does not fit even into an empty part (a 5 MB line, a slow-log
// entry with a huge query) is cut where the part is full. The part that ends
// inside it carries ends_inside_entry, the next one begins_inside_entry
// (envelope.hpp's flags), so the ingester can reassemble or tag it; nothing
// is dropped. Entries longer than LogSplitter's own limit arrive in pieces and
// are treated the same way.
//
// Every byte fed comes out in exactly one part, in order: concatenating the
// decompressed parts reproduces the input byte for byte. An empty input gives
// one empty part (see docs/shipper.md: an empty rotated log is shipped as a
// zero-length part, so the receiver sees that the rotation happened).
//
// Sizing is exact, not estimated: when the conservative estimate says a
// part is nearly full, the compressor is sync-flushed and the true size
// decides. That costs a few bytes per flush, a few dozen flushes per part.
//
// Errors: the sink's error stops the builder and is returned by feed()/finish().
// Cost: one pass; memory is the compressor state plus one part's gzip bytes
// (<= max_gzip_bytes) plus a 256 KiB input batch plus the splitter's pending
// entry (<= 16 MiB only for pathological entries).
// Thread-safety: one object per stream.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "common/gzip.hpp"
#include "common/log_splitter.hpp"
#include "common/result.hpp"

namespace logpost::shipper {

struct PartLimits {
  uint64_t max_gzip_bytes = 7u << 20;
  uint64_t max_uncompressed_bytes = 64u << 20;
};

struct BuiltPart {
  uint32_t number = 1;          // 1-based
  uint64_t offset = 0;          // in the uncompressed stream
  uint64_t length = 0;          // uncompressed bytes
  uint64_t entries = 0;         // entries (banners included) that begin in this part
  std::string content_sha256;   // of the uncompressed bytes
  std::string gzip;             // one complete gzip member
  bool begins_inside_entry = false;
  bool ends_inside_entry = false;
};

class PartBuilder {
 public:
  using PartSink = std::function<Result<void>(BuiltPart&&)>;

  // Limits below 1 KiB of gzip are raised to 1 KiB (a part must hold something).
  PartBuilder(LogKind kind, PartLimits limits, int compression_level, PartSink sink);

  Result<void> feed(std::string_view chunk);
  // End of stream: closes the last part (or emits the one empty part).
  Result<void> finish();

  [[nodiscard]] uint32_t parts_emitted() const { return m_parts; }
  [[nodiscard]] uint64_t bytes_fed() const { return m_splitter.bytes_fed(); }

  // Worst-case compressed size of n bytes (zlib's deflateBound, stored blocks).
  static uint64_t compressed_bound(uint64_t n);

 private:
  void on_entry(const LogEntry& entry);
  void append(std::string_view bytes);
  bool fits(uint64_t n);
  uint64_t largest_fitting_prefix();
  void write_batch();
  void cut();

  LogSplitter m_splitter;
  PartLimits m_limits;
  GzipCompressor m_compressor;
  PartSink m_sink;
  Error m_error;
  bool m_failed = false;

  // The part being built.
  std::string m_gzip;
  std::string m_batch;              // uncompressed, not yet given to the compressor
  Sha256 m_hash;
  uint64_t m_part_offset = 0;
  uint64_t m_part_length = 0;
  uint64_t m_part_entries = 0;
  uint64_t m_unflushed = 0;         // uncompressed bytes given to the compressor since the last flush
  bool m_part_begins_inside = false;
  bool m_mid_entry = false;         // the last byte appended is not the end of an entry
  uint32_t m_parts = 0;
};

}  // namespace logpost::shipper
