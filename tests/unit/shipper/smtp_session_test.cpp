// EsmtpSession without a server: every mail gets a temporary verdict with a
// reason (delivery against a real Postfix is in tests/integration/shipper).
#include "shipper/smtp_session.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_util.hpp"

namespace logpost::shipper {
namespace {

// A loopback port with nothing listening: bind a socket, read its port, close it.
int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(EsmtpSession, UnreachableMtaIsATemporaryFailureForEveryMail) {
  test::TempDir dir;
  test::write_file(dir.path() / "a.eml", "From: a@b.example\r\nTo: c@d.example\r\n\r\nhi\r\n");
  SmtpSettings settings;
  settings.host = "127.0.0.1";
  settings.port = unused_port();
  settings.timeout = std::chrono::seconds(5);
  EsmtpSession session(settings);
  std::vector<OutgoingMail> mails{{dir.path() / "a.eml", "a@b.example", "c@d.example"},
                                  {dir.path() / "missing.eml", "a@b.example", "c@d.example"}};
  auto verdicts = session.send(mails);
  ASSERT_EQ(verdicts.size(), 2u);
  for (const auto& v : verdicts) {
    EXPECT_EQ(v.status, SmtpVerdict::Status::temporary);
    EXPECT_EQ(v.code, 0);
    EXPECT_NE(v.reply.find("127.0.0.1:" + std::to_string(settings.port)), std::string::npos) << v.reply;
  }
}

TEST(EsmtpSession, NoMailsNoConnection) {
  EsmtpSession session(SmtpSettings{});
  EXPECT_TRUE(session.send({}).empty());
}

}  // namespace
}  // namespace logpost::shipper
