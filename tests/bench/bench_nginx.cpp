#include "bench/bench_nginx.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/http_call.h"

namespace hubbub::bench {

namespace {

// A port free on 127.0.0.1 now (the kernel's choice).
std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  std::uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Nginx::Nginx(const std::string& dir, int addresses) : m_dir(dir), m_addresses(addresses) {
  m_sink_port = free_port();
  m_accept_port = free_port();
  std::ofstream conf(dir + "/nginx.conf");
  conf << "worker_processes 2;\ndaemon off;\npid " << dir << "/nginx.pid;\nerror_log " << dir
       << "/error.log warn;\nevents { worker_connections 8192; }\nhttp {\n  access_log off;\n"
       << "  client_body_temp_path " << dir << "/body;\n  proxy_temp_path " << dir << "/proxy;\n"
       << "  fastcgi_temp_path " << dir << "/fastcgi;\n  uwsgi_temp_path " << dir << "/uwsgi;\n"
       << "  scgi_temp_path " << dir << "/scgi;\n  keepalive_requests 10000000;\n  keepalive_timeout 120s;\n"
       << "  default_type application/octet-stream;\n"
       << "  map $args $hub_challenge { default \"\"; \"~(^|&)hub\\.challenge=(?<c>[^&]*)\" $c; }\n"
       << "  map $request_method $is_post { POST 1; default 0; }\n  log_format arrival '$msec $uri';\n"
       << "  server {\n";
  for (int a = 1; a <= addresses; ++a) {
    conf << "    listen 127.0.0." << a << ':' << m_sink_port << ";\n";
  }
  conf << "    access_log " << dir << "/arrivals.log arrival if=$is_post;\n"
       << "    location /topic/ { return 200 \"$request_id " << std::string(1024 - 33, 'x') << "\"; }\n"
       << "    location / { if ($request_method = GET) { return 200 $hub_challenge; }\n      return 204; }\n"
       << "  }\n  server {\n    listen 127.0.0.1:" << m_accept_port << ";\n    location / { return 202; }\n  }\n}\n";
  conf.close();
  m_pid = fork();
  if (m_pid == 0) {
    const std::string out = dir + "/stdout.log";
    std::freopen(out.c_str(), "w", stdout);
    std::freopen(out.c_str(), "w", stderr);
    execlp("nginx", "nginx", "-p", dir.c_str(), "-c", (dir + "/nginx.conf").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    if (test::http_get(accept_url()).status == 202 && test::http_get(sink_url(addresses, "/x")).status == 200) {
      return;
    }
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = -1;
      break;
    }
  }
  const std::string why = read_file(dir + "/error.log") + read_file(dir + "/stdout.log");
  stop();
  throw std::runtime_error("nginx did not start (is nginx-light installed?): " + why);
}

Nginx::~Nginx() {
  stop();
}

void Nginx::stop() {
  if (m_pid > 0) {
    kill(m_pid, SIGTERM);
    int status = 0;
    waitpid(m_pid, &status, 0);
    m_pid = -1;
  }
}

std::string Nginx::sink_url(int address, const std::string& path) const {
  return "http://127.0.0." + std::to_string(address) + ":" + std::to_string(m_sink_port) + path;
}

std::string Nginx::accept_url() const {
  return "http://127.0.0.1:" + std::to_string(m_accept_port) + "/";
}

std::size_t Nginx::log_size() const {
  std::ifstream in(m_dir + "/arrivals.log", std::ios::ate | std::ios::binary);
  return in ? static_cast<std::size_t>(in.tellg()) : 0;
}

Nginx::Arrivals Nginx::arrivals(std::size_t from, const std::string& prefix) const {
  Arrivals a;
  std::ifstream in(m_dir + "/arrivals.log", std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) {
      break;  // a line nginx is still writing
    }
    const auto space = line.find(' ');
    if (space == std::string::npos || line.compare(space + 1, prefix.size(), prefix) != 0) {
      continue;
    }
    const double t = std::strtod(line.c_str(), nullptr);
    if (a.count == 0 || t < a.first) {
      a.first = t;
    }
    if (t > a.last) {
      a.last = t;
    }
    ++a.count;
  }
  return a;
}

}  // namespace hubbub::bench
