#include "websub/hub_metrics.h"

#include "websub/limits.h"

namespace hubbub {
namespace {

std::vector<double> latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600};
}

}  // namespace

HubMetrics::HubMetrics()
    : requests("hubbub_requests_total", "Answers to POSTs at the hub URL, by hub.mode and HTTP status."),
      verifications("hubbub_verifications_total", "Verification attempts of subscription requests, by outcome."),
      fetches("hubbub_fetches_total", "Topic fetch attempts after publish pings, by outcome."),
      deliveries("hubbub_deliveries_total", "Delivery attempts, by outcome and subscriber status class."),
      publish_to_delivery("hubbub_publish_to_delivery_seconds",
                          "Time from a publish ping's arrival to a subscriber's 2xx.", latency_buckets()),
      verification("hubbub_verification_seconds", "Time from a verification GET to its answer.", latency_buckets()),
      activity(k_activity_minutes),
      failures(k_failures_kept) {}

std::string status_class(long status) {
  if (status < 100 || status > 599) {
    return "error";
  }
  return std::to_string(status / 100) + "xx";
}

std::string HubMetrics::render(Store& store, TimePoint now) const {
  std::string out;
  render_gauge(out, "hubbub_build_info", "Hubbub's version.", {{{{"version", HUBBUB_VERSION}}, 1.0}});
  requests.render(out);
  verifications.render(out);
  fetches.render(out);
  deliveries.render(out);
  publish_to_delivery.render(out);
  verification.render(out);
  if (auto stats = store.statistics(now)) {
    render_gauge(out, "hubbub_queue_depth", "Work waiting or under way, by queue.",
                 {{{{"queue", "verification"}}, static_cast<double>(stats->pending_requests)},
                  {{{"queue", "fetch"}}, static_cast<double>(stats->pending_fetches)},
                  {{{"queue", "delivery"}}, static_cast<double>(stats->pending_deliveries)}});
    render_gauge(out, "hubbub_dead_letters", "Notifications that exhausted their retries.",
                 {{{}, static_cast<double>(stats->dead_letters)}});
    render_gauge(out, "hubbub_subscriptions_active", "Subscriptions whose lease has not ended.",
                 {{{}, static_cast<double>(stats->active_subscriptions)}});
    render_gauge(out, "hubbub_topics_active", "Topics with at least one active subscription.",
                 {{{}, static_cast<double>(stats->active_topics)}});
  }
  return out;
}

}  // namespace hubbub
