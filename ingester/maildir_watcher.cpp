// maildir_watcher.cpp — inotify, wrapped once.
#include "ingester/maildir_watcher.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace logpost::ingester {

Result<MaildirWatcher> MaildirWatcher::open(const std::filesystem::path& new_dir) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return fail_errno("inotify_init1");
  if (::inotify_add_watch(fd, new_dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
    auto e = fail_errno("inotify_add_watch " + new_dir.string());
    ::close(fd);
    return e;
  }
  return MaildirWatcher(fd);
}

MaildirWatcher::MaildirWatcher(MaildirWatcher&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

MaildirWatcher::~MaildirWatcher() {
  if (m_fd >= 0) ::close(m_fd);
}

MaildirWatcher::Wake MaildirWatcher::wait(StopSource& stop, std::chrono::milliseconds timeout) {
  if (stop.stop_requested()) return Wake::stop;
  pollfd fds[2] = {{m_fd, POLLIN, 0}, {stop.fd(), POLLIN, 0}};
  nfds_t n = stop.fd() >= 0 ? 2 : 1;
  int ms = static_cast<int>(std::min<int64_t>(timeout.count(), INT32_MAX));
  int rc = ::poll(fds, n, ms);
  if (stop.stop_requested()) return Wake::stop;
  if (rc <= 0) return Wake::timeout;
  Wake wake = Wake::timeout;
  alignas(inotify_event) char buffer[16384];
  for (;;) {
    ssize_t got = ::read(m_fd, buffer, sizeof buffer);
    if (got <= 0) break;
    for (ssize_t off = 0; off < got;) {
      inotify_event ev{};
      std::memcpy(&ev, buffer + off, sizeof ev);
      if (ev.mask & IN_Q_OVERFLOW) wake = Wake::overflow;
      else if (wake != Wake::overflow) wake = Wake::mail;
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev.len);
    }
  }
  return wake;
}

}  // namespace logpost::ingester
