// tcp_socket.cpp — the socket system calls, RAII.
#include "ingester/tcp_socket.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

namespace logpost::ingester {

namespace {

struct AddrinfoFree {
  void operator()(addrinfo* ai) const { ::freeaddrinfo(ai); }
};
using AddrinfoPtr = std::unique_ptr<addrinfo, AddrinfoFree>;

// The numeric address as a sockaddr of its family (no name lookup).
Result<AddrinfoPtr> resolve_numeric(const ListenAddress& address) {
  addrinfo hints{};
  hints.ai_family = address.ipv6 ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(address.host.c_str(), std::to_string(address.port).c_str(), &hints, &found);
  if (rc != 0 || !found) return fail(ErrorCode::config, address.text() + ": " + ::gai_strerror(rc));
  return AddrinfoPtr(found);
}

}  // namespace

Result<TcpSocket> TcpSocket::listen(const ListenAddress& address, int backlog) {
  auto ai = resolve_numeric(address);
  if (!ai) return tl::unexpected(ai.error());
  int fd = ::socket((*ai)->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_errno("socket");
  TcpSocket sock(fd);  // closes fd on every error path below
  int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return fail_errno("setsockopt SO_REUSEADDR");
  if (address.ipv6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
    return fail_errno("setsockopt IPV6_V6ONLY");
  if (::bind(fd, (*ai)->ai_addr, (*ai)->ai_addrlen) != 0) {
    int e = errno;
    std::string what = "bind " + address.text() + ": " + std::strerror(e);
    if (e == EADDRINUSE) return fail(ErrorCode::temporary, what + " (another process listens there)");
    if (e == EACCES) return fail(ErrorCode::config, what + " (ports below 1024 need privileges)");
    return fail(ErrorCode::io, what);
  }
  if (::listen(fd, backlog) != 0) return fail_errno("listen " + address.text());
  return sock;
}

TcpSocket::TcpSocket(TcpSocket&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

TcpSocket& TcpSocket::operator=(TcpSocket&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

TcpSocket::~TcpSocket() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<std::optional<TcpSocket>> TcpSocket::accept() {
  for (;;) {
    int fd = ::accept4(m_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) return std::optional<TcpSocket>(TcpSocket(fd));
    if (errno == EINTR) continue;
    // EAGAIN: nobody waiting; ECONNABORTED/EPROTO: the client gave up
    // before we got to it. Neither is our failure.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED || errno == EPROTO)
      return std::optional<TcpSocket>();
    // EMFILE, ENOBUFS, ...: the connection stays in the backlog.
    return fail_errno("accept");
  }
}

Result<std::optional<size_t>> TcpSocket::read_some(char* buffer, size_t size) {
  for (;;) {
    ssize_t got = ::recv(m_fd, buffer, size, 0);
    if (got > 0) return std::optional<size_t>(static_cast<size_t>(got));
    if (got == 0) return std::optional<size_t>();
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<size_t>(0);
    return fail_errno("recv");
  }
}

Result<size_t> TcpSocket::write_some(const char* data, size_t size) {
  for (;;) {
    ssize_t put = ::send(m_fd, data, size, MSG_NOSIGNAL);
    if (put >= 0) return static_cast<size_t>(put);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
    return fail_errno("send");
  }
}

void TcpSocket::shutdown_write() {
  if (m_fd >= 0) ::shutdown(m_fd, SHUT_WR);
}

Result<ListenAddress> TcpSocket::local_address() const {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  auto* sa = reinterpret_cast<sockaddr*>(&storage);  // what the socket API takes
  if (::getsockname(m_fd, sa, &length) != 0) return fail_errno("getsockname");
  char host[NI_MAXHOST] = {};
  char port[NI_MAXSERV] = {};
  int rc = ::getnameinfo(sa, length, host, sizeof host, port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
  if (rc != 0) return fail(ErrorCode::io, std::string("getnameinfo: ") + ::gai_strerror(rc));
  ListenAddress out;
  out.ipv6 = storage.ss_family == AF_INET6;
  out.host = host;
  out.port = static_cast<uint16_t>(std::stoul(port));
  return out;
}

}  // namespace logpost::ingester
