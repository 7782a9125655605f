#pragma once
// What the hub counts and measures (GET /metrics). One instance, owned by the
// daemon, shared by the handler and the services; every member is
// thread-safe.

#include <string>

#include "util/metrics.h"
#include "util/minute_series.h"
#include "websub/failure_log.h"
#include "websub/store.h"

namespace hubbub {

struct HubMetrics {
  HubMetrics();
  HubMetrics(const HubMetrics&) = delete;
  HubMetrics& operator=(const HubMetrics&) = delete;

  // Holds the families below; declared first so that it outlives them.
  prometheus::Registry registry;

  // hubbub_requests_total{mode, status}: answers to POSTs at the hub URL.
  CounterFamily& requests;
  // hubbub_verifications_total{mode, outcome}: verified, failed, denied, retry.
  CounterFamily& verifications;
  // hubbub_fetches_total{outcome}: distributed, unchanged, no_subscribers, failed, retry.
  CounterFamily& fetches;
  // hubbub_deliveries_total{outcome, status_class}: delivered, retry, dead, gone, dropped x 2xx..5xx, error.
  CounterFamily& deliveries;
  // hubbub_publish_to_delivery_seconds: from the ping's arrival to a subscriber's 2xx.
  Histogram& publish_to_delivery;
  // hubbub_verification_seconds: from the verification GET to its answer.
  Histogram& verification;
  // Delivery attempts per minute over the last hour, columns k_delivered and
  // k_failed (the dashboard's chart); 410s count as neither.
  static constexpr std::size_t k_delivered = 0;
  static constexpr std::size_t k_failed = 1;
  MinuteSeries activity;
  // The latest failed verifications, fetches and deliveries with reasons.
  FailureLog failures;

  // The counters and histograms, gauges read from the store (queue depths,
  // subscriptions, topics, dead letters) and build info, for exposition().
  MetricFamilies collect(AdminQueries& store, TimePoint now) const;

  // Writes this node's chart counts (the current and the previous minute)
  // and the failures recorded since the last successful write to a database
  // that nodes share, for the other nodes' dashboards. One caller (the
  // housekeeper's tick).
  Status share_activity(SharedActivity& shared, TimePoint now);

 private:
  std::uint64_t m_failures_shared = 0;  // share_activity() only
};

// "2xx" … "5xx" for an HTTP status, "error" when there was no answer.
std::string status_class(long status);

}  // namespace hubbub
