// stop_source.cpp — signalfd-based stop requests.
#include "ingester/stop_source.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace logpost::ingester {

Result<SignalStopSource> SignalStopSource::create() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return fail(ErrorCode::internal, "pthread_sigmask failed");
  int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return fail_errno("signalfd");
  return SignalStopSource(fd);
}

SignalStopSource::SignalStopSource(SignalStopSource&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_stopped(other.m_stopped) {}

SignalStopSource::~SignalStopSource() {
  if (m_fd >= 0) ::close(m_fd);
}

bool SignalStopSource::drain() {
  signalfd_siginfo info{};
  while (::read(m_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) m_stopped = true;
  return m_stopped;
}

bool SignalStopSource::stop_requested() { return m_stopped || drain(); }

bool SignalStopSource::wait(std::chrono::milliseconds timeout) {
  if (stop_requested()) return true;
  pollfd p{m_fd, POLLIN, 0};
  int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(timeout.count(), INT32_MAX)));
  (void)rc;  // EINTR or timeout: either way report what is pending
  return stop_requested();
}

void ManualStopSource::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopped = true;
  }
  m_cv.notify_all();
}

bool ManualStopSource::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  m_cv.wait_for(lock, timeout, [&] { return m_stopped.load(); });
  return m_stopped.load();
}

}  // namespace logpost::ingester
