#pragma once
// How rows of the SQLite schema read back as the hub's records, shared by
// the parts of SqliteStore (store/sqlite_store*.cpp). Stored codes go
// through store/state_codes.h: a code this hub does not know is an error.

#include <string>
#include <vector>

#include "store/database.h"
#include "websub/model.h"

namespace hubbub {

// Columns of a RequestRecord, in the order read_request() expects.
inline constexpr const char* k_request_columns =
    "token, mode, topic, callback, secret, lease_requested, lease_granted, verify_token, state, attempts, "
    "due_at, last_error, created_at, updated_at, signature_algorithm, standard_webhooks, feed_diff";
Result<RequestRecord> read_request(const Query& q);

// Columns of a Subscription, in the order read_subscription() expects.
inline constexpr const char* k_subscription_columns =
    "id, topic, callback, secret, lease_seconds, expires_at, created_at, updated_at";
Subscription read_subscription(const Query& q, int first = 0);

// Columns of a DeliveryRecord, deliveries as d joined with subscriptions as
// s, in the order read_delivery_record() expects from column `first` on.
inline constexpr const char* k_delivery_record_columns =
    "d.id, d.subscription_id, s.topic, s.callback, d.state, d.attempts, d.last_status, d.last_error, d.due_at, "
    "d.updated_at";
Result<DeliveryRecord> read_delivery_record(const Query& q, int first = 0);

// A delivery row just claimed (by a claim, or as a fan-out queued it).
struct ClaimedDelivery {
  std::int64_t id = 0;
  std::string delivery_id;
  std::string origin;
  std::int64_t content_id = 0;
  std::int64_t subscription_id = 0;
  std::uint32_t attempts = 0;
  std::int64_t created_at = 0;
  std::int64_t published_at = 0;
  bool replay = false;
};

// The claimed rows joined with their subscriptions as they are at `now`
// (Unix ms): the jobs to send. Rows whose subscription has ended or expired
// are dropped on the way (state 3) and not returned.
Result<std::vector<DeliveryJob>> delivery_jobs(Database& db, const std::vector<ClaimedDelivery>& claimed,
                                               std::int64_t now);

// A list of origins as the JSON array text that json_each() reads in SQL.
std::string json_text_array(const std::vector<std::string>& items);

}  // namespace hubbub
