#pragma once
// Fetches the topics of publish pings (PuSH 0.3 §7.2, websub-requirements.md
// §3, D9) and hands new content to the store, which queues one delivery per
// active subscription. One fetch per topic at a time; a topic with no
// subscribers is not fetched at all.
//
// Each fetch: GET through the egress-checked client with a User-Agent naming
// Hubbub and the subscriber count, conditional on the topic's last ETag /
// Last-Modified, at most k_max_fetch_redirects redirects followed by hand
// (every hop re-validated as a topic URL and re-checked by the egress policy
// at connect), a size cap, timeouts. Content identical to the last content
// distributed for the topic (same Content-Type and body) is not distributed
// again. Transient failures are retried with backoff. Atom and RSS feeds are
// diffed for the subscriptions that take diffs (websub/feed_diff.h).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "net/http_client.h"
#include "util/clock.h"
#include "websub/backoff.h"
#include "websub/delivery_starter.h"
#include "websub/hub_metrics.h"
#include "websub/job_loop.h"
#include "websub/limits.h"
#include "websub/store.h"

namespace hubbub {

struct FetcherSettings {
  std::size_t max_in_flight = k_max_fetches_in_flight;
  std::size_t max_per_origin = k_max_fetches_per_origin;  // 0: no limit
  std::uint32_t max_attempts = static_cast<std::uint32_t>(k_fetch_attempts);
  Millis retry_base = k_default_retry_base;
  Millis timeout = k_default_outbound_timeout;
  Millis claim = k_verification_claim;
  std::size_t max_content_bytes = k_default_max_content_bytes;
  std::string user_agent = "Hubbub";       // the subscriber count is appended
  HubMetrics* metrics = nullptr;           // counted when set; must outlive the service
  std::int64_t max_queued_deliveries = 0;  // 0: no cap (limits.h)
  std::size_t fanout_chunk = k_default_fanout_chunk;
  // Atom/RSS diffing (websub/feed_diff.h): whether subscriptions without
  // hub.feed_diff take diffs, and whether updated entries count or only new
  // ones. A topic is diffed when one of its subscriptions takes diffs.
  bool feed_diff = false;
  bool feed_diff_new_only = false;
  // When set, the first deliveries of a fan-out are claimed for it in the
  // fetch's transaction and started at once (no claim of their own); must
  // outlive the fetcher.
  DeliveryStarter* deliveries = nullptr;
};

class Fetcher {
 public:
  // `distributed` runs (on a store thread) after new deliveries are committed.
  Fetcher(FetchQueue& store, HttpClient& http, const Clock& clock, FetcherSettings settings,
          std::function<void()> distributed);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  void start() { m_loop.start(); }
  void wake() { m_loop.wake(); }
  std::size_t stop(Millis grace) { return m_loop.stop(grace); }
  void wait_idle() { m_loop.wait_idle(); }
  bool running() const { return m_loop.running(); }
  // The base of the retry backoff from now on (SIGHUP). Thread-safe.
  void set_retry_base(Millis base) { m_backoff.set_base(base); }
  // True while the deliveries queued reach max_queued_deliveries: accepted
  // pings wait, and new ones should be refused. Thread-safe.
  bool held_back() const;

 private:
  void record_failure(const std::string& topic, const char* outcome, const std::string& reason);
  struct Attempt;
  Result<std::size_t> claim(std::size_t free);
  // Counts the delivery queue again when due; true when fetches must wait.
  bool hold_back();
  void begin(FetchJob job);
  void get(std::shared_ptr<Attempt> attempt);
  void on_response(std::shared_ptr<Attempt> attempt, HttpResult result);
  void accept_content(const std::shared_ptr<Attempt>& attempt, Content content, std::optional<std::string> etag,
                      std::optional<std::string> last_modified);
  void finish(const std::shared_ptr<Attempt>& attempt, FetchOutcome outcome);
  // The diff of `content` when it is an Atom or RSS feed that a subscription
  // of `topic` takes diffs of; none otherwise, or when anything fails (the
  // whole body is then sent, as without diffing).
  std::optional<FetchOutcome::FeedDiff> diff_if_wanted(const std::string& topic, const Content& content);
  void fail(const std::shared_ptr<Attempt>& attempt, std::string error, bool transient);
  // The fetch of `topic` is over: its origin's slot is free again.
  void job_done(const std::string& topic);
  // Whether a step of writing the rest of fan-outs is due now (loop thread).
  bool fanout_step_due();
  // Writes the next chunk of open fan-outs; a job of the loop.
  void extend_fanouts();

  FetchQueue& m_store;
  HttpClient& m_http;
  const Clock& m_clock;
  FetcherSettings m_settings;
  std::function<void()> m_distributed;
  Backoff m_backoff;
  // Deliveries queued, as last counted plus those queued since; the next
  // count is due at m_next_count (loop thread only).
  std::atomic<std::int64_t> m_queued{0};
  TimePoint m_next_count{};
  bool m_was_held_back = false;  // loop thread only
  // Fan-outs not all written: a step is wanted now (set by a fetch or a step
  // that left more), one runs, and when to look again anyway.
  std::atomic<bool> m_fanout_wanted{true};
  std::atomic<bool> m_fanout_running{false};
  TimePoint m_next_fanout_check{};  // loop thread only
  std::mutex m_origins_mutex;
  std::map<std::string, std::size_t> m_running_per_origin;  // guarded by m_origins_mutex
  JobLoop m_loop;                                           // last: its thread uses everything above
};

}  // namespace hubbub
