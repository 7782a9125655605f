#pragma once
// HttpClient over several CurlHttpClients, each one libcurl multi handle on
// its own thread. One thread's libcurl tops out near 35,000 requests/s on the
// benchmark machine, about 28 µs of CPU a request (libcurl, the kernel and
// malloc; README, Performance), so one thread is the fan-out's ceiling; two
// did 54,000–57,000/s together.
//
// A request goes to the client its origin hashes to, so an origin's
// connections are reused within one client and the cap per origin stays
// exact; the cap on requests in flight is split between the clients.
// Callbacks run on the thread of the client that made the request.

#include <cstddef>
#include <memory>
#include <vector>

#include "net/curl_http_client.h"

namespace hubbub {

// The most threads the automatic choice (--http-client-threads 0) takes:
// beyond a few, the hub's other threads want the cores more.
constexpr std::size_t k_max_http_client_threads = 4;

class HttpClientPool final : public HttpClient {
 public:
  // `threads` clients (at least 1); curl_global_init must have run.
  HttpClientPool(std::shared_ptr<const EgressPolicy> policy, const HttpClientLimits& limits, std::size_t threads);

  // The threads for a machine with `cores` cores when the operator chose
  // none: one per core, at most k_max_http_client_threads.
  static std::size_t automatic(unsigned cores);

  void send(HttpRequest request, HttpCallback done) override;

  // Stops every client (see CurlHttpClient::stop).
  void stop();
  std::size_t outstanding() const;
  bool running() const;
  std::size_t threads() const { return m_clients.size(); }
  // Which client a URL goes to (for tests).
  std::size_t client_of(std::string_view url) const;

 private:
  std::vector<std::unique_ptr<CurlHttpClient>> m_clients;
};

}  // namespace hubbub
