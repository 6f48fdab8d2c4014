#include "shipper/spool.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.hpp"

namespace logpost::shipper {
namespace fs = std::filesystem;

namespace {
Result<void> make_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return fail_errno("stat " + dir.string());
    if (!S_ISDIR(st.st_mode)) return fail(ErrorCode::io, dir.string() + " exists and is not a directory");
    return {};
  }
  return fail_errno("mkdir " + dir.string());
}
}  // namespace

Result<Spool> Spool::open(const fs::path& dir) {
  for (const auto& d : {dir, dir / "staging", dir / "outgoing", dir / "failed"})
    if (auto r = make_dir(d); !r) return tl::unexpected(r.error());
  return Spool(dir);
}

Spool::Spool(Spool&& other) noexcept : m_dir(std::move(other.m_dir)), m_lock_fd(std::exchange(other.m_lock_fd, -1)) {}

Spool& Spool::operator=(Spool&& other) noexcept {
  if (this != &other) {
    if (m_lock_fd >= 0) ::close(m_lock_fd);
    m_dir = std::move(other.m_dir);
    m_lock_fd = std::exchange(other.m_lock_fd, -1);
  }
  return *this;
}

Spool::~Spool() {
  if (m_lock_fd >= 0) ::close(m_lock_fd);
}

Result<void> Spool::lock(std::chrono::milliseconds timeout) {
  if (m_lock_fd >= 0) return {};
  fs::path path = m_dir / "lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail_errno("open " + path.string());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int e = errno;
      ::close(fd);
      return fail_errno("flock " + path.string(), e);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return fail(ErrorCode::temporary, "spool " + m_dir.string() + " is locked by another logpost-ship; try later");
    }
    // flock has no timed wait; poll the lock at a modest rate until the deadline.
    ::poll(nullptr, 0, 200);
  }
  m_lock_fd = fd;
  return {};
}

Result<fs::path> Spool::begin_staging(std::string_view shipment_id) {
  if (auto r = discard_staging(shipment_id); !r) return tl::unexpected(r.error());
  fs::path d = m_dir / "staging" / std::string(shipment_id);
  if (auto r = make_dir(d); !r) return tl::unexpected(r.error());
  return d;
}

Result<fs::path> Spool::stage_part(std::string_view shipment_id, uint32_t part, std::string_view gzip) {
  char name[32];
  std::snprintf(name, sizeof name, "part-%06u.gz", part);
  fs::path p = m_dir / "staging" / std::string(shipment_id) / name;
  if (auto r = write_file_atomically(p, gzip, 0600); !r) return tl::unexpected(r.error());
  return p;
}

Result<void> Spool::discard_staging(std::string_view shipment_id) {
  std::error_code ec;
  fs::remove_all(m_dir / "staging" / std::string(shipment_id), ec);
  if (ec) return fail(ErrorCode::io, "cannot remove staging of " + std::string(shipment_id) + ": " + ec.message());
  return {};
}

std::string Spool::outgoing_name(int64_t created_us, std::string_view shipment_id, uint32_t part) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%020lld-%.*s-%06u.eml", static_cast<long long>(created_us),
                static_cast<int>(shipment_id.size()), shipment_id.data(), part);
  return buf;
}

Result<fs::path> Spool::enqueue(const std::string& name, std::string_view mail) {
  fs::path p = outgoing_dir() / name;
  if (auto r = write_file_atomically(p, mail, 0600); !r) return tl::unexpected(r.error());
  return p;
}

Result<std::vector<fs::path>> Spool::outgoing() const {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(outgoing_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    // AtomicFile's temporaries and anything else that is not a finished mail stay.
    if (p.extension() == ".eml" && it->is_regular_file()) out.push_back(p);
  }
  if (ec) return fail(ErrorCode::io, "cannot list " + outgoing_dir().string() + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Result<void> Spool::delivered(const fs::path& mail) {
  if (::unlink(mail.c_str()) != 0 && errno != ENOENT) return fail_errno("unlink " + mail.string());
  // Not fsync'ed on purpose: if the unlink is lost in a crash the part is
  // sent again, with the same Message-ID, and the ingester drops the duplicate.
  return {};
}

Result<fs::path> Spool::rejected(const fs::path& mail, std::string_view reply) {
  fs::path target = failed_dir() / mail.filename();
  fs::path reason = target;
  reason.replace_extension(".reason");
  if (auto r = write_file_atomically(reason, std::string(reply) + "\n", 0600); !r) return tl::unexpected(r.error());
  if (auto r = rename_durably(mail, target); !r) return tl::unexpected(r.error());
  return target;
}

}  // namespace logpost::shipper
