#pragma once
// The hub's records: what the domain stores and reads back, independent of
// any storage engine.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/clock.h"
#include "websub/feed_diff.h"
#include "websub/limits.h"
#include "websub/signature.h"

namespace hubbub {

enum class RequestMode { subscribe, unsubscribe };
enum class RequestState { pending, verified, failed, denied };

const char* to_string(RequestMode mode);
const char* to_string(RequestState state);

// A subscribe/unsubscribe request that passed validation and is to be
// recorded. `id` is the public, unguessable status-monitor id.
struct NewRequest {
  std::string id;
  RequestMode mode = RequestMode::subscribe;
  std::string topic;
  std::string callback;
  std::optional<std::string> secret;
  std::optional<std::uint64_t> lease_requested;       // as sent (subscribe only)
  std::optional<std::chrono::seconds> lease_granted;  // subscribe only
  std::optional<std::string> verify_token;
  TimePoint created_at;
  // Extensions (subscribe only): how the subscriber asked to be signed; none:
  // the hub's setting.
  std::optional<SignatureAlgorithm> signature_algorithm;
  std::optional<bool> standard_webhooks;
  // Extension (subscribe only): Atom/RSS diffs or whole feeds; none: the
  // hub's setting (--feed-diff).
  std::optional<bool> feed_diff;
};

// A recorded request and where it stands.
struct RequestRecord : NewRequest {
  RequestState state = RequestState::pending;
  std::uint32_t attempts = 0;
  std::optional<std::string> last_error;
  TimePoint due_at;  // next attempt, while pending
  TimePoint updated_at;
};

// How a claimed request ended.
struct RequestCompletion {
  std::string id;
  RequestState state = RequestState::verified;  // verified, failed or denied
  std::optional<std::string> error;
  // When the verification GET went out: a verified subscribe's lease runs from
  // here (WebSub 5.3).
  TimePoint verified_at;
  TimePoint finished_at;
  // The callback's origin (url_origin_key()), worked out by the verifier so
  // that the store's writer need not; empty: the store works it out.
  std::string callback_origin;
  // A verified subscribe that changes the subscription's secret keeps the
  // secret it replaces, signing with it too until verified_at + this (secret
  // rotation; 0: not kept).
  Millis secret_grace{0};
};

struct Subscription {
  std::int64_t id = 0;
  std::string topic;
  std::string callback;
  std::optional<std::string> secret;
  std::chrono::seconds lease{0};
  TimePoint expires_at;
  TimePoint created_at;
  TimePoint updated_at;
};

// A notification payload, byte for byte as fetched or as given in a fat ping.
struct Content {
  std::int64_t id = 0;
  std::string topic;
  std::optional<std::string> content_type;  // exactly as received; none when absent
  std::string body;
};

// A publish ping to be recorded: the topics to fetch, or, for a fat ping, one
// topic with its content.
struct NewPublish {
  std::string id;  // public, unguessable status-monitor id
  std::vector<std::string> topics;
  std::optional<Content> content;  // fat ping
  TimePoint created_at;
};

// coalesced: a ping answered by the fetch of an earlier ping of its topic,
// which started after it arrived (D15).
enum class FetchState { pending, distributed, unchanged, no_subscribers, failed, coalesced };
const char* to_string(FetchState state);

// A claimed topic of a publish ping.
struct FetchJob {
  std::int64_t id = 0;
  std::string topic;
  std::optional<std::int64_t> content_id;  // set for fat pings
  std::uint32_t attempts = 0;
  std::optional<std::string> etag;  // validators of the last fetch
  std::optional<std::string> last_modified;
  std::optional<std::string> content_hash;  // of the last distributed content
  // The newest ping of the topic (without content) pending when this one was
  // claimed: every ping up to it arrived before the fetch began, so a
  // successful fetch answers them too (id itself when there is none).
  std::int64_t covers_up_to = 0;
};

// Deliveries a fetch's fan-out claims for this node's distributor in the
// transaction that queues them, instead of a claim of their own (the
// distributor's reserved slots, Distributor::reserve): among the first `max`
// subscriptions of the first chunk (by id), those whose callback origin is
// not in `busy_origins`, claimed for `claim`. max 0: none.
struct DeliveryHandOff {
  std::size_t max = 0;
  Millis claim{0};
  std::vector<std::string> busy_origins;
};

// How a claimed fetch ended.
struct FetchOutcome {
  std::int64_t id = 0;
  FetchState state = FetchState::distributed;
  std::optional<std::string> error;
  // distributed: the new content (content.id set for a fat ping's stored one)
  std::optional<Content> content;
  std::optional<std::string> content_hash;
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  TimePoint at;
  // FetchJob::covers_up_to: on success, the pings after this one up to it
  // are settled as coalesced.
  std::int64_t covers_up_to = 0;
  // distributed: the deliveries queued with the fetch; the rest of the
  // fan-out is written by FetchQueue::extend_fanouts.
  std::size_t fanout_chunk = k_default_fanout_chunk;
  // distributed, when the content was diffed as an Atom/RSS feed
  // (websub/feed_diff.h): what subscriptions taking diffs get, and the
  // feed's entries to remember for the topic.
  struct FeedDiff {
    std::optional<std::string> body;  // none: no entry new or updated, nothing for them
    bool by_default = false;          // subscriptions without hub.feed_diff take the diff
    std::vector<FeedEntryState> entries;
  };
  std::optional<FeedDiff> feed;
  // distributed: deliveries of the first chunk claimed as they are queued.
  DeliveryHandOff hand_off;
};

// What one step of writing the rest of fan-outs did.
struct FanoutStep {
  std::size_t queued = 0;  // deliveries queued
  bool more = false;       // a fan-out is still not all written
};

// A claimed delivery, joined with its subscription as it is now.
struct DeliveryJob {
  std::int64_t id = 0;
  std::string delivery_id;
  std::string origin;  // the callback's "scheme://host:port"
  std::int64_t content_id = 0;
  std::string topic;
  std::string callback;
  std::optional<std::string> secret;
  // The secret a renewal replaced, while its grace period lasts: deliveries
  // are signed with it too (RequestCompletion::secret_grace).
  std::optional<std::string> previous_secret;
  std::optional<SignatureAlgorithm> signature_algorithm;  // the subscription's choice; none: the hub's
  std::optional<bool> standard_webhooks;
  TimePoint expires_at;
  std::uint32_t attempts = 0;  // including this one
  TimePoint created_at;
  TimePoint published_at;  // when the publish ping arrived (a replay: when it was queued)
  bool replay = false;     // queued again by an operator (X-Hub-Replay)
};

// A finished fetch (FetchQueue::finish_fetch): the deliveries queued with
// it, and those of them claimed for this node (FetchOutcome::hand_off), each
// joined with its subscription.
struct FetchFinished {
  std::size_t queued = 0;
  std::vector<DeliveryJob> handed_off;
};

// Which notifications of a topic a replay re-sends: those stored at `since`
// or later, or the `last` newest; oldest first either way.
struct ReplaySelection {
  std::optional<TimePoint> since;
  std::size_t last = 0;
};

enum class DeliveryState { pending, delivered, dead, dropped };

// How a delivery attempt ended.
struct DeliveryOutcome {
  std::int64_t id = 0;
  DeliveryState state = DeliveryState::delivered;  // pending: retry at due_at
  std::optional<long> status;
  std::optional<std::string> error;
  TimePoint due_at;
  bool end_subscription = false;  // 410 Gone (WebSub 7)
  bool uncharged = false;         // never sent (paused by the circuit breaker): the claim's attempt is taken back
  TimePoint settled_at{};         // when the outcome was decided (the row's updated_at)
};

// What an operator sees of a delivery (admin API).
struct DeliveryRecord {
  std::int64_t id = 0;
  std::int64_t subscription_id = 0;
  std::string topic;
  std::string callback;
  DeliveryState state = DeliveryState::pending;
  std::uint32_t attempts = 0;
  std::optional<std::int64_t> last_status;
  std::optional<std::string> last_error;
  TimePoint due_at;
  TimePoint updated_at;
};

// A subscription with its latest delivery, if any (admin API).
struct SubscriptionOverview {
  Subscription subscription;
  std::optional<DeliveryRecord> last_delivery;
};

// A topic with its subscribers and latest activity (admin API).
struct TopicRecord {
  std::string topic;
  std::int64_t subscribers = 0;
  std::optional<TimePoint> last_fetched_at;
  std::optional<TimePoint> last_published_at;
};

// A publish ping and where each of its topics stands.
struct PublishStatus {
  struct Topic {
    std::string topic;
    FetchState state = FetchState::pending;
    std::optional<std::int64_t> subscribers;
    bool fanout_open = false;  // distributed, its fan-out still being written
    std::uint32_t attempts = 0;
    std::optional<std::string> last_error;
    std::int64_t delivered = 0;
    std::int64_t pending = 0;   // not yet attempted, or being attempted
    std::int64_t retrying = 0;  // failed at least once, will be retried
    std::int64_t failed = 0;    // dead letters and dropped deliveries
  };
  std::string id;
  TimePoint created_at;
  std::vector<Topic> topics;
};

}  // namespace hubbub
