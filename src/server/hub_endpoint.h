#pragma once
// POST at the hub URL: subscription requests (WebSub 5.1) and publish pings
// as application/x-www-form-urlencoded forms, and fat pings (any other
// Content-Type, hub.mode=publish in the query). Checks what the form may be,
// applies the rate limits, and hands a subscription request to the intake
// (server/intake.h) and a ping to the publish endpoint. Every answer is
// counted in hubbub_requests_total under the mode asked for.

#include "server/exchange.h"
#include "server/hub_context.h"

namespace hubbub {

void post_hub(const Inbound& request, Answer answer, HubContext& context);

}  // namespace hubbub
