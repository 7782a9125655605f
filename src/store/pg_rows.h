#pragma once
// How rows of the PostgreSQL schema read back as the hub's records, shared
// by the parts of PostgresStore (store/postgres_store*.cpp). Stored codes go
// through store/state_codes.h: a code this hub does not know is an error.

#include "store/pg_connection.h"
#include "websub/model.h"

namespace hubbub {

// Columns of a RequestRecord, in the order read_pg_request() expects.
inline constexpr const char* k_pg_request_columns =
    "token, mode, topic, callback, secret, lease_requested, lease_granted, verify_token, state, attempts, "
    "due_at, last_error, created_at, updated_at, signature_algorithm, standard_webhooks, feed_diff";
// From column `first` on.
Result<RequestRecord> read_pg_request(const PgResult& r, int row, int first = 0);

inline constexpr const char* k_pg_subscription_columns =
    "id, topic, callback, secret, lease_seconds, expires_at, created_at, updated_at";
Subscription read_pg_subscription(const PgResult& r, int row, int first = 0);

// Deliveries as d joined with subscriptions as s.
inline constexpr const char* k_pg_delivery_record_columns =
    "d.id, d.subscription_id, s.topic, s.callback, d.state, d.attempts, d.last_status, d.last_error, d.due_at, "
    "d.updated_at";
Result<DeliveryRecord> read_pg_delivery_record(const PgResult& r, int row, int first = 0);

// A claimed delivery as a claim (or a fan-out's hand-off) returns it: its
// id, delivery_id, origin and content_id in columns 0-3, and from column
// `subscription` on its subscription's topic, callback, secret, expires_at,
// signature_algorithm, standard_webhooks and the previous secret while its
// grace lasts. The caller sets the rest (attempts, times, replay).
DeliveryJob read_pg_delivery_job(const PgResult& r, int row, int subscription);

}  // namespace hubbub
