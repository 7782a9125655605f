#pragma once
// What the hub's endpoints share: built once by the daemon (or a test) from
// references to parts that live as long as the HTTP server. Every part is
// always there; a part an operator turned off is one that does nothing (a
// RateLimits without rates, a ConnectionLimit without a cap, hooks that do
// nothing), so no endpoint checks for a missing one.

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "server/connection_limit.h"
#include "server/credentials.h"
#include "server/rate_limits.h"
#include "util/clock.h"
#include "util/metrics.h"
#include "websub/hub_metrics.h"
#include "websub/lease_policy.h"
#include "websub/store.h"

namespace hubbub {

class SubscriptionIntake;

// The hub's public URL and the URLs derived from it.
class HubUrls {
 public:
  explicit HubUrls(std::string public_url);
  const std::string& public_url() const { return m_public_url; }  // "https://hub.example/websub/"
  const std::string& base_path() const { return m_base_path; }    // "/websub", or ""
  std::string request_monitor(std::string_view id) const;         // ".../websub/requests/<id>"
  std::string publish_monitor(std::string_view id) const;         // ".../websub/publishes/<id>"

 private:
  std::string m_public_url;
  std::string m_base_path;
  std::string m_origin;  // "https://hub.example"
};

// Answers promised (a request handed to the store's writer) and not yet
// sent, and whether the hub is shutting down: new hub requests then get 503
// while the owed answers drain.
class OwedAnswers {
 public:
  void add() { m_owed.fetch_add(1); }
  void settle() { m_owed.fetch_sub(1); }
  std::size_t owed() const { return m_owed.load(); }
  void start_draining() { m_draining.store(true); }
  bool draining() const { return m_draining.load(); }

 private:
  std::atomic<std::size_t> m_owed{0};
  std::atomic<bool> m_draining{false};
};

// How the hub answers publishers (who may send fat pings is in Credentials).
struct PublishSettings {
  int status = 202;  // 202 with a status monitor, or 204 for old publisher tools (D2)
};

// What the endpoints tell the rest of the hub, and ask of it. Each does
// nothing unless set.
struct HubHooks {
  std::function<void()> publish_stored = [] {};     // a ping was committed: wake the fetcher
  std::function<void()> deliveries_queued = [] {};  // deliveries queued outside a fetch (a retried dead letter)
  // True while the delivery queue is at its cap: new pings get 503.
  std::function<bool()> deliveries_held_back = [] { return false; };
  // Why the hub is not ready to work, or nullopt (GET /readyz).
  std::function<std::optional<std::string>()> readiness_problem = [] { return std::nullopt; };
  // Set when nodes share the database: the dashboard's chart and the
  // admin API's failures come from it (every node's), not from this node's
  // memory.
  SharedActivity* shared_activity = nullptr;
  // The node's own families for GET /metrics: its id, its leadership, the
  // database engine's health.
  std::function<MetricFamilies()> node_metrics = [] { return MetricFamilies{}; };
};

struct HubContext {
  // The parts of the store the endpoints use: the status monitors read
  // requests and publishes, the publish endpoint records pings, the admin
  // API, the dashboard and /metrics query.
  RequestLog& requests;
  PublishLog& publishes;
  AdminQueries& queries;
  const Clock& clock;
  const HubUrls& urls;
  const LeasePolicy leases;
  const PublishSettings publish;
  HubMetrics& metrics;
  RateLimits& limits;
  ConnectionLimit& connections;
  // Bearer tokens of the admin API and of publishers; replaced on reload.
  Credentials& credentials;
  // Admission and submission of subscription requests (server/intake.h).
  SubscriptionIntake& intake;
  OwedAnswers& owed;
  const HubHooks hooks;
  const TimePoint started_at;

  // Counts an answer to a POST at the hub URL.
  void count_request(std::string_view mode, int status) const;
};

}  // namespace hubbub
