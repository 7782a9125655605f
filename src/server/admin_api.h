#pragma once
// The operator's JSON API under <public path>/admin/, enabled only when an
// admin token is configured; every request needs "Authorization: Bearer
// <token>" (compared in constant time), otherwise 401 and nothing else.
//
//   GET    admin/subscriptions[?topic=&callback_host=&limit=&offset=]  with the latest delivery of each
//   GET    admin/subscriptions/<id>            with its latest deliveries
//   DELETE admin/subscriptions/<id>
//   POST   admin/subscriptions/<id>/reverify   a new verification of intent
//   POST   admin/subscriptions/<id>/replay?since=<RFC 3339>|last=<n>
//                                       the topic's notifications kept, again (X-Hub-Replay)
//   POST   admin/publishes/<id>/replay  a publish again, to its topics' subscribers now
//   GET    admin/topics[?limit=&offset=]
//   GET    admin/dead-letters[?limit=&offset=]
//   POST   admin/dead-letters/<id>/retry
//   GET    admin/failures[?limit=]             the latest failed verifications, fetches and deliveries

#include <string_view>

#include "server/exchange.h"
#include "server/hub_context.h"

namespace hubbub {

// `route` is the path after "admin/".
void handle_admin(const Inbound& request, Answer& answer, HubContext& context, std::string_view route);

}  // namespace hubbub
