#pragma once
// Every limit and default of the hub, in one place (reliability-plan.md §3).
// The ones an operator may want to change are also options (server/options.h);
// the defaults here are the values those options start from.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace hubbub {

using namespace std::chrono_literals;

// Inbound HTTP.
constexpr std::size_t k_max_request_bytes = 64 * 1024;  // Pistache maxRequestSize: line + headers + body
// Largest answer (Pistache maxResponseSize; its buffer grows as needed). The
// biggest are admin listings: up to 1000 subscriptions with two 2 KiB URLs
// and their last delivery each. Beyond it Pistache drops the connection.
constexpr std::size_t k_max_response_bytes = 8 * 1024 * 1024;
constexpr std::size_t k_max_form_body_bytes = 16 * 1024;
// Purges of finished rows go in transactions of this many rows (a writer
// that deleted 90,000 rows at once stalled for 175 ms and grew the WAL by
// 14 MB), at most k_max_purge_rounds of them per statement and sweep.
constexpr std::size_t k_purge_batch_rows = 1000;
constexpr std::size_t k_max_purge_rounds = 10000;
// The readiness probe's write (store/sqlite_store.cpp): as much room as a
// large request needs.
constexpr std::size_t k_write_probe_bytes = 16 * 1024;
// Checked before Pistache parses a request (server/request_guard.h): the
// request line (a fat ping names its topic in the query), the header block,
// and the body of a request without a publisher's token. Bodies are held in
// memory until answered, so a client without a token can make the hub hold
// at most about this much per open connection (--max-connections bounds the
// connections).
constexpr std::size_t k_max_request_line_bytes = 16 * 1024;
constexpr std::size_t k_max_header_block_bytes = 32 * 1024;
constexpr std::size_t k_max_unauthenticated_body_bytes = 64 * 1024;
constexpr auto k_header_timeout = 10s;
constexpr auto k_body_timeout = 10s;
constexpr auto k_keepalive_timeout = 30s;
constexpr int k_listen_backlog = 1024;
// Open connections (server/connection_limit.h): by default the descriptor
// limit minus k_reserved_fds, which stay free for outbound requests (at most
// k_max_outbound_in_flight), the database and the log; never fewer than
// k_min_connections (or half the limit, if that is smaller).
constexpr std::size_t k_reserved_fds = 512;
constexpr std::size_t k_min_connections = 64;
constexpr std::size_t k_max_connections_ceiling = 1000000;
constexpr auto k_connections_refused_retry_after = 5s;

// Subscription requests (WebSub 5.1, websub-requirements.md D3, D5).
constexpr std::size_t k_max_url_bytes = 2048;    // hub.topic, hub.callback
constexpr std::size_t k_max_secret_bytes = 199;  // "less than 200 bytes"
constexpr std::size_t k_max_verify_token_bytes = 1024;
constexpr auto k_default_lease_min = std::chrono::seconds{300};
constexpr auto k_default_lease = std::chrono::seconds{864000};       // 10 days
constexpr auto k_default_lease_max = std::chrono::seconds{2592000};  // 30 days

// Verification of intent (WebSub 5.3).
constexpr std::size_t k_challenge_random_bytes = 48;  // 64 base64url characters, 384 bits
constexpr std::size_t k_default_verification_attempts = 4;
constexpr auto k_default_retry_base = std::chrono::milliseconds{30000};  // doubles per attempt
constexpr double k_retry_jitter = 0.2;                                   // +/- 20 %
constexpr auto k_default_outbound_timeout = std::chrono::milliseconds{10000};
constexpr auto k_outbound_connect_timeout = std::chrono::milliseconds{5000};
constexpr std::size_t k_verification_body_cap = 4 * 1024;  // a challenge echo is 64 bytes
constexpr std::size_t k_max_verifications_in_flight = 64;
// The most verifications (and denials) of one callback origin that run at
// once: a host that answers slowly holds at most this share of the
// verifier's slots (a quarter), and the requests of every other host go
// ahead. An origin is claimed again once at most half its share runs, so
// that claims come in batches.
constexpr std::size_t k_max_verifications_per_origin = 16;
// A claimed request returns to the queue if its claim is never settled (the
// hub restarted, or a bug): longer than any verification can take.
constexpr auto k_verification_claim = std::chrono::minutes{5};
// Verification outcomes whose write failed, kept in memory to be written
// again; beyond this many, the rest wait for their claim to lapse.
constexpr std::size_t k_max_unsaved_outcomes = 10000;

// Publishing and distribution (WebSub 6, 7; websub-requirements.md D2, D9).
constexpr std::size_t k_max_topics_per_publish = 100;
constexpr std::size_t k_default_max_content_bytes = 10 * 1024 * 1024;  // topic fetch cap
constexpr std::size_t k_max_fat_ping_bytes = 1024 * 1024;              // content sent by an authenticated publisher
constexpr std::size_t k_max_fetch_redirects = 3;
constexpr std::size_t k_fetch_attempts = 4;
constexpr std::size_t k_max_fetches_in_flight = 32;
// Deliveries a fan-out queues per transaction: the first chunk is written
// with the fetch that made it and sent while the rest are written, a chunk a
// transaction (--fanout-chunk).
constexpr std::size_t k_default_fanout_chunk = 500;
// How often an idle fetcher looks for fan-outs left unfinished (by a node
// that died, or a restart) and writes the rest.
constexpr auto k_fanout_recheck = std::chrono::seconds{5};
// Fan-outs one extend_fanouts() step writes a chunk of, in one transaction.
constexpr std::size_t k_fanouts_per_step = 4;
// The most fetches of topics on one origin that run at once (a quarter of
// the fetcher's slots, as for verifications).
constexpr std::size_t k_max_fetches_per_origin = 8;
// Cap on deliveries queued (0: none; reliability-plan D15): at it, the
// fetcher holds accepted pings back and new pings get 503, until the queue
// drains below it. The fetcher counts the queue (at most this many rows)
// every k_queue_count_interval, or every second while it holds back, and adds
// what each fetch queues in between.
constexpr std::int64_t k_default_max_queued_deliveries = 10'000'000;
constexpr auto k_queue_count_interval = std::chrono::seconds{5};
constexpr auto k_queue_full_retry_after = std::chrono::seconds{60};
constexpr std::size_t k_default_delivery_attempts = 10;  // 30 s base: the last retry ~4 h after the first try
constexpr auto k_max_delivery_age = std::chrono::hours{24};
constexpr auto k_max_retry_after = std::chrono::hours{1};  // cap on a subscriber's Retry-After
constexpr std::size_t k_max_deliveries_in_flight = 512;
// Deliveries claimed at once for one callback origin: enough to keep its
// connections busy, few enough that a slow origin cannot hold the others up.
constexpr std::size_t k_max_claimed_per_origin = 128;
constexpr std::size_t k_delivery_claim_batch = 128;
// Under load the distributor claims again only once this many deliveries
// settled since its last claim, or after k_delivery_claim_interval: a claim is
// a write transaction, and one per completion would cost more than it brings.
constexpr std::size_t k_delivery_claim_after_settled = 32;
constexpr auto k_delivery_claim_interval = std::chrono::milliseconds{10};
constexpr std::size_t k_delivery_response_cap = 4 * 1024;  // response bodies are ignored (DIST-11)
constexpr std::size_t k_content_cache_entries = 64;
constexpr auto k_delivery_claim = std::chrono::minutes{5};

// Outbound connections.
constexpr std::size_t k_max_outbound_in_flight = 256;
constexpr std::size_t k_max_outbound_per_origin = 8;

// Housekeeping.
constexpr auto k_housekeeping_interval = std::chrono::seconds{60};
constexpr auto k_request_retention = std::chrono::hours{24 * 7};  // finished status monitors and publishes
// A move of the system's clock away from the hub's beyond this is reported.
constexpr auto k_clock_jump_reported = std::chrono::seconds{60};

// Secret rotation: a verified renewal that changes a subscription's secret
// keeps the replaced one signing too for this long (--secret-grace), so a
// subscriber can roll its secret without losing a notification.
constexpr auto k_default_secret_grace = std::chrono::hours{24};
constexpr std::uint64_t k_max_secret_grace_seconds = 30 * 24 * 3600;
// Re-confirmation (--reconfirm-before, off by default): the leader queues a
// verification of intent for subscriptions whose lease ends within the
// window (at most half a lease), up to this many per node tick.
constexpr std::size_t k_reconfirm_batch = 200;
constexpr std::uint64_t k_max_reconfirm_before_seconds = 365 * 24 * 3600;
// Replay (admin API, dashboard): notifications re-sent to one subscription
// by one request, at most; contents are kept this long by default
// (--content-retention) so that there is something to replay.
constexpr std::size_t k_max_replay = 10000;
constexpr auto k_default_content_retention = std::chrono::hours{24 * 7};
constexpr std::uint64_t k_max_content_retention_seconds = 366 * 24 * 3600;

// Feed diffing (websub/feed_diff.h): a feed beyond these caps, or with more
// entries changed at once, is sent whole; a topic remembers at most
// k_feed_entries_kept entries, none older than k_feed_entry_max_age.
constexpr std::size_t k_feed_max_depth = 64;
constexpr std::size_t k_feed_max_entries = 5000;
constexpr std::size_t k_feed_max_key_text = 64 * 1024;
constexpr std::size_t k_feed_max_changed = 200;
constexpr std::size_t k_feed_entries_kept = 5000;
constexpr auto k_feed_entry_max_age = std::chrono::hours{24 * 90};

// Storage.
constexpr std::size_t k_max_write_batch = 1024;  // jobs per group commit
// Only another process (an operator's sqlite3 shell, a backup) makes the single writer wait;
// a deferred answer must still beat Pistache's 10 s header timeout.
constexpr auto k_sqlite_busy_timeout = std::chrono::milliseconds{2000};
constexpr std::size_t k_read_connections = 4;
// PostgreSQL (store/postgres_store.h): connections per node are one writer and
// k_pg_read_connections readers. A lost connection is retried after
// k_pg_reconnect_min, doubling up to k_pg_reconnect_max.
constexpr std::size_t k_pg_read_connections = 2;  // --pg-readers
constexpr std::size_t k_max_pg_readers = 32;
constexpr std::size_t k_max_node_id_length = 64;  // --node-id
constexpr auto k_pg_reconnect_min = std::chrono::milliseconds{100};
constexpr auto k_pg_reconnect_max = std::chrono::seconds{5};
// Wake-ups between nodes (store/pg_writer.h, store/pg_listener.h): the
// channel, and how long a listening session may sit idle before it is
// checked (a cut network shows no error until something is sent).
constexpr const char* k_pg_work_channel = "hubbub_work";
constexpr auto k_pg_listener_check = std::chrono::seconds{10};

// Nodes (websub/housekeeper.h): each node renews its claim on the leadership
// of the sweeps, and reads what it counts in memory again from a shared
// database, every k_node_tick; the leadership lapses k_leader_ttl after the
// leader's last renewal, so another node takes over within that time.
constexpr auto k_node_tick = std::chrono::seconds{2};
constexpr auto k_leader_ttl = std::chrono::seconds{15};
// On a shared database the services claim work for k_shared_claim and the
// node renews its live claims every tick, so a dead node's work is taken
// over by the others within about this long.
constexpr auto k_shared_claim = std::chrono::seconds{20};
// What a shared database keeps of the nodes' counts per minute (the
// dashboard's chart shows the last hour).
constexpr auto k_activity_kept = std::chrono::minutes{61};
// How often the distributor reads the pauses other nodes recorded.
constexpr auto k_shared_pause_refresh = std::chrono::seconds{1};

// Circuit breaker per callback origin (websub/circuit_breaker.h): it opens
// when at least k_breaker_min_attempts deliveries were tried within the
// window and k_breaker_failure_ratio of them failed; then deliveries pause,
// first for k_breaker_first_pause, doubling after each failed probe.
constexpr auto k_breaker_window = std::chrono::seconds{60};
constexpr std::uint32_t k_breaker_min_attempts = 20;
constexpr double k_breaker_failure_ratio = 0.8;
constexpr auto k_breaker_first_pause = std::chrono::seconds{30};
constexpr auto k_breaker_max_pause = std::chrono::minutes{10};
constexpr auto k_breaker_probe_wait = std::chrono::seconds{1};      // held back while a probe is out
constexpr auto k_breaker_defer_interval = std::chrono::seconds{5};  // new work for a paused host moved aside

// Rate limits (server/rate_limits.h): a bucket saves this many seconds of its
// rate as burst; at most this many clients or callbacks are tracked per limit.
constexpr auto k_rate_limit_burst = std::chrono::seconds{10};
constexpr std::size_t k_rate_limit_max_keys = 100000;
constexpr double k_default_subscribe_rate_per_client = 20;   // a second (burst 200)
constexpr double k_default_subscribe_rate_per_callback = 1;  // a second (burst 10)
constexpr double k_default_publish_rate_per_client = 20;     // a second (burst 200)

// Caps on active subscriptions (0: none), checked when a subscription
// request arrives; renewals are never capped. Over a cap: 429 with this
// Retry-After.
constexpr std::int64_t k_default_max_subscriptions_per_topic = 100000;
// Subscribers of a topic a fetch counts one by one for its User-Agent; a
// topic with more reads its tally (FetchQueue::count_active_subscriptions).
constexpr std::int64_t k_exact_subscriber_count = 1000;
constexpr std::int64_t k_default_max_subscriptions_per_callback_host = 10000;
constexpr auto k_retry_after_cap = std::chrono::hours{1};

// Caps on subscription requests waiting for verification (0: none): per
// callback host (scheme, host and port) and in all. Over a cap: 429 with this
// Retry-After. A request waits at most a few minutes (its verification
// attempts and their backoff), so a host that does not answer cannot pile up
// more than this many.
constexpr std::int64_t k_default_max_pending_per_callback_host = 1000;
constexpr std::int64_t k_default_max_pending_verifications = 100000;
constexpr auto k_pending_cap_retry_after = std::chrono::milliseconds{60000};

// Ids of subscription requests and publish pings (their status monitors'
// URLs): 24 random bytes, 32 characters, 192 bits.
constexpr std::size_t k_request_id_bytes = 24;
// Retry-After while the hub shuts down (503 to new requests, /readyz).
constexpr auto k_retry_after_shutdown = std::chrono::seconds{5};

// Dashboard: the chart's window and the failures kept in memory for it.
constexpr std::size_t k_activity_minutes = 60;
constexpr std::size_t k_failures_kept = 200;

}  // namespace hubbub
