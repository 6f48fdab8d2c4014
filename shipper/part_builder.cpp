#include "shipper/part_builder.hpp"

#include <algorithm>

namespace logpost::shipper {
namespace {
// Compressor input is batched: GzipCompressor::write has a fixed per-call
// cost (it sizes a 64 KiB output window), so per-line writes would dominate.
constexpr size_t k_batch = 256 * 1024;
// Final empty block + gzip trailer (CRC32, ISIZE) that finish() adds after a
// sync flush.
constexpr uint64_t k_finish_overhead = 16;
constexpr uint64_t k_min_gzip = 1024;
}  // namespace

uint64_t PartBuilder::compressed_bound(uint64_t n) { return n + (n >> 12) + (n >> 14) + (n >> 25) + 13; }

PartBuilder::PartBuilder(LogKind kind, PartLimits limits, int compression_level, PartSink sink)
    : m_splitter(kind), m_limits(limits), m_compressor(compression_level), m_sink(std::move(sink)) {
  m_limits.max_gzip_bytes = std::max(m_limits.max_gzip_bytes, k_min_gzip);
  m_limits.max_uncompressed_bytes = std::max<uint64_t>(m_limits.max_uncompressed_bytes, 1);
  m_batch.reserve(k_batch);
  // gzip header: 10 bytes, emitted at the first write; count it now.
}

Result<void> PartBuilder::feed(std::string_view chunk) {
  if (m_failed) return tl::unexpected(m_error);
  m_splitter.feed(chunk, [this](const LogEntry& e) { on_entry(e); });
  if (m_failed) return tl::unexpected(m_error);
  return {};
}

Result<void> PartBuilder::finish() {
  if (m_failed) return tl::unexpected(m_error);
  m_splitter.finish([this](const LogEntry& e) { on_entry(e); });
  if (m_failed) return tl::unexpected(m_error);
  if (m_part_length > 0 || m_parts == 0) cut();
  if (m_failed) return tl::unexpected(m_error);
  return {};
}

bool PartBuilder::fits(uint64_t n) {
  if (m_part_length + n > m_limits.max_uncompressed_bytes) return false;
  auto estimate = [&] {
    // 10 bytes of gzip header are not yet in m_gzip before the first write.
    return m_gzip.size() + 10 + compressed_bound(m_unflushed + m_batch.size() + n) + k_finish_overhead;
  };
  if (estimate() <= m_limits.max_gzip_bytes) return true;
  if (m_unflushed + m_batch.size() == 0) return false;
  // The estimate is pessimistic by the compression ratio; make it exact.
  write_batch();
  m_compressor.flush(m_gzip);
  m_unflushed = 0;
  return estimate() <= m_limits.max_gzip_bytes;
}

uint64_t PartBuilder::largest_fitting_prefix() {
  if (m_unflushed + m_batch.size() > 0) {
    write_batch();
    m_compressor.flush(m_gzip);
    m_unflushed = 0;
  }
  uint64_t used = m_gzip.size() + 10 + k_finish_overhead + 13;
  if (used >= m_limits.max_gzip_bytes) return 0;
  uint64_t room = m_limits.max_gzip_bytes - used;
  // Invert compressed_bound conservatively: n + n/4096 + n/16384 + n/2^25 <= room.
  uint64_t n = room - room / 3000 - 1;
  while (n > 0 && compressed_bound(n) - 13 > room) n -= std::max<uint64_t>(1, n / 1000);
  return std::min(n, m_limits.max_uncompressed_bytes - m_part_length);
}

void PartBuilder::on_entry(const LogEntry& entry) {
  if (m_failed) return;
  std::string_view text = entry.text;
  const bool starts_entry = !entry.continuation;
  // Prefer a clean cut at the entry boundary.
  if (starts_entry && m_part_length > 0 && !fits(text.size())) cut();
  if (starts_entry) ++m_part_entries;
  while (!text.empty() && !m_failed) {
    uint64_t n = text.size();
    if (!fits(n)) {
      n = largest_fitting_prefix();
      if (n == 0) {
        if (m_part_length > 0) {
          cut();  // inside the entry: m_mid_entry is true here
          continue;
        }
        n = std::min<uint64_t>(text.size(), 4096);  // an empty part always takes something
      }
      n = std::min<uint64_t>(n, text.size());
    }
    append(text.substr(0, n));
    text.remove_prefix(n);
    m_mid_entry = !text.empty() || entry.continues;
  }
}

void PartBuilder::append(std::string_view bytes) {
  m_hash.update(bytes);
  m_part_length += bytes.size();
  while (!bytes.empty()) {
    size_t take = std::min(bytes.size(), k_batch - m_batch.size());
    m_batch.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (m_batch.size() >= k_batch) write_batch();
  }
}

void PartBuilder::write_batch() {
  if (m_batch.empty()) return;
  m_compressor.write(m_batch, m_gzip);
  m_unflushed += m_batch.size();
  m_batch.clear();
}

void PartBuilder::cut() {
  write_batch();
  m_compressor.finish(m_gzip);
  BuiltPart part;
  part.number = ++m_parts;
  part.offset = m_part_offset;
  part.length = m_part_length;
  part.entries = m_part_entries;
  part.content_sha256 = m_hash.finish_hex();
  part.gzip = std::move(m_gzip);
  part.begins_inside_entry = m_part_begins_inside;
  part.ends_inside_entry = m_mid_entry;

  m_part_offset += m_part_length;
  m_part_length = 0;
  m_part_entries = 0;
  m_unflushed = 0;
  m_part_begins_inside = m_mid_entry;
  m_gzip = std::string();
  m_hash = Sha256();
  m_compressor.reset();

  if (auto r = m_sink(std::move(part)); !r) {
    m_failed = true;
    m_error = r.error();
  }
}

}  // namespace logpost::shipper
