#pragma once
// The endpoints for people and machines that watch the hub:
//   GET /         the dashboard in a browser (server/dashboard.h), else a
//                 short text page about the hub
//   GET /metrics  Prometheus text format
//   GET /healthz  200 while the process serves HTTP
//   GET /readyz   200 when the database takes writes and every worker runs,
//                 else 503 with the reason

#include "server/exchange.h"
#include "server/hub_context.h"

namespace hubbub {

void get_front_page(const Inbound& request, Answer& answer, HubContext& context);
void get_metrics(const Inbound& request, Answer& answer, HubContext& context);
void get_healthz(const Inbound& request, Answer& answer, HubContext& context);
void get_readyz(const Inbound& request, Answer& answer, HubContext& context);

}  // namespace hubbub
