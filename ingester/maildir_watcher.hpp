// maildir_watcher.hpp — wakes the daemon when mail lands in new/.
//
// inotify on <maildir>/new for IN_CREATE (Postfix's local delivery links the
// finished file into new/) and IN_MOVED_TO (MDAs that rename). The watcher
// reports only "something may have arrived": the daemon then rescans new/,
// which also covers IN_Q_OVERFLOW (events lost) and mail that arrived
// before the watch existed. wait() also returns on a stop request and after
// the rescan interval, so a missed event costs at most one interval.
//
// Errors: open() fails when inotify is unavailable (ErrorCode::io).
// Thread-safety: one thread.
#pragma once

#include <chrono>
#include <filesystem>

#include "common/result.hpp"
#include "ingester/stop_source.hpp"

namespace logpost::ingester {

class MaildirWatcher {
 public:
  static Result<MaildirWatcher> open(const std::filesystem::path& new_dir);
  MaildirWatcher(MaildirWatcher&& other) noexcept;
  MaildirWatcher& operator=(MaildirWatcher&&) = delete;
  MaildirWatcher(const MaildirWatcher&) = delete;
  MaildirWatcher& operator=(const MaildirWatcher&) = delete;
  ~MaildirWatcher();

  enum class Wake { mail, overflow, timeout, stop };
  // Blocks until mail may have arrived, events overflowed, `timeout` passed
  // or `stop` fired. Drains all pending inotify events.
  Wake wait(StopSource& stop, std::chrono::milliseconds timeout);

 private:
  explicit MaildirWatcher(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

}  // namespace logpost::ingester
