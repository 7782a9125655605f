#pragma once
// HttpClient on one libcurl multi handle driven by its own thread.
//
// Every transfer: http/https only, no proxy from the environment, redirects
// never followed, TLS always verified, response size capped, and the egress
// policy applied to each resolved address before connect(). Concurrency is
// capped globally and per origin *inside the application*: a request waits in
// our queue, not in libcurl's, so queue time never eats its timeout.

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/egress_policy.h"
#include "net/http_client.h"

typedef void CURLM;
typedef void CURL;
struct curl_slist;

namespace hubbub {

struct HttpClientLimits {
  std::size_t max_in_flight = 256;
  std::size_t max_per_origin = 8;
  std::string user_agent = "Hubbub";
  // "host:port:address[,address...]" answers given instead of DNS
  // (CURLOPT_RESOLVE): the unit tests' fake resolver. Empty in the daemon.
  // The egress policy judges these addresses like any resolved ones.
  std::vector<std::string> resolve;
};

class CurlHttpClient final : public HttpClient {
 public:
  // curl_global_init must have run (main does it before any thread starts).
  CurlHttpClient(std::shared_ptr<const EgressPolicy> policy, HttpClientLimits limits);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  void send(HttpRequest request, HttpCallback done) override;

  // Fails every queued and in-flight request with HttpFailure::cancelled and
  // joins the thread. Later send() calls fail at once the same way.
  void stop();

  // Requests queued or in flight (for shutdown and metrics).
  std::size_t outstanding() const;
  // Not stopped.
  bool running() const;

 private:
  struct Transfer;
  void run();
  void start_ready();
  void start(std::unique_ptr<Transfer> t);
  void finish(Transfer* t, int curl_code);

  std::shared_ptr<const EgressPolicy> m_policy;
  HttpClientLimits m_limits;
  CURLM* m_multi = nullptr;
  ::curl_slist* m_resolve = nullptr;  // from m_limits.resolve

  mutable std::mutex m_mutex;
  std::vector<std::unique_ptr<Transfer>> m_incoming;  // guarded by m_mutex
  bool m_stopping = false;                            // guarded by m_mutex
  std::size_t m_outstanding = 0;                      // guarded by m_mutex

  // Owned by the client thread.
  std::map<std::string, std::deque<std::unique_ptr<Transfer>>> m_waiting;  // by origin
  std::map<std::string, std::size_t> m_active_per_origin;
  std::map<CURL*, std::unique_ptr<Transfer>> m_active;
  std::vector<CURL*> m_idle_handles;

  std::thread m_thread;
};

}  // namespace hubbub
