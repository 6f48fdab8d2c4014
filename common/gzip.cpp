#include "common/gzip.hpp"

#include <cstdlib>
#include <cstring>
#include <zlib.h>

namespace logpost {
namespace {
constexpr int k_gzip_window = 15 + 16;       // gzip wrapper for deflate
constexpr int k_auto_window = 15 + 32;       // accept gzip or zlib headers on inflate
constexpr size_t k_chunk = 64 * 1024;
}  // namespace

struct GzipCompressor::Impl {
  z_stream zs{};
  int level = 6;
  uint64_t in = 0, out = 0, pending_in = 0;
  explicit Impl(int lvl) : level(lvl) {
    if (deflateInit2(&zs, level, Z_DEFLATED, k_gzip_window, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  }
  ~Impl() { deflateEnd(&zs); }
  void run(std::string_view input, int flush, std::string& sink) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    zs.avail_in = static_cast<uInt>(input.size());
    for (;;) {
      size_t old = sink.size();
      sink.resize(old + k_chunk);
      zs.next_out = reinterpret_cast<Bytef*>(sink.data() + old);
      zs.avail_out = static_cast<uInt>(k_chunk);
      int rc = deflate(&zs, flush);
      size_t produced = k_chunk - zs.avail_out;
      sink.resize(old + produced);
      out += produced;
      if (rc == Z_STREAM_ERROR) std::abort();
      if (flush == Z_FINISH) {
        if (rc == Z_STREAM_END) break;
      } else if (zs.avail_in == 0 && zs.avail_out != 0) {
        break;
      }
    }
  }
};

GzipCompressor::GzipCompressor(int level) : m_impl(std::make_unique<Impl>(level)) {}
GzipCompressor::~GzipCompressor() = default;
GzipCompressor::GzipCompressor(GzipCompressor&&) noexcept = default;
GzipCompressor& GzipCompressor::operator=(GzipCompressor&&) noexcept = default;

void GzipCompressor::write(std::string_view input, std::string& out) {
  // zlib counts avail_in in 32 bits; feed huge inputs in slices.
  while (!input.empty()) {
    std::string_view slice = input.substr(0, 1u << 30);
    m_impl->run(slice, Z_NO_FLUSH, out);
    m_impl->in += slice.size();
    input.remove_prefix(slice.size());
  }
}

void GzipCompressor::flush(std::string& out) { m_impl->run({}, Z_SYNC_FLUSH, out); }

void GzipCompressor::finish(std::string& out) { m_impl->run({}, Z_FINISH, out); }

void GzipCompressor::reset() {
  deflateReset(&m_impl->zs);
  m_impl->in = 0;
  m_impl->out = 0;
}

uint64_t GzipCompressor::pending_bound() const {
  // Input consumed by deflate but not yet emitted is at most what went in
  // minus what came out, bounded by deflateBound of the window; be
  // conservative: deflateBound over everything not yet accounted for.
  uint64_t unflushed = m_impl->in > m_impl->out ? m_impl->in - m_impl->out : 0;
  uint64_t window = 256 * 1024;
  uint64_t consider = unflushed < window ? unflushed : window;
  return deflateBound(const_cast<z_stream*>(&m_impl->zs), static_cast<uLong>(consider)) + 32;
}

uint64_t GzipCompressor::bytes_in() const { return m_impl->in; }
uint64_t GzipCompressor::bytes_out() const { return m_impl->out; }

struct GzipDecompressor::Impl {
  z_stream zs{};
  uint64_t max_output;
  uint64_t out = 0;
  bool in_member = false;    // inside a gzip member (header seen, trailer not yet)
  bool saw_member = false;
  // Output buffer of the sink-based write(): allocated on first use, never
  // zero-filled (inflate writes it before it is read).
  std::unique_ptr<char[]> buffer;
  explicit Impl(uint64_t max) : max_output(max) {
    if (inflateInit2(&zs, k_auto_window) != Z_OK) std::abort();
  }
  ~Impl() { inflateEnd(&zs); }

  // The inflate loop of both write()s: `room()` gives where inflate may
  // write k_chunk bytes, `take(produced)` receives what it wrote (and is
  // told first, through `out`, whether the limit is exceeded).
  template <class Room, class Take>
  Result<void> run(std::string_view input, Room room, Take take) {
    while (!input.empty()) {
      std::string_view slice = input.substr(0, 1u << 30);
      input.remove_prefix(slice.size());
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(slice.data()));
      zs.avail_in = static_cast<uInt>(slice.size());
      while (zs.avail_in > 0) {
        in_member = true;
        saw_member = true;
        zs.next_out = reinterpret_cast<Bytef*>(room());
        zs.avail_out = static_cast<uInt>(k_chunk);
        int rc = inflate(&zs, Z_NO_FLUSH);
        size_t produced = k_chunk - zs.avail_out;
        out += produced;
        take(produced);
        if (out > max_output)
          return fail(ErrorCode::too_large,
                      "gzip: decompressed size exceeds the limit of " + std::to_string(max_output) + " bytes");
        if (rc == Z_STREAM_END) {
          in_member = false;
          inflateReset(&zs);  // a further member may follow
          continue;
        }
        if (rc == Z_BUF_ERROR && produced == 0 && zs.avail_in == 0) break;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
          return fail(ErrorCode::data, std::string("gzip: corrupt data: ") + (zs.msg ? zs.msg : "inflate failed"));
      }
    }
    return {};
  }
};

GzipDecompressor::GzipDecompressor(uint64_t max_output) : m_impl(std::make_unique<Impl>(max_output)) {}
GzipDecompressor::~GzipDecompressor() = default;
GzipDecompressor::GzipDecompressor(GzipDecompressor&&) noexcept = default;
GzipDecompressor& GzipDecompressor::operator=(GzipDecompressor&&) noexcept = default;

Result<void> GzipDecompressor::write(std::string_view input, std::string& out) {
  size_t old = 0;
  return m_impl->run(
      input,
      [&] {
        old = out.size();
        out.resize(old + k_chunk);
        return out.data() + old;
      },
      [&](size_t produced) { out.resize(old + produced); });
}

Result<void> GzipDecompressor::write(std::string_view input, const OutputSink& on_output) {
  Impl& impl = *m_impl;
  if (!impl.buffer) impl.buffer.reset(new char[k_chunk]);
  return impl.run(
      input, [&] { return impl.buffer.get(); },
      [&](size_t produced) {
        // Bytes beyond the limit are not handed out: write() fails instead.
        if (produced > 0 && impl.out <= impl.max_output) on_output(std::string_view(impl.buffer.get(), produced));
      });
}

Result<void> GzipDecompressor::finish() const {
  if (m_impl->in_member) return fail(ErrorCode::data, "gzip: truncated data (stream ends inside a member)");
  if (!m_impl->saw_member) return fail(ErrorCode::data, "gzip: empty input");
  return {};
}

uint64_t GzipDecompressor::bytes_out() const { return m_impl->out; }

std::string gzip_compress(std::string_view input, int level) {
  GzipCompressor c(level);
  std::string out;
  c.write(input, out);
  c.finish(out);
  return out;
}

Result<std::string> gzip_decompress(std::string_view input, uint64_t max_output) {
  GzipDecompressor d(max_output);
  std::string out;
  if (auto r = d.write(input, out); !r) return tl::unexpected(r.error());
  if (auto r = d.finish(); !r) return tl::unexpected(r.error());
  return out;
}

}  // namespace logpost
