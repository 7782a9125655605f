#pragma once
// An HttpClient for unit tests: answers each request with what the script
// returns, on a thread of its own, and keeps what was sent.

#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "net/http_client.h"

namespace hubbub::test {

class ScriptedHttpClient final : public HttpClient {
 public:
  using Script = std::function<HttpResult(const HttpRequest&)>;
  explicit ScriptedHttpClient(Script script) : m_script(std::move(script)) {}
  ~ScriptedHttpClient() override {
    for (auto& t : m_threads) {
      t.join();
    }
  }
  void send(HttpRequest request, HttpCallback done) override {
    std::lock_guard lock(m_mutex);
    m_sent.push_back(request);
    m_threads.emplace_back([this, request = std::move(request), done = std::move(done)] { done(m_script(request)); });
  }
  std::vector<HttpRequest> sent() {
    std::lock_guard lock(m_mutex);
    return m_sent;
  }

 private:
  Script m_script;
  std::mutex m_mutex;
  std::vector<HttpRequest> m_sent;
  std::vector<std::thread> m_threads;
};

}  // namespace hubbub::test
