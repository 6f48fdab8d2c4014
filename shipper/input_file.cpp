#include "shipper/input_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crypto.hpp"
#include "common/gzip.hpp"

namespace logpost::shipper {
namespace {

constexpr size_t k_plain_chunk = 256 * 1024;
// A 16 KiB gzip chunk inflates to at most ~16 MiB (deflate's ratio is
// bounded by ~1032:1), which bounds memory per call for any input.
constexpr size_t k_gzip_chunk = 16 * 1024;

Result<size_t> read_some(int fd, char* buf, size_t n, uint64_t offset) {
  for (;;) {
    ssize_t got = ::pread(fd, buf, n, static_cast<off_t>(offset));
    if (got >= 0) return static_cast<size_t>(got);
    if (errno == EINTR) continue;
    return fail_errno("read");
  }
}

}  // namespace

std::string FileIdentity::file_id() const {
  return std::to_string(device) + ":" + std::to_string(inode) + ":" + std::to_string(size) + ":" +
         std::to_string(mtime) + ":" + head_sha256.substr(0, 16);
}

std::string printable_path(const std::filesystem::path& path) {
  std::string out;
  for (unsigned char c : path.native()) {
    if (c < 0x20 || c == 0x7f || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

InputFile::InputFile(std::filesystem::path path, int fd) : m_path(std::move(path)), m_fd(fd) {}

InputFile::InputFile(InputFile&& other) noexcept
    : m_path(std::move(other.m_path)),
      m_fd(std::exchange(other.m_fd, -1)),
      m_identity(std::move(other.m_identity)),
      m_gzip(other.m_gzip),
      m_binary(other.m_binary) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_path = std::move(other.m_path);
    m_fd = std::exchange(other.m_fd, -1);
    m_identity = std::move(other.m_identity);
    m_gzip = other.m_gzip;
    m_binary = other.m_binary;
  }
  return *this;
}

InputFile::~InputFile() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<InputFile> InputFile::open(const std::filesystem::path& path) {
  // O_NONBLOCK: opening a FIFO must not hang the hook; it is refused below.
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP) return fail(ErrorCode::input, "is a symbolic link; refusing to follow it (pass the real file)");
    if (e == ENOENT) return fail(ErrorCode::input, "no such file");
    return fail(ErrorCode::input, std::string("cannot open: ") + std::strerror(e));
  }
  InputFile file(path, fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(ErrorCode::input, std::string("cannot stat: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail(ErrorCode::input, "is a directory, not a log file");
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::input, "is not a regular file");
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  if (auto r = file.identify(); !r) return tl::unexpected(r.error());
  return file;
}

Result<bool> InputFile::wait_quiet(std::chrono::milliseconds quiet, std::chrono::milliseconds max_wait) {
  using clock = std::chrono::system_clock;
  const auto give_up = std::chrono::steady_clock::now() + max_wait;
  bool went_quiet = false;
  for (;;) {
    struct stat st {};
    if (::fstat(m_fd, &st) != 0) return fail_errno("stat " + m_path.string());
    auto mtime = clock::time_point(std::chrono::duration_cast<clock::duration>(
        std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    if (clock::now() - mtime >= quiet) {
      went_quiet = true;
      break;
    }
    if (std::chrono::steady_clock::now() >= give_up) break;
    // Poll the file's mtime until it is old enough or the deadline passes.
    ::poll(nullptr, 0, 100);
  }
  if (auto r = identify(); !r) return tl::unexpected(r.error());
  return went_quiet;
}

Result<void> InputFile::identify() {
  InputFile& file = *this;
  const int fd = m_fd;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(ErrorCode::input, std::string("cannot stat: ") + std::strerror(errno));
  file.m_identity.device = static_cast<uint64_t>(st.st_dev);
  file.m_identity.inode = static_cast<uint64_t>(st.st_ino);
  file.m_identity.size = static_cast<uint64_t>(st.st_size);
  file.m_identity.mtime = static_cast<int64_t>(st.st_mtim.tv_sec);
  file.m_identity.mtime_nsec = static_cast<int64_t>(st.st_mtim.tv_nsec);

  std::string head(k_head_bytes, '\0');
  size_t have = 0;
  while (have < head.size() && have < file.m_identity.size) {
    auto got = read_some(fd, head.data() + have, head.size() - have, have);
    if (!got) return fail(ErrorCode::input, got.error().message);
    if (*got == 0) break;
    have += *got;
  }
  head.resize(have);
  file.m_identity.head_sha256 = sha256_hex(head);
  file.m_gzip = head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
                static_cast<unsigned char>(head[1]) == 0x8b;
  file.m_binary = !file.m_gzip && head.find('\0') != std::string::npos;
  return {};
}

Result<StreamReport> InputFile::stream(const std::function<Result<void>(std::string_view)>& sink) {
  StreamReport report;
  const uint64_t limit = m_identity.size;
  std::string buf(m_gzip ? k_gzip_chunk : k_plain_chunk, '\0');
  std::string inflated;
  GzipDecompressor inflater;
  while (report.raw_bytes < limit) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), limit - report.raw_bytes));
    auto got = read_some(m_fd, buf.data(), want, report.raw_bytes);
    if (!got) return tl::unexpected(got.error());
    if (*got == 0) {
      report.source_changed = true;
      report.change_note = "file shrank while being read (" + std::to_string(report.raw_bytes) + " of " +
                           std::to_string(limit) + " bytes read)";
      break;
    }
    std::string_view data(buf.data(), *got);
    report.raw_bytes += *got;
    if (m_gzip) {
      inflated.clear();
      if (auto w = inflater.write(data, inflated); !w)
        return fail(w.error().code, "corrupt gzip input near compressed byte " + std::to_string(report.raw_bytes) +
                                        ": " + w.error().message);
      if (!inflated.empty()) {
        report.content_bytes += inflated.size();
        if (auto r = sink(inflated); !r) return tl::unexpected(r.error());
      }
    } else {
      report.content_bytes += data.size();
      if (auto r = sink(data); !r) return tl::unexpected(r.error());
    }
  }
  if (m_gzip && !report.source_changed) {
    if (auto f = inflater.finish(); !f)
      return fail(ErrorCode::data, "corrupt gzip input (truncated or bad trailer): " + f.error().message);
  }
  struct stat st {};
  if (::fstat(m_fd, &st) == 0 && !report.source_changed) {
    if (static_cast<uint64_t>(st.st_size) != limit) {
      report.source_changed = true;
      report.change_note = "file size changed from " + std::to_string(limit) + " to " + std::to_string(st.st_size) +
                           " bytes while being read; shipped the first " + std::to_string(limit);
    } else if (st.st_mtim.tv_sec != m_identity.mtime || st.st_mtim.tv_nsec != m_identity.mtime_nsec) {
      report.source_changed = true;
      report.change_note = "file was modified while being read";
    }
  }
  return report;
}

}  // namespace logpost::shipper
