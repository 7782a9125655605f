// 40: the egress policy on the real daemon (reliability-plan.md §1): without
// --allow-private-networks nothing on loopback is ever contacted.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

#include "support/hub_process.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"
#include "support/websub_client.h"

using namespace hubbub::test;
using nlohmann::json;

TEST_CASE("by default a loopback callback is refused without a connection",
          "[integration][egress][SEC-07][S1][S2][S4]") {
  TempDir dir;
  TestHttpServer callback;
  HubProcess hub(dir.file("hub.db"), {"--retry-base", "0.05"});
  const std::string port = std::to_string(callback.port());
  for (const std::string host : {"127.0.0.1", "localhost", "0x7f.1", "2130706433", "[::ffff:127.0.0.1]"}) {
    INFO(host);
    const json j =
        subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", "http://" + host + ":" + port + "/cb");
    CHECK(j["state"] == "failed");
    CHECK(j["attempts"] == 1);
    CHECK(j["last_error"].get<std::string>().starts_with("blocked_address"));
  }
  CHECK(callback.connections() == 0);
}

TEST_CASE("a denial is never sent to a refused address", "[integration][egress][S15]") {
  TempDir dir;
  TestHttpServer callback;
  HubProcess hub(dir.file("hub.db"), {"--topic-deny", "*"});
  const json j = subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", callback.url("/cb"));
  CHECK(j["state"] == "denied");
  CHECK(callback.connections() == 0);
}

TEST_CASE("the hub never calls itself, even with private networks allowed", "[integration][egress][S14]") {
  TempDir dir;
  HubProcess hub(dir.file("hub.db"), test_hub_args());
  const json j = subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", hub.url("/"));
  CHECK(j["state"] == "failed");
  CHECK(j["last_error"].get<std::string>().find("the hub itself") != std::string::npos);
}

TEST_CASE("proxy variables in the environment are ignored", "[integration][egress][S16]") {
  TempDir dir;
  TestHttpServer proxy;
  TestHttpServer callback;
  HubProcess hub(dir.file("hub.db"), test_hub_args(),
                 {"http_proxy=" + proxy.url("/"), "HTTP_PROXY=" + proxy.url("/"), "ALL_PROXY=" + proxy.url("/")});
  CHECK(subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", callback.url("/cb"))["state"] ==
        "verified");
  CHECK(proxy.request_count() == 0);
}

namespace {

// A port nobody listens on right now (bound, read, released).
std::uint16_t free_loopback_port() {
  std::uint16_t port = 0;
  ::close(listen_loopback(port));
  return port;
}

// `openssl s_server` with a fresh self-signed certificate on a free port.
class SelfSignedTlsServer {
 public:
  explicit SelfSignedTlsServer(const TempDir& dir) {
    const std::string cert = dir.file("cert.pem");
    const std::string key = dir.file("key.pem");
    const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
                             " -out " + cert + " >/dev/null 2>&1";
    REQUIRE(std::system(make.c_str()) == 0);
    m_port = free_loopback_port();
    const std::string accept = std::to_string(m_port);  // before fork(): the child must not allocate
    m_pid = fork();
    if (m_pid == 0) {
      const int null = ::open("/dev/null", O_WRONLY);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      execlp("openssl", "openssl", "s_server", "-quiet", "-accept", accept.c_str(), "-cert", cert.c_str(), "-key",
             key.c_str(), "-www", static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 500 && !accepting(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    REQUIRE(accepting());
  }
  ~SelfSignedTlsServer() {
    ::kill(m_pid, SIGKILL);
    waitpid(m_pid, nullptr, 0);
  }
  std::uint16_t port() const { return m_port; }

 private:
  bool accepting() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(m_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }
  pid_t m_pid = -1;
  std::uint16_t m_port = 0;
};

}  // namespace

TEST_CASE(
    "an https callback is verified over TLS, never relaxed: an untrusted certificate fails it "
    "(VER-12, SEC-01, S18)",
    "[integration][egress]") {
  TempDir dir;
  SelfSignedTlsServer tls(dir);
  HubProcess hub(dir.file("hub.db"), test_hub_args({"--verification-attempts", "1"}));
  const json j = subscribe_and_settle(hub, "subscribe", "https://publisher.example/feed",
                                      "https://127.0.0.1:" + std::to_string(tls.port()) + "/cb");
  CHECK(j["state"] == "failed");
  const std::string error = j["last_error"].get<std::string>();
  INFO(error);
  CHECK((error.find("SSL") != std::string::npos || error.find("certificate") != std::string::npos));
}

namespace {

// A service that is not HTTP (an SMTP or Redis port): greets every
// connection with a banner and keeps it open until the client leaves.
class BannerServer {
 public:
  explicit BannerServer(std::string banner) : m_banner(std::move(banner)) {
    m_fd = listen_loopback(m_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~BannerServer() {
    m_stopping = true;
    ::shutdown(m_fd, SHUT_RDWR);
    m_thread.join();
    ::close(m_fd);
  }
  std::uint16_t port() const { return m_port; }
  int connections() const { return m_connections.load(); }

 private:
  void serve() {
    while (!m_stopping) {
      const int client = ::accept(m_fd, nullptr, nullptr);
      if (client < 0) {
        return;
      }
      ++m_connections;
      ::send(client, m_banner.data(), m_banner.size(), MSG_NOSIGNAL);
      timeval wait{15, 0};  // bounded: the hub's timeout is shorter
      ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
      char buf[4096];
      while (::recv(client, buf, sizeof buf, 0) > 0) {
      }
      ::close(client);
    }
  }
  std::string m_banner;
  int m_fd = -1;
  std::uint16_t m_port = 0;
  std::atomic<bool> m_stopping{false};
  std::atomic<int> m_connections{0};
  std::thread m_thread;
};

}  // namespace

TEST_CASE("a callback on a port that does not speak HTTP: short bounded attempts, then failed",
          "[integration][egress][S19]") {
  TempDir dir;
  BannerServer smtp("220 mail.example.com ESMTP ready\r\n");
  HubProcess hub(dir.file("hub.db"), test_hub_args({"--outbound-timeout", "2"}));
  const auto start = std::chrono::steady_clock::now();
  const json j = subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed",
                                      "http://127.0.0.1:" + std::to_string(smtp.port()) + "/cb");
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(j.dump());
  CHECK(j["state"] == "failed");
  CHECK(j["last_error"].get<std::string>().starts_with("protocol"));
  CHECK(smtp.connections() >= 1);
  CHECK(took < std::chrono::seconds{10});  // bounded by the attempts' timeouts, never hung
  CHECK(http_get(hub.url("/healthz")).status == 200);
}
