// metrics_server.cpp — the poll loop of the metrics endpoint.
#include "ingester/metrics_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>
#include <cstdint>
#include <optional>
#include <system_error>
#include <vector>

#include "ingester/log_line.hpp"
#include "ingester/metrics_http.hpp"

namespace logpost::ingester {

namespace {

using Clock = std::chrono::steady_clock;

struct Client {
  TcpSocket socket;
  Clock::time_point deadline;
  std::string request;
  std::string response;  // non-empty once the request has been answered
  size_t sent = 0;
};

// After accept() fails for lack of descriptors or memory the listening
// socket stays readable: without a pause the loop would spin on it.
constexpr std::chrono::milliseconds k_accept_pause{200};

int poll_timeout_ms(const std::vector<Client>& clients, std::optional<Clock::time_point> accept_resume) {
  std::optional<Clock::time_point> next = accept_resume;
  for (const auto& c : clients)
    if (!next || c.deadline < *next) next = c.deadline;
  if (!next) return -1;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*next - Clock::now()).count() + 1;
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 60000));
}

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const ListenAddress& address, Render render,
                                                            MetricsServerLimits limits) {
  auto listener = TcpSocket::listen(address);
  if (!listener) return tl::unexpected(listener.error().with_context("metrics_listen"));
  auto bound = listener->local_address();
  if (!bound) return tl::unexpected(bound.error());
  int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) return fail_errno("eventfd");
  std::unique_ptr<MetricsServer> server(
      new MetricsServer(std::move(*listener), wake, std::move(*bound), std::move(render), limits));
  try {
    server->m_thread = std::thread([s = server.get()] {
      // Nothing may escape the thread (std::terminate would take the
      // ingester down with it): the endpoint stops, ingestion goes on.
      try {
        s->run();
      } catch (const std::exception& e) {
        log_event(LogLevel::error, "metrics_server_stopped", {{"reason", e.what()}});
      }
    });
  } catch (const std::system_error& e) {
    return fail(ErrorCode::io, std::string("metrics server thread: ") + e.what());
  }
  return server;
}

MetricsServer::MetricsServer(TcpSocket listener, int wake_fd, ListenAddress address, Render render,
                             MetricsServerLimits limits)
    : m_listener(std::move(listener)),
      m_wake_fd(wake_fd),
      m_address(std::move(address)),
      m_render(std::move(render)),
      m_limits(limits) {}

MetricsServer::~MetricsServer() {
  if (m_thread.joinable()) {
    uint64_t one = 1;
    // An eventfd write of 1 cannot block or fail short of overflow.
    [[maybe_unused]] ssize_t w = ::write(m_wake_fd, &one, sizeof one);
    m_thread.join();
  }
  if (m_wake_fd >= 0) ::close(m_wake_fd);
}

void MetricsServer::run() {
  std::vector<Client> clients;
  std::vector<pollfd> fds;
  std::optional<Clock::time_point> accept_resume;
  char buffer[4096];
  for (;;) {
    bool accepting = clients.size() < m_limits.max_clients && !accept_resume;
    fds.clear();
    fds.push_back({m_wake_fd, POLLIN, 0});
    fds.push_back({accepting ? m_listener.fd() : -1, POLLIN, 0});  // fd -1: ignored by poll
    for (const auto& c : clients)
      fds.push_back({c.socket.fd(), static_cast<short>(c.response.empty() ? POLLIN : POLLOUT), 0});
    int rc = ::poll(fds.data(), fds.size(), poll_timeout_ms(clients, accept_resume));
    if (rc < 0 && errno != EINTR) {
      log_event(LogLevel::error, "metrics_poll_failed", {{"reason", std::string(std::strerror(errno))}});
      return;
    }
    if (fds[0].revents & POLLIN) return;  // the destructor asks us to stop
    auto now = Clock::now();
    if (accept_resume && now >= *accept_resume) accept_resume.reset();

    // Existing connections first: fds[2 + i] belongs to clients[i].
    std::vector<bool> done(clients.size(), false);
    for (size_t i = 0; i < clients.size(); ++i) {
      Client& c = clients[i];
      short revents = rc > 0 ? fds[2 + i].revents : 0;
      if (c.response.empty() && (revents & (POLLIN | POLLHUP | POLLERR))) {
        auto got = c.socket.read_some(buffer, sizeof buffer);
        if (!got || !*got) {
          done[i] = true;  // reset, or closed before a whole request: nothing to answer
          continue;
        }
        c.request.append(buffer, **got);
        size_t end = http_request_head_end(c.request);
        if (end != std::string::npos) {
          c.response = metrics_http_response(std::string_view(c.request).substr(0, end), m_render);
        } else if (c.request.size() > m_limits.max_request_bytes) {
          c.response = metrics_http_too_large();
        }
        if (!c.response.empty()) c.request = std::string();  // a fully read head is not kept around
      }
      if (!c.response.empty() && (revents & (POLLOUT | POLLERR | POLLHUP) || c.sent == 0)) {
        // Try at once after answering: a small response usually fits the socket buffer.
        auto put = c.socket.write_some(c.response.data() + c.sent, c.response.size() - c.sent);
        if (!put) {
          done[i] = true;
          continue;
        }
        c.sent += *put;
        if (c.sent == c.response.size()) {
          c.socket.shutdown_write();
          done[i] = true;
          continue;
        }
      }
      if (now >= c.deadline) done[i] = true;  // idle or slow: its time is up
    }
    size_t kept = 0;
    for (size_t i = 0; i < clients.size(); ++i) {
      if (done[i]) continue;
      if (kept != i) clients[kept] = std::move(clients[i]);
      ++kept;
    }
    clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(kept), clients.end());

    if (accepting && rc > 0 && (fds[1].revents & POLLIN)) {
      while (clients.size() < m_limits.max_clients) {
        auto accepted = m_listener.accept();
        if (!accepted) {
          log_event(LogLevel::warn, "metrics_accept_failed", {{"reason", accepted.error().message}});
          accept_resume = Clock::now() + k_accept_pause;
          break;
        }
        if (!*accepted) break;
        clients.push_back(Client{std::move(**accepted), Clock::now() + m_limits.client_timeout, {}, {}, 0});
      }
    }
  }
}

}  // namespace logpost::ingester
