#pragma once
// Which endpoint answers a request: one table of the hub's paths (under the
// public URL's path), each with the methods it accepts. A known path asked
// with another method gets 405 with Allow; an unknown path 404.

#include "server/exchange.h"
#include "server/hub_context.h"

namespace hubbub {

void route(const Inbound& request, Answer& answer, HubContext& context);

}  // namespace hubbub
