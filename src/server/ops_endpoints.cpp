#include "server/ops_endpoints.h"

#include "server/dashboard.h"
#include "util/metrics.h"
#include "websub/limits.h"

namespace hubbub {

using Pistache::Http::Code;

void get_front_page(const Inbound& request, Answer& answer, HubContext& context) {
  if (wants_html(request)) {
    answer.send(*dashboard_file("index.html", context.urls));
    return;
  }
  answer.send(text(Code::Ok, "Hubbub " HUBBUB_VERSION " - a WebSub hub.\n\nSubscribers and publishers POST "
                             "application/x-www-form-urlencoded requests (hub.mode, hub.topic, hub.callback, ...) to " +
                                 context.urls.public_url() + "\nSee https://www.w3.org/TR/websub/"));
}

void get_metrics(const Inbound&, Answer& answer, HubContext& context) {
  Reply r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  MetricFamilies families = context.metrics.collect(context.queries, context.clock.now());
  const ConnectionLimit& limit = context.connections;
  families.push_back(gauge_family("hubbub_connections_open", "Connections the HTTP server holds open.",
                                  {{{}, static_cast<double>(limit.open())}}));
  families.push_back(
      gauge_family("hubbub_connections_max", "The cap on open connections.", {{{}, static_cast<double>(limit.max())}}));
  families.push_back(counter_family("hubbub_connections_refused_total",
                                    "Connections answered 503 and closed because the cap was reached.",
                                    static_cast<double>(limit.refused())));
  for (auto& family : context.hooks.node_metrics()) {
    families.push_back(std::move(family));
  }
  r.body = exposition(families);
  r.headers.emplace_back("Cache-Control", "no-store");
  answer.send(std::move(r));
}

void get_healthz(const Inbound&, Answer& answer, HubContext&) {
  answer.send(text(Code::Ok, "ok"));
}

void get_readyz(const Inbound&, Answer& answer, HubContext& context) {
  std::optional<std::string> problem;
  if (context.owed.draining()) {
    problem = "shutting down";
  } else {
    problem = context.hooks.readiness_problem();
  }
  Reply r = problem ? text(Code::Service_Unavailable, "not ready: " + *problem) : text(Code::Ok, "ready");
  r.headers.emplace_back("Cache-Control", "no-store");
  if (problem) {
    r.headers.emplace_back("Retry-After", std::to_string(k_retry_after_shutdown.count()));
  }
  answer.send(std::move(r));
}

}  // namespace hubbub
