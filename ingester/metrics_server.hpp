// metrics_server.hpp — the Prometheus endpoint of logpost-ingest
// (`metrics_listen`): a loopback HTTP server on its own small thread.
//
// NAME
//   MetricsServer — serves GET /metrics (metrics_http.hpp) on one loopback
//   address until destroyed.
// DESCRIPTION
//   start() binds the socket on the caller's thread (so a port in use is a
//   start-up error, not a log line later), then one thread runs a poll(2)
//   loop over the listening socket, a wake-up eventfd and at most
//   `max_clients` connections, all non-blocking. Each connection gets
//   `client_timeout` in total to send its request head (at most
//   `max_request_bytes`) and take the response; then it is closed. Further
//   connections wait in the kernel's backlog while `max_clients` are open.
//   `render` is called on the server thread for each GET /metrics; it must
//   be safe to call concurrently with the ingester (it reads IngestStats,
//   whose fields are atomic). A slow or idle client therefore costs the
//   server thread a descriptor, never the ingester any time.
//   The destructor wakes the thread through the eventfd and joins it: it
//   returns within one poll round, whatever the clients do.
// ERRORS
//   start(): the socket errors of tcp_socket.hpp (port in use ->
//   ErrorCode::temporary), eventfd or thread creation -> ErrorCode::io.
//   Errors while serving (accept failing when out of descriptors, a reset
//   connection) are logged and served around, never fatal.
// SECURITY
//   Only loopback addresses reach here (listen_address.hpp). No
//   authentication: anyone on the machine may read the counters, which name
//   no tenant, host or file. The server never reads more than
//   max_request_bytes per connection and writes only its own responses.
// Thread-safety: create and destroy from one thread; the server's own
//   thread only calls `render`.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/result.hpp"
#include "ingester/listen_address.hpp"
#include "ingester/tcp_socket.hpp"

namespace logpost::ingester {

struct MetricsServerLimits {
  size_t max_request_bytes = 8192;
  std::chrono::milliseconds client_timeout{5000};
  size_t max_clients = 16;
};

class MetricsServer {
 public:
  using Render = std::function<std::string()>;

  static Result<std::unique_ptr<MetricsServer>> start(const ListenAddress& address, Render render,
                                                      MetricsServerLimits limits = {});
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  ~MetricsServer();

  // The bound address (the real port when `address` had port 0).
  [[nodiscard]] const ListenAddress& address() const { return m_address; }

 private:
  MetricsServer(TcpSocket listener, int wake_fd, ListenAddress address, Render render, MetricsServerLimits limits);
  void run();

  TcpSocket m_listener;
  int m_wake_fd = -1;
  ListenAddress m_address;
  Render m_render;
  MetricsServerLimits m_limits;
  std::thread m_thread;
};

}  // namespace logpost::ingester
