#pragma once
// A scriptable HTTP/1.1 server for tests, on a loopback port: it records every
// request byte for byte (request target included, which Pistache cannot give)
// and answers what the test's responder says, including delays and hangs.
// Each connection is served by its own thread and closed after one answer.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hubbub::test {

struct RecordedRequest {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;
  std::string query;                                         // after '?', raw
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::chrono::steady_clock::time_point at;

  // First value of a query parameter, percent-decoded ("" when absent).
  std::string param(std::string_view name) const;
  bool has_param(std::string_view name) const;
  std::string header(std::string_view name) const;
};

struct CannedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};
  bool hang = false;  // never answer (until the server stops)
};

using Responder = std::function<CannedResponse(const RecordedRequest&)>;

// Answers hub.challenge back: what a willing subscriber does.
CannedResponse echo_challenge(const RecordedRequest& request);

// A willing subscriber whose deliveries (POSTs) get these statuses in turn,
// the last one repeating: statuses({503}) always fails.
Responder statuses(std::vector<int> sequence);
// A publisher's topic that always serves `body` as Atom, after `delay`.
Responder atom_feed(std::string body, std::chrono::milliseconds delay = std::chrono::milliseconds{0});

// A gate that holds requests until the test opens it (each wait bounded by
// `limit`): a host that answers only when told to, for tests that must not
// depend on how long anything takes.
class Gate {
 public:
  void open();
  // Waits until open, at most `limit`; true when open.
  bool wait(std::chrono::milliseconds limit) const;

 private:
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_cv;
  bool m_open = false;
};

// Holds every request at `gate` (at most a minute), then answers as `then`.
Responder held(std::shared_ptr<Gate> gate, Responder then);

class TestHttpServer {
 public:
  explicit TestHttpServer(Responder responder = echo_challenge);
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  std::uint16_t port() const { return m_port; }
  // "http://127.0.0.1:PORT" + path_and_query.
  std::string url(std::string_view path_and_query) const;

  void set_responder(Responder responder);
  std::vector<RecordedRequest> requests() const;
  // The POSTs received, those to `path` only when it is not empty.
  std::vector<RecordedRequest> posts(const std::string& path = "") const;
  // Off: requests are answered and counted but not kept (long runs).
  void set_recording(bool on);
  std::size_t request_count() const;
  std::size_t connections() const { return m_connections.load(); }
  // Waits until at least n requests arrived; false on timeout.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  void accept_loop();
  void serve(int fd);

  int m_listen_fd = -1;
  std::uint16_t m_port = 0;
  std::atomic<bool> m_stopping{false};
  std::atomic<std::size_t> m_connections{0};
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_cv;
  Responder m_responder;
  std::vector<RecordedRequest> m_requests;
  std::size_t m_request_count = 0;
  bool m_recording = true;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> m_workers;
  std::thread m_acceptor;
};

}  // namespace hubbub::test
