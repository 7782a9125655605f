#pragma once
// The real build/hubbub, started for a test on a free loopback port with a
// database in a temporary directory (or a given one), its log captured.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hubbub::test {

class HubProcess {
 public:
  // Starts `hubbub --listen 127.0.0.1:0 --database <database> <args...>` and
  // waits until it listens. Throws, with the log, if it does not.
  // A non-zero `fd_limit` sets the child's RLIMIT_NOFILE (soft and hard).
  HubProcess(std::string database, std::vector<std::string> args, std::vector<std::string> extra_env = {},
             unsigned fd_limit = 0);
  ~HubProcess();
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  std::uint16_t port() const { return m_port; }
  // "http://127.0.0.1:PORT" + path.
  std::string url(const std::string& path = "/") const;
  std::string log() const;
  // Waits (bounded) until the log holds `text`; false on timeout.
  bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds{5}) const;

  // SIGTERM and wait (bounded); returns the exit status, or -1 on timeout.
  int terminate(std::chrono::milliseconds timeout = std::chrono::milliseconds{15000});
  // SIGKILL and reap.
  void kill9();
  // Sends `signal` (SIGHUP, …) without waiting.
  void send_signal(int signal);
  bool running() const { return m_pid > 0; }
  pid_t pid() const { return m_pid; }

 private:
  pid_t m_pid = -1;
  std::uint16_t m_port = 0;
  std::string m_log_path;
};

// Runs build/hubbub with `args` to completion (bounded), capturing its output.
struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
RunResult run_hubbub(const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout = std::chrono::seconds{20});

// The database a hub of this test run uses for `database` (a path): the path
// itself, or with HUBBUB_TEST_ENGINE=postgres a database of the test cluster
// named after the path (created when missing), as a URI.
std::string engine_database(const std::string& database);

// Path of the binary under test.
std::string hubbub_binary();

}  // namespace hubbub::test
