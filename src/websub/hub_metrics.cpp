#include "websub/hub_metrics.h"

#include "websub/limits.h"

namespace hubbub {
namespace {

Histogram::BucketBoundaries latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600};
}

CounterFamily& counter(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

Histogram& histogram(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add({}, latency_buckets());
}

}  // namespace

HubMetrics::HubMetrics()
    : requests(
          counter(registry, "hubbub_requests_total", "Answers to POSTs at the hub URL, by hub.mode and HTTP status.")),
      verifications(counter(registry, "hubbub_verifications_total",
                            "Verification attempts of subscription requests, by outcome.")),
      fetches(counter(registry, "hubbub_fetches_total", "Topic fetch attempts after publish pings, by outcome.")),
      deliveries(
          counter(registry, "hubbub_deliveries_total", "Delivery attempts, by outcome and subscriber status class.")),
      publish_to_delivery(histogram(registry, "hubbub_publish_to_delivery_seconds",
                                    "Time from a publish ping's arrival to a subscriber's 2xx.")),
      verification(histogram(registry, "hubbub_verification_seconds", "Time from a verification GET to its answer.")),
      activity(k_activity_minutes),
      failures(k_failures_kept) {}

Status HubMetrics::share_activity(SharedActivity& shared, TimePoint now) {
  const auto window = activity.window(now);
  std::vector<SharedActivity::MinuteCounts> minutes;
  for (std::size_t i = window.size() >= 2 ? window.size() - 2 : 0; i < window.size(); ++i) {
    minutes.push_back({window[i].start, static_cast<std::int64_t>(window[i].counts[k_delivered]),
                       static_cast<std::int64_t>(window[i].counts[k_failed])});
  }
  auto [recent, newest] = failures.since(m_failures_shared);
  HUBBUB_TRY(shared.record_activity(minutes, recent, now - k_activity_kept, k_failures_kept));
  m_failures_shared = newest;
  return {};
}

std::string status_class(long status) {
  if (status < 100 || status > 599) {
    return "error";
  }
  return std::to_string(status / 100) + "xx";
}

MetricFamilies HubMetrics::collect(AdminQueries& store, TimePoint now) const {
  MetricFamilies out{gauge_family("hubbub_build_info", "Hubbub's version.", {{{{"version", HUBBUB_VERSION}}, 1.0}})};
  for (prometheus::MetricFamily& f : registry.Collect()) {
    out.push_back(std::move(f));
  }
  if (auto stats = store.statistics(now)) {
    out.push_back(gauge_family("hubbub_queue_depth", "Work waiting or under way, by queue.",
                               {{{{"queue", "verification"}}, static_cast<double>(stats->pending_requests)},
                                {{{"queue", "fetch"}}, static_cast<double>(stats->pending_fetches)},
                                {{{"queue", "delivery"}}, static_cast<double>(stats->pending_deliveries)}}));
    out.push_back(gauge_family("hubbub_dead_letters", "Notifications that exhausted their retries.",
                               {{{}, static_cast<double>(stats->dead_letters)}}));
    out.push_back(gauge_family("hubbub_subscriptions_active", "Subscriptions whose lease has not ended.",
                               {{{}, static_cast<double>(stats->active_subscriptions)}}));
    out.push_back(gauge_family("hubbub_topics_active", "Topics with at least one active subscription.",
                               {{{}, static_cast<double>(stats->active_topics)}}));
  }
  return out;
}

}  // namespace hubbub
