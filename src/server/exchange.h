#pragma once
// One HTTP exchange as the hub's endpoints see it: the request (`Inbound`)
// and its answer (`Answer`), apart from Pistache. The Pistache handler
// (server/hub_handler.h) adapts its requests to these; unit tests build them
// directly (tests/support/fake_exchange.h).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "server/pistache.h"
#include "server/reply.h"

namespace hubbub {

class Inbound {
 public:
  virtual ~Inbound() = default;
  virtual Pistache::Http::Method method() const = 0;
  // The path without the query, as sent: "/websub/requests/abc".
  virtual const std::string& path() const = 0;
  // The first header called `name` (any case), as sent.
  virtual std::optional<std::string> header(std::string_view name) const = 0;
  // A query parameter, still percent-encoded.
  virtual std::optional<std::string> query(std::string_view name) const = 0;
  virtual const std::string& body() const = 0;
  // The connection's peer address ("127.0.0.1").
  virtual std::string peer() const = 0;
  // HTTP/1.1 without "Connection: close".
  virtual bool keep_alive() const = 0;

  bool is_get() const { return method() == Pistache::Http::Method::Get || method() == Pistache::Http::Method::Head; }
};

// The answer to one request, sent at most once: at once on the worker that
// read the request, or later from any thread (after a commit). Moving it
// hands the duty to answer to the new owner.
class Answer {
 public:
  using Sink = std::function<void(Reply reply, bool keep_alive)>;
  Answer(Sink sink, bool keep_alive) : m_sink(std::move(sink)), m_keep_alive(keep_alive) {}
  Answer(Answer&& other) noexcept : m_sink(std::exchange(other.m_sink, nullptr)), m_keep_alive(other.m_keep_alive) {}
  Answer& operator=(Answer&&) = delete;
  Answer(const Answer&) = delete;
  Answer& operator=(const Answer&) = delete;

  // Sends `reply`, keeping the connection open when the client asked for it.
  void send(Reply reply) { deliver(std::move(reply), m_keep_alive); }
  // Sends `reply` and ends the connection (after a 503 or a 413: engineering
  // notes, bug 2).
  void send_and_close(Reply reply) { deliver(std::move(reply), false); }
  // False once sent or moved from.
  bool pending() const { return static_cast<bool>(m_sink); }
  bool keep_alive() const { return m_keep_alive; }

 private:
  void deliver(Reply reply, bool keep_alive) {
    if (auto sink = std::exchange(m_sink, nullptr)) {
      sink(std::move(reply), keep_alive);
    }
  }

  Sink m_sink;
  bool m_keep_alive;
};

}  // namespace hubbub
