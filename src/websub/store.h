#pragma once
// The storage port, split by consumer: each part below is what one component
// of the hub uses, and the component takes only that part. `Store` is all of
// them, what an engine implements (store/sqlite_store.h, tested by
// tests/unit/store/sqlite_store_test.cpp).
//
// Contract for every part of every engine:
// - Writes are asynchronous and durable: `done` runs (on a store thread, so it
//   must not block) only once the change is committed, or with the error that
//   kept it from being committed. Writes submitted from one thread commit in
//   submission order.
// - Reads are synchronous, see every write whose `done` has run, and may be
//   called from any thread.
// - Claims make pending work exclusive: a claimed request is not handed out
//   again until its claim lapses or it is rescheduled or completed.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/clock.h"
#include "util/result.h"
#include "websub/failure_log.h"
#include "websub/model.h"

namespace hubbub {

// Counts for monitoring (GET /metrics).
struct StoreStatistics {
  std::int64_t pending_requests = 0;
  std::int64_t pending_fetches = 0;
  std::int64_t pending_deliveries = 0;
  std::int64_t dead_letters = 0;
  std::int64_t active_subscriptions = 0;
  std::int64_t active_topics = 0;
};

// How much of a claim the jobs of one origin (a callback's or a topic's
// scheme://host:port) may take, so that a slow or hostile host holds a
// bounded share of a service's slots and never keeps others waiting: at most
// `per_origin` of its jobs run at once (0: no limit), counting the
// `in_flight` ones already running. A claim skips an origin without room and
// takes the next due jobs of other origins instead.
struct OriginShare {
  std::size_t per_origin = 0;
  std::map<std::string, std::size_t> in_flight;
};

// The caps on active subscriptions a new subscription is checked against
// (0: no cap).
struct SubscriptionCaps {
  std::int64_t per_topic = 0;
  std::int64_t per_callback_host = 0;
};

// A cap a new subscription would pass: which, and the active subscriptions
// counted against it (the cap itself when there are more).
struct SubscriptionCapReached {
  enum class Scope { topic, callback_host };
  Scope scope = Scope::topic;
  std::int64_t count = 0;
};

// The engine's health for monitoring (GET /metrics): whether its writer is
// connected (always, for SQLite), and its commits.
struct StoreHealth {
  bool connected = true;
  std::uint64_t commits = 0;         // write batches committed
  std::uint64_t failed_commits = 0;  // write batches that failed as a whole
  double last_commit_seconds = 0;    // how long the latest committed batch took
};

// Writes take `done`, run once the change is committed or failed.
using StoreDone = std::function<void(Status)>;

// Content of a fetch or a fat ping, read by the fetcher and the distributor.
class ContentReader {
 public:
  virtual ~ContentReader() = default;
  virtual Result<std::optional<Content>> find_content(std::int64_t content_id) = 0;
};

// The subscription intake's (server/intake.h) and the request status
// monitor's: requests as they come in, and the caps checked before.
class RequestLog {
 public:
  using Done = StoreDone;
  virtual ~RequestLog() = default;

  // Records a validated request as pending and due now.
  virtual void add_request(NewRequest request, Done done) = 0;
  virtual Result<std::optional<RequestRecord>> find_request(std::string_view id) = 0;
  // Whether the active subscriptions (lease not over at `now`) of `topic`,
  // or of the origin of `callback`, reach their cap in `caps`, the topic's
  // checked first; the (topic, callback) pair itself is not counted (a
  // renewal is never capped). Costs two key lookups while the tallies of
  // subscriptions stay below the caps, and a count of at most the cap's
  // number of rows beyond.
  virtual Result<std::optional<SubscriptionCapReached>> subscription_cap_reached(std::string_view topic,
                                                                                 std::string_view callback,
                                                                                 TimePoint now,
                                                                                 SubscriptionCaps caps) = 0;
  // Pending subscription requests (not yet settled) per callback origin
  // (url_origin().key()).
  using PendingCounts = std::vector<std::pair<std::string, std::int64_t>>;
  virtual Result<PendingCounts> pending_requests_per_origin() = 0;
  // The same counts, read in the order of this store's writes: `done` runs
  // after the answer of every write submitted before the call and before the
  // answer of every write submitted after it, so a request added here is in
  // exactly one of the counts or the requests still unanswered
  // (PendingVerifications::reset: neither missed nor counted twice).
  virtual void pending_requests_per_origin_in_write_order(std::function<void(Result<PendingCounts>)> done) = 0;
};

// The verifier's: pending requests, claimed, retried and settled.
class VerificationQueue {
 public:
  using Done = StoreDone;
  virtual ~VerificationQueue() = default;

  // Claims up to `max` due, unclaimed, pending requests until now + claim_for,
  // counting an attempt for each. For any (topic, callback) pair only the
  // oldest pending request is ever handed out, so the requests for a pair are
  // settled one after another, in order. The callback origins share the
  // claim as `share` says.
  virtual Result<std::vector<RequestRecord>> claim_due_requests(TimePoint now, Millis claim_for, std::size_t max,
                                                                const OriginShare& share) = 0;
  // When the earliest pending request falls due (claimed ones count at their
  // claim's end); nullopt when nothing is pending.
  virtual Result<std::optional<TimePoint>> next_request_due() = 0;
  // Returns a claimed request to the queue, due at `due_at`. Every write
  // takes its time (`now`, stamped as updated_at) from the caller's clock.
  virtual void retry_request(std::string id, TimePoint due_at, std::string error, TimePoint now, Done done) = 0;
  // Ends a claimed request. Verified: in the same transaction, a subscribe
  // creates or renews the (topic, callback) subscription with the request's
  // secret and lease counted from verified_at; an unsubscribe removes it.
  // Failed or denied: subscriptions are left exactly as they were.
  virtual void complete_request(RequestCompletion completion, Done done) = 0;
};

// The publish endpoint's and the publish status monitor's.
class PublishLog {
 public:
  using Done = StoreDone;
  virtual ~PublishLog() = default;

  // Records a ping: one pending fetch per topic (a fat ping's content is
  // stored with it).
  virtual void add_publish(NewPublish publish, Done done) = 0;
  virtual Result<std::optional<PublishStatus>> find_publish(std::string_view id) = 0;
};

// The fetcher's: pending fetches, and what a fetch's fan-out would queue.
class FetchQueue : public virtual ContentReader {
 public:
  using Done = StoreDone;

  // Claims due fetches like claim_due_requests, with each topic's validators;
  // the topics' origins share the claim as `share` says.
  virtual Result<std::vector<FetchJob>> claim_due_fetches(TimePoint now, Millis claim_for, std::size_t max,
                                                          const OriginShare& share) = 0;
  virtual Result<std::optional<TimePoint>> next_fetch_due() = 0;
  virtual void retry_fetch(std::int64_t id, TimePoint due_at, std::string error, TimePoint now, Done done) = 0;
  // Ends a claimed fetch. Distributed: in one transaction, stores the content
  // (unless it is a fat ping's, already stored), remembers the topic's
  // validators and content hash, and queues one delivery for each of the
  // first `outcome.fanout_chunk` subscriptions (by id) of the topic active at
  // `outcome.at`, leaving the rest of the fan-out to extend_fanouts(). `done`
  // gets the number of deliveries queued. With `outcome.feed`, in the same
  // transaction: the diff stored as a content of its own and sent instead to
  // the subscriptions that take diffs (none to them without a diff), the
  // feed's entries remembered (the topic's oldest beyond
  // k_feed_entries_kept, or older than k_feed_entry_max_age, forgotten), and
  // the fetch settled as unchanged when nothing at all was queued. With
  // `outcome.hand_off`, the deliveries it selects are queued claimed for
  // this node (attempt 1) and handed back in FetchFinished::handed_off.
  virtual void finish_fetch(FetchOutcome outcome, std::function<void(Result<FetchFinished>)> done) = 0;
  // Writes the next `chunk` deliveries (subscriptions active at `now`, by id,
  // after those already queued) of each of a few fan-outs not yet all
  // written, in one transaction; a fan-out whose subscriptions run out is
  // complete, and its publish's subscriber count final. Several nodes may
  // call it at once: a chunk is queued once.
  virtual void extend_fanouts(TimePoint now, std::size_t chunk, std::function<void(Result<FanoutStep>)> done) = 0;
  // The subscriptions of `topic` active at `now` (the fetch's User-Agent, and
  // none: nothing to fetch): exact up to k_exact_subscriber_count; beyond
  // it, the topic's tally (expired ones included until the sweep), so that
  // a big topic's fetch does not count every subscription first.
  virtual Result<std::size_t> count_active_subscriptions(std::string_view topic, TimePoint now) = 0;
  // Whether a subscription of `topic` active at `now` takes Atom/RSS diffs:
  // its hub.feed_diff, else `by_default`.
  virtual Result<bool> feed_diff_wanted(std::string_view topic, TimePoint now, bool by_default) = 0;
  // The entries remembered for `topic`'s feed: key hash to entry hash.
  virtual Result<std::unordered_map<std::string, std::string>> feed_entries(std::string_view topic) = 0;
  // Deliveries queued (pending or being sent), counting at most `limit`.
  virtual Result<std::int64_t> count_queued_deliveries(std::int64_t limit) = 0;
};

// The distributor's: owed deliveries, claimed, deferred and settled.
class DeliveryQueue : public virtual ContentReader {
 public:
  using Done = StoreDone;

  // Claims due deliveries, joined with their subscriptions as they are now,
  // skipping those whose callback origin is in `busy_origins`; deliveries
  // whose subscription has ended or expired are dropped on the way and not
  // returned.
  virtual Result<std::vector<DeliveryJob>> claim_due_deliveries(TimePoint now, Millis claim_for, std::size_t max,
                                                                const std::vector<std::string>& busy_origins) = 0;
  virtual Result<std::optional<TimePoint>> next_delivery_due() = 0;
  // Moves the pending, unclaimed deliveries to `origin` that are due before
  // `until` to `until` (a paused host), without touching their attempts, and
  // records the pause, so that every node sharing the database sees it in
  // origin_pauses() (a later pause of the origin is never shortened).
  virtual void defer_origin(std::string origin, TimePoint until, Done done) = 0;
  // The pauses recorded by defer_origin, by this node or any other, that are
  // not over at `now`: each origin with the end of its pause.
  virtual Result<std::vector<std::pair<std::string, TimePoint>>> origin_pauses(TimePoint now) = 0;
  // Records the outcomes of delivery attempts in one transaction. A 410
  // (end_subscription) removes the subscription. Each row is stamped with its
  // outcome's settled_at.
  virtual void settle_deliveries(std::vector<DeliveryOutcome> outcomes, Done done) = 0;
};

// The admin API's, the dashboard's and /metrics'.
class AdminQueries {
 public:
  virtual ~AdminQueries() = default;

  // Subscriptions, each with its latest delivery, optionally only those of
  // `topic` and/or whose callback's host is `callback_host`; newest first.
  virtual Result<std::vector<SubscriptionOverview>> list_subscriptions(std::optional<std::string> topic,
                                                                       std::optional<std::string> callback_host,
                                                                       std::size_t limit, std::size_t offset) = 0;
  virtual Result<std::optional<Subscription>> find_subscription_by_id(std::int64_t id) = 0;
  virtual Result<std::optional<Subscription>> find_subscription(std::string_view topic, std::string_view callback) = 0;
  // Subscriptions of `topic` whose lease has not ended at `now`.
  virtual Result<std::vector<Subscription>> active_subscriptions(std::string_view topic, TimePoint now) = 0;
  // Removes a subscription; false when there was none.
  virtual Result<bool> delete_subscription(std::int64_t id) = 0;
  // The latest deliveries of a subscription, newest first.
  virtual Result<std::vector<DeliveryRecord>> subscription_deliveries(std::int64_t id, std::size_t limit) = 0;
  virtual Result<std::vector<TopicRecord>> list_topics(TimePoint now, std::size_t limit, std::size_t offset) = 0;
  virtual Result<std::vector<DeliveryRecord>> list_dead_letters(std::size_t limit, std::size_t offset) = 0;
  // Queues a dead letter again, due at `now`, its attempts reset; false when
  // there is no such dead letter.
  virtual Result<bool> retry_dead_letter(std::int64_t id, TimePoint now) = 0;
  // Replay: queues for subscription `id`, if active at `now`, a new delivery
  // (new delivery id, marked as a replay, due at `now`) of each notification
  // of its topic still kept that `which` selects (contents the hub
  // distributed, fetched or fat-pinged), at most k_max_replay; nullopt when
  // there is no such active subscription. Returns how many were queued.
  virtual Result<std::optional<std::size_t>> replay_to_subscription(std::int64_t id, const ReplaySelection& which,
                                                                    TimePoint now) = 0;
  // Replay: queues a new delivery, marked as a replay, of what publish
  // `token` distributed (each of its topics) to every subscription of that
  // topic active at `now`, in one transaction; nullopt when there is no such
  // publish. Returns how many were queued.
  virtual Result<std::optional<std::size_t>> replay_publish(std::string_view token, TimePoint now) = 0;
  virtual Result<StoreStatistics> statistics(TimePoint now) = 0;
};

// The housekeeper's periodic sweeps. Each returns how many rows went.
class Housekeeping {
 public:
  virtual ~Housekeeping() = default;

  // Deletes subscriptions expired at `now`.
  virtual Result<std::size_t> remove_expired_subscriptions(TimePoint now) = 0;
  // Re-confirmation: queues a subscribe request, due at `now`, for each of up
  // to `max` subscriptions whose lease ends after `now` and within
  // min(`before`, half its lease) of it, that no request of theirs was queued
  // for yet in this lease, and whose (topic, callback) pair has no request
  // pending. The request carries the subscription's secret, lease and
  // signing choices, so its verification renews the lease as a renewal by
  // the subscriber would; a failed one leaves the subscription to end at its
  // lease. Returns how many were queued.
  virtual Result<std::size_t> queue_reconfirmations(TimePoint now, Millis before, std::size_t max) = 0;
  // Deletes finished requests last updated before `finished_before`.
  virtual Result<std::size_t> purge_finished_requests(TimePoint finished_before) = 0;
  // Deletes finished publishes (and their delivered or dropped deliveries and
  // unreferenced contents) older than `finished_before`. Dead letters stay.
  virtual Result<std::size_t> purge_finished_publishes(TimePoint finished_before) = 0;
};

// The daemon's: the engine's state as a whole.
class StoreControl {
 public:
  virtual ~StoreControl() = default;

  // Lets every claim of this node lapse at once (start-up after a crash,
  // shutdown): no claim of this node can be live at those moments. (On
  // SQLite the node is the only process; on PostgreSQL only the claims that
  // carry this node's id are released, so a restart steals no live work.)
  virtual Status release_all_claims() = 0;
  // Blocks until every write submitted before the call has its `done` run.
  virtual void flush() = 0;
  // Whether the store takes writes: the outcome of its latest commit (a small
  // write is queued to keep that current). Never blocks.
  virtual Status check_writable(TimePoint now) = 0;
  // Caps the database at about `bytes` (0: no cap). Writes that would grow it
  // further fail (503 for new requests) until space is freed or the cap is
  // raised. Takes effect for the next write.
  virtual Status set_size_limit(std::uint64_t bytes) = 0;
  // The writer's state and commits (never blocks).
  virtual StoreHealth health() const = 0;
};

// The daemon's and the housekeeper's: what the nodes sharing one database
// agree on besides the queues. On an engine that one process owns (SQLite)
// the node is alone: it always leads and hears of no work but its own.
class Coordination {
 public:
  // What a work hint says may be due: a mask of these.
  enum Work : unsigned { requests = 1, fetches = 2, deliveries = 4, all_work = 7 };
  using WorkHint = std::function<void(unsigned work)>;
  virtual ~Coordination() = default;

  // Whether other processes may share the database: what a node counts in
  // memory (requests waiting per host) must then be read again from it.
  virtual bool shared() const = 0;
  // Takes, or renews, the leadership of the periodic sweeps until now + ttl
  // when it is free, lapsed or already this node's; true when this node
  // holds it. At most one node holds it at any time of the hub's clock.
  virtual Result<bool> hold_leadership(TimePoint now, Millis ttl) = 0;
  // Extends this node's live claims (not lapsed at `now`) to `until`. On a
  // shared database the services claim for a short while and the node
  // renews what it still works on, so that the claims of a node that died
  // lapse soon and other nodes take its work over. After its session with
  // the database was lost, a node releases its claims instead: the server
  // may have forgotten its latest commits (a restart, a failover), so work
  // it settled may be owed again. (SQLite: nothing to do.)
  virtual Status renew_claims(TimePoint now, TimePoint until) = 0;
  // Gives the leadership up if this node holds it (at shutdown), so that
  // another node takes it at its next try instead of after the lease.
  virtual Status release_leadership() = 0;
  // From now on calls `hint` (on a store thread; it must not block) when
  // another node commits work that may be due at once. A hint, never the
  // truth: a hint may be lost (a broken connection), so callers still poll.
  // An empty `hint` stops the watching (before what the hint calls goes
  // away).
  virtual void watch_work(WorkHint hint) = 0;
};

// What the dashboard and the admin API show of the nodes' recent work (their
// deliveries per minute and latest failures), kept in a database that
// several nodes share so that every node shows the same; a node writes its
// own every few seconds. Only an engine that nodes share implements it: on
// SQLite the one node shows what it keeps in memory.
class SharedActivity {
 public:
  struct MinuteCounts {
    TimePoint minute;  // the minute's start
    std::int64_t delivered = 0;
    std::int64_t failed = 0;
  };
  virtual ~SharedActivity() = default;

  // Writes this node's counts of `minutes` (absolute: a minute written again
  // is replaced) and its failures recorded since its last write; drops what
  // is older than `keep_since`, and failures beyond the newest `keep`.
  virtual Status record_activity(const std::vector<MinuteCounts>& minutes, const std::vector<FailureEvent>& failures,
                                 TimePoint keep_since, std::size_t keep) = 0;
  // The other nodes' counts summed per minute, from `since` on, oldest first
  // (minutes without counts left out); the reader adds its own from memory,
  // which is never behind.
  virtual Result<std::vector<MinuteCounts>> activity_since(TimePoint since) = 0;
  // The other nodes' latest failures, newest first (the reader adds its own).
  virtual Result<std::vector<FailureEvent>> recent_failures(std::size_t limit) = 0;
};

// Every part: what an engine implements.
class Store : public RequestLog,
              public VerificationQueue,
              public PublishLog,
              public FetchQueue,
              public DeliveryQueue,
              public AdminQueries,
              public Housekeeping,
              public StoreControl,
              public Coordination {
 public:
  using Done = StoreDone;
};

}  // namespace hubbub
