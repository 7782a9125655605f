#pragma once
// HTTP exchanges for unit tests of the endpoints (server/exchange.h): a
// request built field by field, and answers recorded, including those sent
// later from the store's thread.

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/exchange.h"

namespace hubbub::test {

class FakeInbound final : public Inbound {
 public:
  FakeInbound(Pistache::Http::Method method, std::string path) : m_method(method), m_path(std::move(path)) {}

  // A form POST to `path`.
  static FakeInbound form(std::string path, std::string body) {
    FakeInbound r(Pistache::Http::Method::Post, std::move(path));
    r.with_header("Content-Type", "application/x-www-form-urlencoded");
    r.m_body = std::move(body);
    return r;
  }
  FakeInbound& with_header(std::string name, std::string value) {
    for (auto& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    m_headers[std::move(name)] = std::move(value);
    return *this;
  }
  FakeInbound& with_query(std::string name, std::string value) {
    m_query[std::move(name)] = std::move(value);
    return *this;
  }
  FakeInbound& with_body(std::string body) {
    m_body = std::move(body);
    return *this;
  }
  FakeInbound& with_peer(std::string peer) {
    m_peer = std::move(peer);
    return *this;
  }

  Pistache::Http::Method method() const override { return m_method; }
  const std::string& path() const override { return m_path; }
  std::optional<std::string> header(std::string_view name) const override {
    std::string key(name);
    for (auto& c : key) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const auto it = m_headers.find(key);
    return it == m_headers.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::optional<std::string> query(std::string_view name) const override {
    const auto it = m_query.find(std::string(name));
    return it == m_query.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  const std::string& body() const override { return m_body; }
  std::string peer() const override { return m_peer; }
  bool keep_alive() const override { return true; }

 private:
  Pistache::Http::Method m_method;
  std::string m_path;
  std::map<std::string, std::string> m_headers;
  std::map<std::string, std::string> m_query;
  std::string m_body;
  std::string m_peer = "127.0.0.1";
};

// The answers given through answer(), in order, from any thread.
class AnswerLog {
 public:
  struct Sent {
    Reply reply;
    bool keep_alive;

    int status() const { return static_cast<int>(reply.code); }
    std::string header(std::string_view name) const {
      for (const auto& [n, v] : reply.headers) {
        if (n == name) {
          return v;
        }
      }
      return "";
    }
  };

  Answer answer() {
    return Answer(
        [this](Reply reply, bool keep_alive) {
          std::lock_guard lock(m_mutex);
          m_sent.push_back({std::move(reply), keep_alive});
          m_changed.notify_all();
        },
        true);
  }
  // Waits for the n-th answer (1-based); bounded, so that a test that is
  // wrong fails instead of hanging.
  std::optional<Sent> wait_for(std::size_t n = 1) {
    std::unique_lock lock(m_mutex);
    m_changed.wait_for(lock, std::chrono::seconds{30}, [&] { return m_sent.size() >= n; });
    return m_sent.size() >= n ? std::optional<Sent>(m_sent[n - 1]) : std::nullopt;
  }
  std::size_t count() {
    std::lock_guard lock(m_mutex);
    return m_sent.size();
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::vector<Sent> m_sent;
};

}  // namespace hubbub::test
