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
  // The unit as CMake configured it, beside the binary under test.
  const std::string binary = hubbub_binary();
  std::ifstream in(binary.substr(0, binary.rfind('/')) + "/hubbub.service");
  std::stringstream unit;
  unit << in.rdbuf();
  std::string text = unit.str();
  REQUIRE(text.find("Type=notify") != std::string::npos);
  REQUIRE(text.find("@HUBBUB") == std::string::npos);  // every placeholder filled in
  const auto exec = text.find("ExecStart=");
  REQUIRE(exec != std::string::npos);
  const auto path_end = text.find(" --config ", exec);
  REQUIRE(path_end != std::string::npos);
  CHECK(text.substr(exec + 10, path_end - exec - 10).ends_with("/bin/hubbub"));
  // verify insists that the command exists: point it at the binary under test.
  // (--man=no: the unit names man:hubbub(8), which is not installed here.)
  text.replace(exec + 10, path_end - exec - 10, binary);
  std::ofstream(dir.file("hubbub.service")) << text;
  const std::string result = run_command("systemd-analyze verify --man=no " + dir.file("hubbub.service"));
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

TEST_CASE("SIGHUP re-reads the log level, and keeps the running configuration when the file is broken",
          "[integration][systemd][C9]") {
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

TEST_CASE("SIGHUP applies rotated tokens and the allow/deny lists, and names what needs a restart",
          "[integration][systemd][reload][C9]") {
  TempDir dir;
  TestHttpServer callback;
  const std::string config = dir.file("hub.toml");
  const std::string old_admin = "old-admin-token-0123456789";
  const std::string new_admin = "new-admin-token-0123456789";
  const std::string old_publisher = "old-publisher-token-0123456789";
  const std::string new_publisher = "new-publisher-token-0123456789";
  std::ofstream(config) << "allow_private_networks = true\nadmin_token = \"" << old_admin << "\"\npublisher_token = [\""
                        << old_publisher << "\"]\nretry_base = 30.0\n";
  HubProcess hub(dir.file("hub.db"), {"--config", config});
  const std::string topic = "http://publisher.example/feed";
  auto admin_status = [&](const std::string& token) {
    return http_get(hub.url("/admin/subscriptions"), {"Authorization: Bearer " + token}).status;
  };
  auto fat_ping_status = [&](const std::string& token) {
    return http_request("POST", hub.url("/?hub.mode=publish&hub.topic=http%3A%2F%2Fpublisher.example%2Ffeed"),
                        "<feed/>", {"Content-Type: application/atom+xml", "Authorization: Bearer " + token})
        .status;
  };
  REQUIRE(admin_status(old_admin) == 200);
  REQUIRE(fat_ping_status(old_publisher) == 202);
  REQUIRE(subscribe_and_settle(hub, "subscribe", topic, callback.url("/a"))["state"] == "verified");

  std::ofstream(config, std::ios::trunc) << "allow_private_networks = true\nadmin_token = \"" << new_admin
                                         << "\"\npublisher_token = [\"" << new_publisher
                                         << "\"]\nretry_base = 0.5\ntopic_deny = [\"http://publisher.example/*\"]\n"
                                         << "threads = 3\n";
  hub.send_signal(SIGHUP);
  REQUIRE(hub.wait_for_log("event=reloaded"));
  CHECK(admin_status(old_admin) == 401);
  CHECK(admin_status(new_admin) == 200);
  CHECK(fat_ping_status(old_publisher) == 403);
  CHECK(fat_ping_status(new_publisher) == 202);
  CHECK(subscribe_and_settle(hub, "subscribe", topic, callback.url("/b"))["state"] == "denied");
  const std::string log = hub.log();
  CHECK(log.find("applied=admin_token,publisher_tokens,access_rules,retry_base") != std::string::npos);
  CHECK(log.find("needs_restart=threads") != std::string::npos);
  // Secrets are named, never shown.
  CHECK(log.find(new_admin) == std::string::npos);
  CHECK(log.find(new_publisher) == std::string::npos);
  CHECK(hub.terminate() == 0);
}
