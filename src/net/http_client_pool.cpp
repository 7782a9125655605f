#include "net/http_client_pool.h"

#include <algorithm>
#include <functional>
#include <string>

#include "util/url.h"

namespace hubbub {

HttpClientPool::HttpClientPool(std::shared_ptr<const EgressPolicy> policy, const HttpClientLimits& limits,
                               std::size_t threads) {
  const std::size_t n = std::max<std::size_t>(threads, 1);
  HttpClientLimits each = limits;
  // Split the cap on requests in flight, rounding up so n clients never
  // allow fewer than the cap, and never below one origin's share.
  each.max_in_flight = std::max((limits.max_in_flight + n - 1) / n, limits.max_per_origin);
  m_clients.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    m_clients.push_back(std::make_unique<CurlHttpClient>(policy, each));
  }
}

std::size_t HttpClientPool::automatic(unsigned cores) {
  return std::clamp<std::size_t>(cores, 1, k_max_http_client_threads);
}

std::size_t HttpClientPool::client_of(std::string_view url) const {
  if (m_clients.size() == 1) {
    return 0;
  }
  return std::hash<std::string>{}(url_origin_key(url)) % m_clients.size();
}

void HttpClientPool::send(HttpRequest request, HttpCallback done) {
  const std::size_t i = client_of(request.url);
  m_clients[i]->send(std::move(request), std::move(done));
}

void HttpClientPool::stop() {
  for (auto& client : m_clients) {
    client->stop();
  }
}

std::size_t HttpClientPool::outstanding() const {
  std::size_t n = 0;
  for (const auto& client : m_clients) {
    n += client->outstanding();
  }
  return n;
}

bool HttpClientPool::running() const {
  return std::all_of(m_clients.begin(), m_clients.end(), [](const auto& c) { return c->running(); });
}

}  // namespace hubbub
