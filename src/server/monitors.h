#pragma once
// The status monitors: GET <base>/requests/<id> (a subscription request, JSON
// or text as the client prefers) and GET <base>/publishes/<id> (a publish
// ping, JSON). Both are public: they show what the hub did, in its own words.

#include <string_view>

#include "server/exchange.h"
#include "server/hub_context.h"
#include "websub/model.h"

namespace hubbub {

void get_request_monitor(const Inbound& request, Answer& answer, HubContext& context, std::string_view id);
void get_publish_monitor(const Inbound& request, Answer& answer, HubContext& context, std::string_view id);

// Whether the client prefers text/plain to JSON (Accept).
bool prefers_text(const Inbound& request);
// A request's status as JSON or text, with Retry-After while it is pending.
Reply request_status_reply(Pistache::Http::Code code, const RequestRecord& record, const std::string& monitor,
                           bool as_text, TimePoint now);

}  // namespace hubbub
