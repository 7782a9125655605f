#include "server/hub_handler.h"

#include <spdlog/spdlog.h>

#include "server/exchange.h"
#include "server/reply.h"
#include "server/request_guard.h"
#include "server/router.h"
#include "util/log_text.h"
#include "websub/limits.h"

namespace hubbub {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::Request;
using Pistache::Http::ResponseWriter;

namespace {

constexpr const char* k_connection_slot = "hubbub.connection_slot";
constexpr std::uint64_t k_log_refused_every = 1000;

// A Pistache request as the endpoints see it.
class PistacheInbound final : public Inbound {
 public:
  explicit PistacheInbound(const Request& request) : m_request(request), m_keep_alive(wants_keep_alive(request)) {}

  Method method() const override { return m_request.method(); }
  const std::string& path() const override { return m_request.resource(); }
  std::optional<std::string> header(std::string_view name) const override {
    // Copied: Raw::value() may return a temporary.
    const auto raw = m_request.headers().tryGetRaw(std::string(name));
    return raw ? std::optional<std::string>(std::string(raw->value())) : std::nullopt;
  }
  std::optional<std::string> query(std::string_view name) const override {
    return m_request.query().get(std::string(name));
  }
  const std::string& body() const override { return m_request.body(); }
  std::string peer() const override { return m_request.address().host(); }
  bool keep_alive() const override { return m_keep_alive; }

 private:
  const Request& m_request;
  const bool m_keep_alive;
};

// The answer goes out through the Pistache writer, now or from another
// thread after a commit.
Answer pistache_answer(ResponseWriter response, bool keep_alive) {
  auto writer = std::make_shared<ResponseWriter>(std::move(response));
  return Answer([writer](Reply reply, bool keep) { send(*writer, keep, std::move(reply)); }, keep_alive);
}

// Answers a connection past the cap and closes it, before anything is read
// from it. The bytes fit any fresh socket's send buffer; shutting it for
// reading too makes Pistache see the end of the connection and release it.
void refuse_connection(int fd) {
  Reply r = text(Code::Service_Unavailable, "too many open connections; try again later");
  r.headers.emplace_back("Retry-After", std::to_string(k_connections_refused_retry_after.count()));
  write_and_close(fd, r, true);
}

}  // namespace

void HubHandler::onRequest(const Request& request, ResponseWriter response) {
  const auto peer = response.peer();
  const AnsweringScope answering(peer ? peer->fd() : -1, request.method() == Method::Head);
  const PistacheInbound inbound(request);
  Answer answer = pistache_answer(std::move(response), inbound.keep_alive());
  try {
    route(inbound, answer, *m_context);
  } catch (const std::exception& e) {
    spdlog::error("event=handler_exception error={}", log_quoted(e.what()));
    answer.send_and_close(text(Code::Internal_Server_Error, "internal error"));
  } catch (...) {
    spdlog::error("event=handler_exception error=unknown");
    answer.send_and_close(text(Code::Internal_Server_Error, "internal error"));
  }
}

void HubHandler::onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  try {
    // What Http::Handler::onConnection (private in 0.0.5) does: give the
    // connection its request parser (ours checks what Pistache's does not).
    peer->putData(ParserData,
                  std::make_shared<GuardedRequestParser>(getMaxRequestSize(), peer->fd(), m_context->credentials));
    ConnectionLimit& limit = m_context->connections;
    std::uint64_t refused = 0;
    if (auto slot = limit.admit(&refused)) {
      peer->putData(k_connection_slot, std::move(slot));
      return;
    }
    refuse_connection(peer->fd());
    // Which refusal this is comes from the count itself: two workers refusing
    // at once each see their own number, so the first is always logged.
    if (refused % k_log_refused_every == 1) {
      spdlog::warn("event=connections_refused reason=\"the cap on open connections is reached\" max={} refused={}",
                   limit.max(), refused);
    }
  } catch (const std::exception& e) {
    spdlog::error("event=connection_exception error={}", log_quoted(e.what()));
  }
}

}  // namespace hubbub
