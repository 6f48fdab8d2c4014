// tcp_socket.hpp — TCP sockets, wrapped once: the only file of logpost-ingest
// that calls socket(2), bind(2), listen(2), accept(2), recv(2) and send(2).
//
// A TcpSocket owns one descriptor (closed by the destructor) and is always
// non-blocking and close-on-exec: callers wait with poll(2) on fd().
// listen() binds with SO_REUSEADDR (a restart does not wait for TIME_WAIT
// connections of the previous run) and IPV6_V6ONLY for [::1].
//
// Errors: Result. listen(): address in use -> ErrorCode::temporary (another
// instance holds the port, or is still shutting down: exit 75); permission
// denied (a port below 1024 without the capability) -> ErrorCode::config;
// anything else -> ErrorCode::io. read_some()/write_some() return 0 bytes
// when the call would block and ErrorCode::io for a reset or broken
// connection; read_some() returns nullopt at end of stream. send never
// raises SIGPIPE (MSG_NOSIGNAL).
// Thread-safety: one thread per socket.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "ingester/listen_address.hpp"

namespace logpost::ingester {

class TcpSocket {
 public:
  static Result<TcpSocket> listen(const ListenAddress& address, int backlog = 64);

  TcpSocket(TcpSocket&& other) noexcept;
  TcpSocket& operator=(TcpSocket&& other) noexcept;
  TcpSocket(const TcpSocket&) = delete;
  TcpSocket& operator=(const TcpSocket&) = delete;
  ~TcpSocket();

  // A pending connection (non-blocking, close-on-exec), or nullopt when none
  // is waiting. Errors of the aborted-connection kind are nullopt too.
  Result<std::optional<TcpSocket>> accept();
  // Bytes read into `buffer` (0 = would block), nullopt at end of stream.
  Result<std::optional<size_t>> read_some(char* buffer, size_t size);
  // Bytes written (0 = would block).
  Result<size_t> write_some(const char* data, size_t size);
  // No more writes: the peer sees end of stream after the data sent.
  void shutdown_write();

  // The bound address, with the real port when listen() was given port 0.
  [[nodiscard]] Result<ListenAddress> local_address() const;
  [[nodiscard]] int fd() const { return m_fd; }

 private:
  explicit TcpSocket(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

}  // namespace logpost::ingester
