#include "support/test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "support/http_call.h"
#include "util/form.h"

namespace hubbub::test {
namespace {

constexpr auto k_max_hang = std::chrono::seconds{30};
constexpr std::size_t k_max_request_bytes = 1 << 20;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      return;
    }
    off += static_cast<std::size_t>(n);
  }
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 404:
      return "Not Found";
    case 410:
      return "Gone";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

std::string RecordedRequest::param(std::string_view name) const {
  auto form = Form::parse(query);
  if (!form) {
    return "";
  }
  return std::string(form->first(name).value_or(""));
}

bool RecordedRequest::has_param(std::string_view name) const {
  auto form = Form::parse(query);
  return form && form->count(name) > 0;
}

std::string RecordedRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) {
      return v;
    }
  }
  return "";
}

void Gate::open() {
  {
    std::lock_guard lock(m_mutex);
    m_open = true;
  }
  m_cv.notify_all();
}

bool Gate::wait(std::chrono::milliseconds limit) const {
  std::unique_lock lock(m_mutex);
  return m_cv.wait_for(lock, limit, [this] { return m_open; });
}

Responder held(std::shared_ptr<Gate> gate, Responder then) {
  return [gate = std::move(gate), then = std::move(then)](const RecordedRequest& request) {
    gate->wait(std::chrono::minutes{1});
    return then(request);
  };
}

CannedResponse echo_challenge(const RecordedRequest& request) {
  CannedResponse r;
  r.body = request.param("hub.challenge");
  return r;
}

Responder atom_feed(std::string body, std::chrono::milliseconds delay) {
  return [body = std::move(body), delay](const RecordedRequest&) {
    CannedResponse r;
    r.body = body;
    r.headers.emplace_back("Content-Type", "application/atom+xml");
    r.delay = delay;
    return r;
  };
}

Responder statuses(std::vector<int> sequence) {
  auto calls = std::make_shared<std::atomic<std::size_t>>(0);
  return [sequence = std::move(sequence), calls](const RecordedRequest& req) {
    if (req.method == "GET") {
      return echo_challenge(req);
    }
    const std::size_t i = (*calls)++;
    CannedResponse r;
    r.status = sequence[std::min(i, sequence.size() - 1)];
    return r;
  };
}

TestHttpServer::TestHttpServer(Responder responder) : m_responder(std::move(responder)) {
  m_listen_fd = listen_loopback(m_port);
  m_acceptor = std::thread([this] { accept_loop(); });
}

TestHttpServer::~TestHttpServer() {
  m_stopping = true;
  m_cv.notify_all();
  ::shutdown(m_listen_fd, SHUT_RDWR);
  if (m_acceptor.joinable()) {
    m_acceptor.join();
  }
  ::close(m_listen_fd);
  std::vector<Worker> workers;
  {
    std::lock_guard lock(m_mutex);
    workers.swap(m_workers);
  }
  for (auto& w : workers) {
    w.thread.join();
  }
}

std::string TestHttpServer::url(std::string_view path_and_query) const {
  return "http://127.0.0.1:" + std::to_string(m_port) + std::string(path_and_query);
}

void TestHttpServer::set_responder(Responder responder) {
  std::lock_guard lock(m_mutex);
  m_responder = std::move(responder);
}

std::vector<RecordedRequest> TestHttpServer::requests() const {
  std::lock_guard lock(m_mutex);
  return m_requests;
}

std::vector<RecordedRequest> TestHttpServer::posts(const std::string& path) const {
  std::vector<RecordedRequest> out;
  for (const auto& r : requests()) {
    if (r.method == "POST" && (path.empty() || r.path == path)) {
      out.push_back(r);
    }
  }
  return out;
}

std::size_t TestHttpServer::request_count() const {
  std::lock_guard lock(m_mutex);
  return m_request_count;
}

void TestHttpServer::set_recording(bool on) {
  std::lock_guard lock(m_mutex);
  m_recording = on;
}

bool TestHttpServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(m_mutex);
  return m_cv.wait_for(lock, timeout, [&] { return m_request_count >= n; });
}

void TestHttpServer::accept_loop() {
  while (!m_stopping) {
    pollfd p{m_listen_fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      continue;
    }
    const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    ++m_connections;
    std::lock_guard lock(m_mutex);
    // Join the workers whose connection has ended, so that a long run (the
    // crash rounds reconnect thousands of times) does not pile up threads.
    std::erase_if(m_workers, [](Worker& w) {
      if (!w.done->load()) {
        return false;
      }
      w.thread.join();
      return true;
    });
    auto done = std::make_shared<std::atomic<bool>>(false);
    m_workers.push_back({std::thread([this, fd, done] {
                           serve(fd);
                           done->store(true);
                         }),
                         done});
  }
}

void TestHttpServer::serve(int fd) {
  std::string data;
  char buf[8192];
  std::size_t header_end = std::string::npos;
  std::size_t content_length = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!m_stopping && std::chrono::steady_clock::now() < deadline && data.size() < k_max_request_bytes) {
    if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) {
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      continue;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    data.append(buf, static_cast<std::size_t>(n));
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const std::string head = lower(data.substr(0, header_end));
        const auto cl = head.find("\r\ncontent-length:");
        if (cl != std::string::npos) {
          content_length = std::stoul(head.substr(cl + 17));
        }
      }
    }
  }
  if (header_end == std::string::npos) {
    ::close(fd);
    return;
  }
  RecordedRequest req;
  req.at = std::chrono::steady_clock::now();
  const std::string head = data.substr(0, header_end);
  std::size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const auto sp1 = request_line.find(' ');
  const auto sp2 = request_line.rfind(' ');
  req.method = request_line.substr(0, sp1);
  req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) {
      end = head.size();
    }
    const std::string line = head.substr(pos, end - pos);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      req.headers.emplace_back(lower(line.substr(0, colon)), value);
    }
    pos = end + 2;
  }
  req.body = data.substr(header_end + 4, content_length);

  Responder responder;
  {
    std::lock_guard lock(m_mutex);
    if (m_recording) {
      m_requests.push_back(req);
    }
    ++m_request_count;
    responder = m_responder;
  }
  m_cv.notify_all();
  CannedResponse answer = responder(req);
  if (answer.hang || answer.delay.count() > 0) {
    std::unique_lock lock(m_mutex);
    const auto wait = answer.hang ? std::chrono::milliseconds(k_max_hang) : answer.delay;
    m_cv.wait_for(lock, wait, [this] { return m_stopping.load(); });
    if (answer.hang || m_stopping) {
      lock.unlock();
      ::close(fd);
      return;
    }
  }
  std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " " + reason(answer.status) + "\r\n";
  for (const auto& [k, v] : answer.headers) {
    out += k + ": " + v + "\r\n";
  }
  out += "Content-Length: " + std::to_string(answer.body.size()) + "\r\nConnection: close\r\n\r\n" + answer.body;
  write_all(fd, out);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

}  // namespace hubbub::test
