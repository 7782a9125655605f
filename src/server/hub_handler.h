#pragma once
// The HTTP face of the hub: one Pistache handler (no Rest::Router, whose
// method table races between workers in 0.0.5) serving, under the public
// URL's path,
//   POST /               subscribe / unsubscribe (WebSub 5.1), publish pings, and
//                        authenticated fat pings (raw content, bearer token)
//   GET  /               the dashboard in a browser (server/dashboard.h),
//                        else a short text page about the hub
//   GET  /dashboard.js, /dashboard.css   its files
//   GET  /stats          the dashboard's public figures (JSON)
//   GET  /requests/<id>  status monitor of a subscription request
//   GET  /publishes/<id> status monitor of a publish ping
//   GET  /metrics        Prometheus text format
//   …    /admin/…        the operator's API (server/admin_api.h)
//   GET  /healthz        200 while the process serves HTTP
//   GET  /readyz         200 when the database takes writes and every worker
//                        runs, else 503 with the reason
// A connection past the cap on open connections is answered 503 and closed
// before it is read.
// Every answer is produced here; no exception escapes to Pistache.

#include "server/pistache.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/connection_limit.h"
#include "server/credentials.h"
#include "server/rate_limits.h"
#include "server/reply.h"
#include "util/clock.h"
#include "websub/hub_metrics.h"
#include "websub/lease_policy.h"
#include "websub/pending_verifications.h"
#include "websub/store.h"

namespace hubbub {

// How the hub answers publishers (who may send fat pings is in Credentials).
struct PublishSettings {
  int status = 202;  // 202 with a status monitor, or 204 for old publisher tools (D2)
};

// State shared by the handler clones of every worker thread.
struct HubContext {
  HubContext(Store& store, const Clock& clock, LeasePolicy leases, PublishSettings publish, std::string public_url,
             std::function<void()> request_stored, std::function<void()> publish_stored);

  Store& store;
  const Clock& clock;
  const LeasePolicy leases;
  const PublishSettings publish;
  const std::string public_url;  // as configured, e.g. "https://hub.example/websub/"
  const std::string base_path;   // its path without the trailing '/': "/websub", or ""
  const std::string origin;      // "https://hub.example"
  const TimePoint started_at;

  // Set at shutdown: new hub requests get 503 while owed answers drain.
  std::atomic<bool> draining{false};
  // Answers handed to the store's writer and not yet sent.
  std::atomic<std::size_t> answers_owed{0};

  // Run (on a store thread) after a request or a ping is committed.
  const std::function<void()> request_stored;
  const std::function<void()> publish_stored;
  // Why the hub is not ready to work, or nullopt (GET /readyz). Set once,
  // before the server starts.
  std::function<std::optional<std::string>()> readiness_problem;
  // Counts and measures; set once, before the server starts (may be null).
  HubMetrics* metrics = nullptr;
  // Abuse limits at the hub endpoint; set once, before the server starts
  // (may be null: no limits).
  RateLimits* limits = nullptr;
  // Cap on open connections; set once, before the server starts (may be
  // null: no cap).
  ConnectionLimit* connections = nullptr;
  // Subscription requests waiting for verification, and the caps on them per
  // callback host and in all (0: none); set once, before the server starts
  // (may be null: not counted).
  PendingVerifications* pending = nullptr;
  std::int64_t max_pending_per_callback_host = 0;
  std::int64_t max_pending_verifications = 0;
  // Caps on active subscriptions (0: none); set once, before the server starts.
  std::int64_t max_subscriptions_per_topic = 0;
  std::int64_t max_subscriptions_per_callback_host = 0;
  // Bearer tokens of the admin API (server/admin_api.h) and of publishers
  // who may send fat pings; replaced on reload. Never logged.
  Credentials credentials{"", {}};
  // True while the delivery queue is at its cap: new pings get 503 (may be
  // empty). Set once, before the server starts.
  std::function<bool()> deliveries_held_back;
  // Run after deliveries were queued outside a fetch (a retried dead letter).
  std::function<void()> deliveries_queued;

  // Counts an answer to a POST at the hub URL.
  void count_request(std::string_view mode, int status) const;

  std::string monitor_url(std::string_view id) const;
  std::string publish_monitor_url(std::string_view id) const;
};

class HubHandler final : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(HubHandler)

  explicit HubHandler(std::shared_ptr<HubContext> context) : m_context(std::move(context)) {}

  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override;
  // Takes a slot of the connection cap, or answers 503 and closes.
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;

 private:
  void dispatch(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response);
  void post_hub(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response);
  std::optional<Reply> over_cap(const NewRequest& fresh);
  std::optional<Reply> count_pending(const std::string& origin, bool exempt);
  void post_publish(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response,
                    NewPublish publish);
  void post_fat_ping(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response);
  void get_monitor(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response,
                   std::string_view id);
  void get_publish_monitor(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response,
                           std::string_view id);

  std::shared_ptr<HubContext> m_context;
};

}  // namespace hubbub
