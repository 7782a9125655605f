#pragma once
// The HTTP face of the hub: the one Pistache handler (no Rest::Router, whose
// method table races between workers in 0.0.5). It gives every connection
// its guarded parser (server/request_guard.h) and a slot of the cap on open
// connections (past the cap: 503 and closed before it is read), adapts each
// request to an Inbound and an Answer (server/exchange.h) and hands them to
// the router (server/router.h). No exception escapes to Pistache.

#include "server/pistache.h"

#include <memory>

#include "server/hub_context.h"

namespace hubbub {

class HubHandler final : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(HubHandler)

  // `context` must outlive the server.
  explicit HubHandler(HubContext& context) : m_context(&context) {}

  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override;
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;

 private:
  HubContext* m_context;  // a pointer: Pistache copies the handler for each worker
};

}  // namespace hubbub
