// tcp_socket.cpp — the socket system calls, RAII.
#include "ingester/tcp_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace logpost::ingester {

namespace {

// sockaddr_storage holds either family; the casts to sockaddr* are what the
// socket API is defined in terms of.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  [[nodiscard]] const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

Result<SocketAddress> to_socket_address(const ListenAddress& address) {
  SocketAddress out;
  if (address.ipv6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(address.port);
    if (::inet_pton(AF_INET6, address.host.c_str(), &a.sin6_addr) != 1)
      return fail(ErrorCode::config, "'" + address.host + "' is not an IPv6 address");
    std::memcpy(&out.storage, &a, sizeof a);
    out.length = sizeof a;
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(address.port);
    if (::inet_pton(AF_INET, address.host.c_str(), &a.sin_addr) != 1)
      return fail(ErrorCode::config, "'" + address.host + "' is not an IPv4 address");
    std::memcpy(&out.storage, &a, sizeof a);
    out.length = sizeof a;
  }
  return out;
}

}  // namespace

Result<TcpSocket> TcpSocket::listen(const ListenAddress& address, int backlog) {
  auto sa = to_socket_address(address);
  if (!sa) return tl::unexpected(sa.error());
  int fd = ::socket(address.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_errno("socket");
  TcpSocket sock(fd);  // closes fd on every error path below
  int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return fail_errno("setsockopt SO_REUSEADDR");
  if (address.ipv6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
    return fail_errno("setsockopt IPV6_V6ONLY");
  if (::bind(fd, sa->get(), sa->length) != 0) {
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
  if (::getsockname(m_fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return fail_errno("getsockname");
  ListenAddress out;
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET6) {
    sockaddr_in6 a{};
    std::memcpy(&a, &storage, sizeof a);
    ::inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
    out.ipv6 = true;
    out.port = ntohs(a.sin6_port);
  } else {
    sockaddr_in a{};
    std::memcpy(&a, &storage, sizeof a);
    ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
    out.port = ntohs(a.sin_port);
  }
  out.host = text;
  return out;
}

}  // namespace logpost::ingester
