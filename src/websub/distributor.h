#pragma once
// Delivers notifications (WebSub 7): claims due deliveries from the store and
// POSTs each to its callback, exactly as given (query kept), with the body
// and Content-Type byte for byte, one Link header (rel="hub" the public URL,
// rel="self" the topic) and, when the subscription has a secret,
// X-Hub-Signature. Every attempt of one notification carries the same
// X-Hub-Delivery-Id.
//
// Outcomes: any 2xx delivers; 410 ends the subscription; anything else
// (redirects included, never followed) is retried with exponential backoff
// and jitter, honouring Retry-After (capped), until the attempt limit or the
// age limit, then the notification becomes a dead letter. The subscription
// stays active either way (STATE-07). A delivery never outlives its
// subscription's lease. Concurrency is capped here (in flight, and claimed per
// callback origin, so that a slow host holds up only its own deliveries) and
// per origin in the HTTP client.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/http_client.h"
#include "util/clock.h"
#include "websub/backoff.h"
#include "websub/circuit_breaker.h"
#include "websub/delivery_starter.h"
#include "websub/hub_metrics.h"
#include "websub/job_loop.h"
#include "websub/limits.h"
#include "websub/signature.h"
#include "websub/store.h"
#include "websub/unsaved_outcomes.h"

namespace hubbub {

struct DistributorSettings {
  std::size_t max_in_flight = k_max_deliveries_in_flight;
  std::uint32_t max_attempts = static_cast<std::uint32_t>(k_default_delivery_attempts);
  Millis max_age = k_max_delivery_age;
  Millis retry_base = k_default_retry_base;
  Millis timeout = k_default_outbound_timeout;
  Millis claim = k_delivery_claim;  // raised to cover the longest queue wait
  // The database is shared with other nodes: the node renews its live claims
  // (websub/housekeeper.h), so the claim is kept as given instead of raised,
  // and the pauses other nodes record are read every k_shared_pause_refresh
  // (otherwise once, at the first claim: this node's own, before a restart).
  bool shared = false;
  SignatureAlgorithm algorithm = SignatureAlgorithm::sha256;
  // Also sign the Standard Webhooks way (webhook-id, webhook-timestamp,
  // webhook-signature) for subscriptions with a secret.
  bool standard_webhooks = false;
  std::string public_url;         // rel="hub"
  HubMetrics* metrics = nullptr;  // counted when set; must outlive the service
};

class Distributor final : public DeliveryStarter {
 public:
  Distributor(DeliveryQueue& store, HttpClient& http, const Clock& clock, DistributorSettings settings);
  ~Distributor() override;
  Distributor(const Distributor&) = delete;
  Distributor& operator=(const Distributor&) = delete;

  void start() { m_loop.start(); }
  // New deliveries were queued. Thread-safe.
  void wake() {
    {
      std::lock_guard lock(m_origins_mutex);
      m_idle_until.reset();
    }
    m_new_work = true;
    m_loop.wake();
  }
  std::size_t stop(Millis grace) { return m_loop.stop(grace); }
  void wait_idle() { m_loop.wait_idle(); }
  bool running() const { return m_loop.running(); }
  // The base of the retry backoff from now on (SIGHUP). Thread-safe.
  void set_retry_base(Millis base) { m_backoff.set_base(base); }

  // DeliveryStarter: at most one claim batch, from the loop's free slots;
  // busy and paused origins are left out as a claim leaves them out.
  DeliveryHandOff reserve(std::size_t want) override;
  void take(std::size_t reserved, std::vector<DeliveryJob> jobs) override;
  void remember(std::int64_t content_id, std::optional<std::string> content_type,
                std::shared_ptr<const std::string> body) override;

 private:
  // Content and its body shared by every request that carries it.
  struct Payload {
    std::optional<std::string> content_type;
    std::shared_ptr<const std::string> body;
  };

  Result<std::size_t> claim(std::size_t free);
  // Pauses recorded in the store (by other nodes, or before a restart) taken
  // into the breaker: read once, or every k_shared_pause_refresh when shared.
  void adopt_recorded_pauses(TimePoint now, std::chrono::steady_clock::time_point steady_now);
  Result<std::optional<TimePoint>> next_due();
  Result<std::shared_ptr<const Payload>> payload(std::int64_t content_id);
  // Keeps `p` among the k_content_cache_entries newest contents.
  void cache(std::int64_t content_id, std::shared_ptr<const Payload> p);
  // Sends a claimed job, unless its origin is paused or its content gone.
  void start(const DeliveryJob& job, TimePoint now);
  void deliver(const DeliveryJob& job, const Payload& payload);
  void on_response(const DeliveryJob& job, HttpResult result);
  void settle(const DeliveryJob& job, DeliveryOutcome outcome);
  // Writes outcomes whose first write failed (a full or locked database) as
  // soon as the store takes writes again, instead of sending the deliveries
  // again when their claim lapses.
  void save_unsaved();

  DeliveryQueue& m_store;
  HttpClient& m_http;
  const Clock& m_clock;
  DistributorSettings m_settings;
  Backoff m_backoff;

  std::mutex m_cache_mutex;
  std::unordered_map<std::int64_t, std::shared_ptr<const Payload>> m_cache;  // guarded by m_cache_mutex
  std::deque<std::int64_t> m_cache_order;                                    // guarded by m_cache_mutex

  UnsavedOutcomes<DeliveryOutcome> m_unsaved;
  std::mutex m_origins_mutex;
  std::unordered_map<std::string, std::size_t> m_claimed_per_origin;  // guarded by m_origins_mutex
  std::size_t m_claimed = 0;                                          // guarded by m_origins_mutex
  std::size_t m_settled_since_claim = 0;                              // guarded by m_origins_mutex
  CircuitBreaker m_breaker;
  // When each paused origin's new deliveries were last deferred (loop thread).
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> m_deferred_at;
  // Set when every due delivery belongs to a paused origin and nothing is in
  // flight: the loop sleeps until the first probe instead of polling.
  std::optional<TimePoint> m_idle_until;  // guarded by m_origins_mutex
  std::atomic<bool> m_new_work{true};
  std::chrono::steady_clock::time_point m_last_claim;  // the loop thread's
  // When the pauses recorded in the store were last read (loop thread).
  std::optional<std::chrono::steady_clock::time_point> m_pauses_read_at;

  JobLoop m_loop;  // last: its thread uses everything above
};

}  // namespace hubbub
