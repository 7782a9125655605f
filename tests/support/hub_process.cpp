#include "support/hub_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "store/pg_connection.h"
#include "support/store_engines.h"

namespace hubbub::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// fork + exec with stdout and stderr to `log_path`. Everything the child
// needs is prepared before fork(): the test process has other threads, and a
// child that allocates (or calls putenv) can deadlock on a lock one of them
// held at the fork, as seen under AddressSanitizer.
pid_t spawn(const std::vector<std::string>& args, const std::string& log_path, const std::vector<std::string>& env,
            unsigned fd_limit = 0) {
  const std::string binary = hubbub_binary();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    envp.push_back(*e);
  }
  for (const auto& e : env) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  // getenv() returns the first match, so the extra entries go first.
  std::rotate(envp.begin(), envp.end() - static_cast<std::ptrdiff_t>(env.size()), envp.end());
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd_limit > 0) {
      const rlimit limit{fd_limit, fd_limit};
      setrlimit(RLIMIT_NOFILE, &limit);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

// Waits for the child up to `timeout`; its exit code, or -1.
int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return -1;
}

}  // namespace

std::string engine_database(const std::string& database) {
  const char* engine = std::getenv("HUBBUB_TEST_ENGINE");
  if (engine == nullptr || std::string_view(engine) != "postgres" || is_postgres_uri(database)) {
    return database;
  }
  // One database per path, so that a test restarting its hub on the same
  // path finds what the previous one committed.
  char name[32];
  std::snprintf(name, sizeof name, "hubbub_%016zx", std::hash<std::string>{}(database));
  const std::string server = postgres_test_server();
  auto admin = PgConnection::connect(server + "/postgres", "hubbub tests");
  if (!admin) {
    throw std::runtime_error("cannot reach the test cluster: " + admin.error().message);
  }
  auto found = admin->exec("SELECT 1 FROM pg_database WHERE datname = $1", PgParams().add(std::string_view(name)));
  if (!found) {
    throw std::runtime_error(found.error().message);
  }
  if (found->rows() == 0) {
    if (auto s = admin->exec_script(std::string("CREATE DATABASE ") + name); !s) {
      throw std::runtime_error(s.error().message);
    }
  }
  return server + "/" + name;
}

// The hub built with the tests; HUBBUB_TEST_BINARY names another build (an
// A/B run of hubbub_bench against an older hub).
std::string hubbub_binary() {
  const char* other = std::getenv("HUBBUB_TEST_BINARY");
  return other != nullptr && *other != '\0' ? std::string(other) : std::string(HUBBUB_BINARY);
}

HubProcess::HubProcess(std::string database, std::vector<std::string> args, std::vector<std::string> extra_env,
                       unsigned fd_limit) {
  // A log file of its own, empty before the child starts: a restarted hub
  // must never be mistaken for the previous one by its old "listening" line.
  static std::atomic<int> instances{0};
  const std::string suffix = "." + std::to_string(getpid()) + "." + std::to_string(++instances) + ".log";
  // Beside a SQLite file; a hub given a URI (a node of a cluster test) logs
  // to the temporary directory.
  m_log_path = is_postgres_uri(database) ? (std::filesystem::temp_directory_path() / ("hubbub-node" + suffix)).string()
                                         : database + suffix;
  std::ofstream(m_log_path, std::ios::trunc).close();
  const std::string engine_db = engine_database(database);
  std::vector<std::string> full = {"--listen", "127.0.0.1:0", "--database", engine_db};
  // On PostgreSQL a hub restarted on the same path is the same node, as an
  // operator's unit with a fixed --node-id is: it takes its claims back.
  if (engine_db != database && std::find(args.begin(), args.end(), "--node-id") == args.end()) {
    char node[40];
    std::snprintf(node, sizeof node, "test-%016zx", std::hash<std::string>{}(database));
    full.insert(full.end(), {"--node-id", node});
  }
  full.insert(full.end(), args.begin(), args.end());
  m_pid = spawn(full, m_log_path, extra_env, fd_limit);
  const std::regex listening("event=listening address=127\\.0\\.0\\.1:([0-9]+)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{15};
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string text = read_file(m_log_path);
    if (std::regex_search(text, m, listening)) {
      m_port = static_cast<std::uint16_t>(std::stoi(m[1]));
      return;
    }
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = -1;
      throw std::runtime_error("hubbub exited at start:\n" + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  kill9();
  throw std::runtime_error("hubbub did not start listening:\n" + read_file(m_log_path));
}

HubProcess::~HubProcess() {
  if (m_pid > 0) {
    if (terminate() < 0) {
      kill9();
    }
  }
  // In a sanitizer build a report in the hub's log fails the test run, even
  // when the test itself saw nothing wrong.
  const std::string log = read_file(m_log_path);
  for (const char* marker :
       {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "WARNING: ThreadSanitizer"}) {
    if (const auto at = log.find(marker); at != std::string::npos) {
      std::fprintf(stderr, "hubbub under test reported (%s):\n%s\n", m_log_path.c_str(), log.substr(at, 20000).c_str());
      std::fflush(stderr);
      std::_Exit(70);
    }
  }
}

std::string HubProcess::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(m_port) + path;
}

std::string HubProcess::log() const {
  return read_file(m_log_path);
}

bool HubProcess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (read_file(m_log_path).find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return true;
}

int HubProcess::terminate(std::chrono::milliseconds timeout) {
  if (m_pid <= 0) {
    return -1;
  }
  ::kill(m_pid, SIGTERM);
  const int code = wait_exit(m_pid, timeout);
  if (code >= 0) {
    m_pid = -1;
  }
  return code;
}

void HubProcess::send_signal(int signal) {
  if (m_pid > 0) {
    ::kill(m_pid, signal);
  }
}

void HubProcess::kill9() {
  if (m_pid <= 0) {
    return;
  }
  ::kill(m_pid, SIGKILL);
  int status = 0;
  waitpid(m_pid, &status, 0);
  m_pid = -1;
}

RunResult run_hubbub(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  char path[] = "/tmp/hubbub-run-XXXXXX";
  const int fd = mkstemp(path);
  ::close(fd);
  const pid_t pid = spawn(args, path, {});
  RunResult result;
  result.exit_code = wait_exit(pid, timeout);
  if (result.exit_code < 0) {
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  result.output = read_file(path);
  ::unlink(path);
  return result;
}

}  // namespace hubbub::test
