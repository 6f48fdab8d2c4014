// The metrics endpoint over real loopback sockets: status codes, limits,
// clients that stall, shutdown with clients connected, a port in use; and
// the HTTP request handling as pure functions.
#include "ingester/metrics_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "ingester/metrics_exposition.hpp"
#include "ingester/metrics_http.hpp"

namespace logpost::ingester {
namespace {

using namespace std::chrono_literals;

// --- pure HTTP -------------------------------------------------------------

std::string respond(std::string_view head) {
  return metrics_http_response(head, [] { return std::string("demo_total 1\n"); });
}

TEST(MetricsHttp, RequestHeadEnd) {
  EXPECT_EQ(http_request_head_end("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), 34u);
  EXPECT_EQ(http_request_head_end("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nbody"), 34u);
  EXPECT_EQ(http_request_head_end("GET /metrics HTTP/1.0\n\n"), 23u);
  EXPECT_EQ(http_request_head_end("GET /metrics HTTP/1.1\r\nHost: x\r\n"), std::string_view::npos);
  EXPECT_EQ(http_request_head_end(""), std::string_view::npos);
}

TEST(MetricsHttp, GetMetricsIsTheExpositionWithItsContentType) {
  EXPECT_EQ(respond("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: 13\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n"
            "\r\n"
            "demo_total 1\n");
  EXPECT_TRUE(respond("GET /metrics?name[]=x HTTP/1.0\n\n").starts_with("HTTP/1.1 200 OK\r\n"));
  std::string head = respond("HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_NE(head.find("Content-Length: 13\r\n"), std::string::npos);
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << "HEAD has no body";
}

TEST(MetricsHttp, OtherPathsMethodsAndGarbage) {
  EXPECT_TRUE(respond("GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_TRUE(respond("GET /metrics/ HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 "));
  EXPECT_TRUE(respond("GET /metricsx HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 "));
  std::string post = respond("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\n");
  EXPECT_TRUE(post.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << post;
  EXPECT_NE(post.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << post;
  EXPECT_TRUE(respond("DELETE /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 "));
  for (const char* bad : {"GET /metrics\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/2\r\n\r\n",
                          " GET /metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/1.1 extra\r\n\r\n", "\r\n\r\n",
                          "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"})
    EXPECT_TRUE(respond(bad).starts_with("HTTP/1.1 400 Bad Request\r\n")) << bad;
  EXPECT_TRUE(metrics_http_too_large().starts_with("HTTP/1.1 431 "));
  auto thrower = [] () -> std::string { throw std::runtime_error("no memory"); };
  std::string failed = metrics_http_response("GET /metrics HTTP/1.1\r\n\r\n", thrower);
  EXPECT_TRUE(failed.starts_with("HTTP/1.1 500 ")) << failed;
  EXPECT_NE(failed.find("no memory"), std::string::npos);
}

// --- over sockets -----------------------------------------------------------

ListenAddress any_loopback_port() { return ListenAddress{false, "127.0.0.1", 0}; }

// A blocking test client on raw sockets (the product's wrapper is under test).
class Client {
 public:
  explicit Client(const ListenAddress& to) {
    m_fd = ::socket(to.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(m_fd, 0);
    if (to.ipv6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(to.port);
      ::inet_pton(AF_INET6, to.host.c_str(), &a.sin6_addr);
      m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(to.port);
      ::inet_pton(AF_INET, to.host.c_str(), &a.sin_addr);
      m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client() {
    if (m_fd >= 0) ::close(m_fd);
  }
  [[nodiscard]] bool connected() const { return m_connected; }
  void send(std::string_view bytes) {
    ASSERT_EQ(::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // Everything until the server closes, or nullopt when `limit` passes first.
  std::optional<std::string> read_to_end(std::chrono::milliseconds limit = 5000ms) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buffer[4096];
      ssize_t got = ::recv(m_fd, buffer, sizeof buffer, 0);
      if (got <= 0) return out;
      out.append(buffer, static_cast<size_t>(got));
    }
  }

 private:
  int m_fd = -1;
  bool m_connected = false;
};

std::string get(const ListenAddress& at, std::string_view request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") {
  Client c(at);
  EXPECT_TRUE(c.connected());
  c.send(request);
  auto reply = c.read_to_end();
  EXPECT_TRUE(reply) << "no complete reply";
  return reply.value_or("");
}

std::string body_of(const std::string& reply) {
  size_t end = reply.find("\r\n\r\n");
  return end == std::string::npos ? "" : reply.substr(end + 4);
}

TEST(MetricsServer, ServesTheRenderedBodyFreshOnEveryRequest) {
  std::atomic<int> calls{0};
  auto server = MetricsServer::start(any_loopback_port(), [&] { return "demo_total " + std::to_string(++calls) + "\n"; });
  ASSERT_TRUE(server) << server.error().message;
  const ListenAddress& at = (*server)->address();
  EXPECT_EQ(at.host, "127.0.0.1");
  EXPECT_NE(at.port, 0);
  std::string first = get(at);
  EXPECT_TRUE(first.starts_with("HTTP/1.1 200 OK\r\n")) << first;
  EXPECT_NE(first.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_EQ(body_of(first), "demo_total 1\n");
  EXPECT_EQ(body_of(get(at)), "demo_total 2\n");
  EXPECT_TRUE(get(at, "GET /other HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 "));
  EXPECT_TRUE(get(at, "PUT /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 "));
  EXPECT_EQ(calls.load(), 2) << "only GET /metrics renders";
}

TEST(MetricsServer, RequestHeadArrivingInPiecesIsAnswered) {
  auto server = MetricsServer::start(any_loopback_port(), [] { return std::string("x 1\n"); });
  ASSERT_TRUE(server);
  Client c((*server)->address());
  c.send("GET /metr");
  c.send("ics HTTP/1.1\r\nHost: x\r\n");
  c.send("\r\n");
  auto reply = c.read_to_end();
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->starts_with("HTTP/1.1 200 OK\r\n")) << *reply;
}

TEST(MetricsServer, OversizedRequestGets431AndTheConnectionCloses) {
  MetricsServerLimits limits;
  limits.max_request_bytes = 1024;
  auto server = MetricsServer::start(any_loopback_port(), [] { return std::string("x 1\n"); }, limits);
  ASSERT_TRUE(server);
  Client c((*server)->address());
  // 2000 bytes in one write, no blank line: more than the limit, read whole
  // by the server (so its close is orderly and the answer arrives).
  c.send("GET /metrics HTTP/1.1\r\nX-Filler: " + std::string(2000 - 35, 'a'));
  auto reply = c.read_to_end();
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->starts_with("HTTP/1.1 431 ")) << *reply;
}

TEST(MetricsServer, AnIdleClientDoesNotDelayOthersAndIsClosedAtItsDeadline) {
  MetricsServerLimits limits;
  limits.client_timeout = 300ms;
  auto server = MetricsServer::start(any_loopback_port(), [] { return std::string("x 1\n"); }, limits);
  ASSERT_TRUE(server);
  Client idle((*server)->address());
  ASSERT_TRUE(idle.connected());
  Client half((*server)->address());
  half.send("GET /metrics HTTP/1.1\r\n");  // never finishes its head
  EXPECT_TRUE(get((*server)->address()).starts_with("HTTP/1.1 200 OK\r\n"));
  // Both stalled clients are hung up on (end of stream, no reply) well
  // before the client's own 5 s limit.
  auto idle_end = idle.read_to_end();
  ASSERT_TRUE(idle_end) << "idle client was not closed";
  EXPECT_EQ(*idle_end, "");
  auto half_end = half.read_to_end();
  ASSERT_TRUE(half_end) << "slow client was not closed";
  EXPECT_EQ(*half_end, "");
}

TEST(MetricsServer, ClientsBeyondTheLimitWaitInTheBacklogAndAreServed) {
  MetricsServerLimits limits;
  limits.max_clients = 2;
  limits.client_timeout = 200ms;
  auto server = MetricsServer::start(any_loopback_port(), [] { return std::string("x 1\n"); }, limits);
  ASSERT_TRUE(server);
  Client a((*server)->address());
  Client b((*server)->address());
  // The third is served once a slot frees (here: when an idle one times out).
  EXPECT_TRUE(get((*server)->address()).starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST(MetricsServer, DestroyingItStopsServingEvenWithClientsConnected) {
  ListenAddress at;
  std::optional<Client> stalled;
  {
    auto server = MetricsServer::start(any_loopback_port(), [] { return std::string("x 1\n"); });
    ASSERT_TRUE(server);
    at = (*server)->address();
    stalled.emplace(at);
    stalled->send("GET /metrics HTTP/1.1\r\n");
    EXPECT_TRUE(get(at).starts_with("HTTP/1.1 200 OK\r\n"));
  }  // the destructor must return although `stalled` never finishes
  auto end = stalled->read_to_end();
  ASSERT_TRUE(end);
  EXPECT_EQ(*end, "") << "closed without a reply";
  Client late(at);
  EXPECT_FALSE(late.connected()) << "the port still accepts connections";
}

TEST(MetricsServer, APortInUseIsATemporaryStartupError) {
  auto first = MetricsServer::start(any_loopback_port(), [] { return std::string(); });
  ASSERT_TRUE(first);
  auto second = MetricsServer::start((*first)->address(), [] { return std::string(); });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::temporary);
  EXPECT_EQ(exit_code_for(second.error().code), 75);
  EXPECT_NE(second.error().message.find("metrics_listen: bind 127.0.0.1:"), std::string::npos)
      << second.error().message;
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
}

TEST(MetricsServer, ServesOnIpv6Loopback) {
  auto server = MetricsServer::start(ListenAddress{true, "::1", 0}, [] { return std::string("x 1\n"); });
  if (!server) GTEST_SKIP() << "no IPv6 loopback here: " << server.error().message;
  EXPECT_EQ((*server)->address().text().substr(0, 6), "[::1]:");
  EXPECT_TRUE(get((*server)->address()).starts_with("HTTP/1.1 200 OK\r\n"));
}

}  // namespace
}  // namespace logpost::ingester
