#include "common/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace logpost {
namespace fs = std::filesystem;

namespace {

std::string random_suffix() {
  // Uniqueness only: O_EXCL catches the rare collision and we retry.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s(10, '0');
  for (auto& c : s) c = digits[rng() % 36];
  return s;
}

fs::path parent_or_dot(const fs::path& p) {
  fs::path parent = p.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

}  // namespace

AtomicFile::AtomicFile(fs::path target, fs::path temp, int fd)
    : m_target(std::move(target)), m_temp(std::move(temp)), m_fd(fd) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_target(std::move(other.m_target)), m_temp(std::move(other.m_temp)), m_fd(other.m_fd) {
  other.m_fd = -1;
  other.m_temp.clear();
}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    m_target = std::move(other.m_target);
    m_temp = std::move(other.m_temp);
    m_fd = other.m_fd;
    other.m_fd = -1;
    other.m_temp.clear();
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() noexcept {
  if (m_fd >= 0) {
    ::close(m_fd);
    m_fd = -1;
  }
  if (!m_temp.empty()) {
    ::unlink(m_temp.c_str());
    m_temp.clear();
  }
}

Result<AtomicFile> AtomicFile::create(const fs::path& target, mode_t mode) {
  if (target.filename().empty()) return fail(ErrorCode::io, "atomic file: no file name in '" + target.string() + "'");
  for (int attempt = 0; attempt < 16; ++attempt) {
    // The dot prefix keeps temporaries out of Maildir-style directory scans.
    fs::path temp = parent_or_dot(target) / ("." + target.filename().string() + ".tmp." + random_suffix());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd >= 0) return AtomicFile(target, std::move(temp), fd);
    if (errno != EEXIST) return fail_errno("cannot create temporary file for " + target.string());
  }
  return fail(ErrorCode::io, "cannot create a unique temporary file for " + target.string());
}

Result<void> AtomicFile::write(std::string_view bytes) {
  if (m_fd < 0) return fail(ErrorCode::internal, "atomic file " + m_target.string() + ": write after commit");
  while (!bytes.empty()) {
    ssize_t n = ::write(m_fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("write " + m_temp.string());
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<void> AtomicFile::commit() {
  if (m_fd < 0) return fail(ErrorCode::internal, "atomic file " + m_target.string() + ": committed twice");
  if (::fsync(m_fd) != 0) return fail_errno("fsync " + m_temp.string());
  if (::close(m_fd) != 0) {
    m_fd = -1;
    return fail_errno("close " + m_temp.string());
  }
  m_fd = -1;
  if (::rename(m_temp.c_str(), m_target.c_str()) != 0) return fail_errno("rename to " + m_target.string());
  m_temp.clear();
  return fsync_directory(parent_or_dot(m_target));
}

Result<void> write_file_atomically(const fs::path& target, std::string_view content, mode_t mode) {
  auto file = AtomicFile::create(target, mode);
  if (!file) return tl::unexpected(file.error());
  if (auto w = file->write(content); !w) return w;
  return file->commit();
}

Result<void> fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail_errno("open directory " + dir.string());
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) return fail_errno("fsync directory " + dir.string(), saved);
  return {};
}

Result<void> rename_durably(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return fail_errno("rename " + from.string() + " to " + to.string());
  fs::path to_dir = parent_or_dot(to);
  fs::path from_dir = parent_or_dot(from);
  if (auto r = fsync_directory(to_dir); !r) return r;
  if (from_dir != to_dir) return fsync_directory(from_dir);
  return {};
}

Result<std::string> read_small_file(const fs::path& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail_errno("open " + path.string());
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return fail_errno("read " + path.string(), saved);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return fail(ErrorCode::too_large, path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace logpost
