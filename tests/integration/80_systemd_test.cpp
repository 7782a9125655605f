// 80: running under systemd: the unit file verifies, the daemon speaks the
// sd_notify protocol (READY, WATCHDOG, RELOADING, STOPPING) to a real
// NOTIFY_SOCKET, and SIGHUP re-reads the configuration (reliability-plan.md C9).

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "hub_fixture.h"

using namespace hubbub::test;

namespace {

// A NOTIFY_SOCKET: collects the datagrams the hub sends.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : m_path(std::move(path)) {
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", m_path.c_str());
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{0, 100000};
    setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() { ::close(m_fd); }
  const std::string& path() const { return m_path; }

  // Reads datagrams until one contains `text` (bounded); all seen so far.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
      if (n > 0) {
        m_seen.emplace_back(buf, static_cast<std::size_t>(n));
        if (m_seen.back().find(text) != std::string::npos) {
          return true;
        }
      }
    }
    return false;
  }

 private:
  std::string m_path;
  int m_fd = -1;
  std::vector<std::string> m_seen;
};

std::string run_command(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    out += buf;
  }
  const int status = pclose(p);
  return std::to_string(WEXITSTATUS(status)) + ":" + out;
}

}  // namespace

TEST_CASE("the systemd unit verifies (systemd-analyze verify)", "[integration][systemd]") {
  TempDir dir;
  std::ifstream in(std::string(HUBBUB_SOURCE_DIR) + "/contrib/hubbub.service");
  std::stringstream unit;
  unit << in.rdbuf();
  std::string text = unit.str();
  REQUIRE(text.find("ExecStart=/usr/bin/hubbub ") != std::string::npos);
  REQUIRE(text.find("Type=notify") != std::string::npos);
  // verify insists that the command exists: point it at the binary under test.
  text.replace(text.find("/usr/bin/hubbub "), std::string("/usr/bin/hubbub").size(), hubbub_binary());
  std::ofstream(dir.file("hubbub.service")) << text;
  const std::string result = run_command("systemd-analyze verify " + dir.file("hubbub.service"));
  INFO(result);
  CHECK(result.starts_with("0:"));
}

TEST_CASE("the daemon tells systemd it is ready, alive, reloading and stopping", "[integration][systemd]") {
  TempDir dir;
  NotifySocket notify(dir.file("notify.sock"));
  HubProcess hub(dir.file("hub.db"), {}, {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=200000"});
  CHECK(notify.wait_for("READY=1", std::chrono::seconds{5}));
  CHECK(notify.wait_for("WATCHDOG=1", std::chrono::seconds{5}));
  hub.send_signal(SIGHUP);
  CHECK(notify.wait_for("RELOADING=1", std::chrono::seconds{5}));
  CHECK(notify.wait_for("READY=1", std::chrono::seconds{5}));
  CHECK(hub.terminate() == 0);
  CHECK(notify.wait_for("STOPPING=1", std::chrono::seconds{5}));
}

TEST_CASE("SIGHUP re-reads the log level, and keeps the running configuration when the file is broken (C9)",
          "[integration][systemd]") {
  TempDir dir;
  TestHttpServer callback;
  const std::string config = dir.file("hub.toml");
  std::ofstream(config) << "log_level = \"info\"\nallow_private_networks = true\n";
  HubProcess hub(dir.file("hub.db"), {"--config", config});
  REQUIRE(subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", callback.url("/a"))["state"] ==
          "verified");
  CHECK(hub.log().find("event=request_received") == std::string::npos);  // a debug event

  std::ofstream(config, std::ios::trunc) << "log_level = \"debug\"\nallow_private_networks = true\n";
  hub.send_signal(SIGHUP);
  REQUIRE(hub.wait_for_log("event=reloaded"));
  REQUIRE(subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", callback.url("/b"))["state"] ==
          "verified");
  CHECK(hub.log().find("event=request_received") != std::string::npos);

  std::ofstream(config, std::ios::trunc) << "log_level = \"loud\"\n";
  hub.send_signal(SIGHUP);
  CHECK(hub.wait_for_log("event=reload_refused"));
  CHECK(subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", callback.url("/c"))["state"] ==
        "verified");
  CHECK(hub.terminate() == 0);
}
