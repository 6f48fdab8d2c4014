// stop_source.hpp — how the ingester learns it should stop, and how it
// waits without missing that.
//
// SignalStopSource blocks SIGTERM and SIGINT in the calling thread (create
// it before starting any thread) and reads them from a signalfd: a signal
// that arrives at any moment is seen by the next stop_requested() or wakes a
// wait(), with no race between checking a flag and sleeping. fd() is the
// signalfd, for poll() together with other descriptors (inotify).
// ManualStopSource is for tests and library users: stop() from any thread.
//
// Thread-safety: SignalStopSource belongs to one thread; ManualStopSource's
// stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/result.hpp"

namespace logpost::ingester {

class StopSource {
 public:
  virtual ~StopSource() = default;
  virtual bool stop_requested() = 0;
  // Sleeps up to `timeout`; returns true (early) when a stop is requested.
  virtual bool wait(std::chrono::milliseconds timeout) = 0;
  // A descriptor that becomes readable on a stop request, or -1.
  [[nodiscard]] virtual int fd() const { return -1; }
};

class SignalStopSource final : public StopSource {
 public:
  static Result<SignalStopSource> create();
  SignalStopSource(SignalStopSource&& other) noexcept;
  SignalStopSource& operator=(SignalStopSource&&) = delete;
  SignalStopSource(const SignalStopSource&) = delete;
  SignalStopSource& operator=(const SignalStopSource&) = delete;
  ~SignalStopSource() override;

  bool stop_requested() override;
  bool wait(std::chrono::milliseconds timeout) override;
  [[nodiscard]] int fd() const override { return m_fd; }

 private:
  explicit SignalStopSource(int fd) : m_fd(fd) {}
  bool drain();
  int m_fd = -1;
  bool m_stopped = false;
};

class ManualStopSource final : public StopSource {
 public:
  void stop();
  bool stop_requested() override { return m_stopped.load(); }
  bool wait(std::chrono::milliseconds timeout) override;

 private:
  std::atomic<bool> m_stopped{false};
  std::mutex m_mutex;
  std::condition_variable m_cv;
};

}  // namespace logpost::ingester
