#include "store/postgres_store.h"

#include "store/purge.h"
#include "util/random.h"
#include "websub/limits.h"

namespace hubbub {

Result<std::size_t> PostgresStore::remove_expired_subscriptions(TimePoint now) {
  return changed_rows("DELETE FROM subscriptions WHERE expires_at <= $1", PgParams().add(to_unix_ms(now)));
}

Result<std::size_t> PostgresStore::queue_reconfirmations(TimePoint now, Millis before, std::size_t max) {
  // The subscriptions due are locked as they are marked, so two nodes at the
  // edge of a leadership queue one request each at most.
  std::vector<std::optional<std::string>> tokens;
  for (std::size_t i = 0; i < max; ++i) {
    tokens.emplace_back(random_token(k_request_id_bytes));
  }
  HUBBUB_TRY_ASSIGN(
      queued,
      changed_rows(
          "WITH due AS (SELECT s.id FROM subscriptions s WHERE s.expires_at > $1 AND s.expires_at <= $1 + $2 "
          "AND s.expires_at <= $1 + s.lease_seconds * 500 AND s.reconfirmed_for IS DISTINCT FROM s.expires_at "
          "AND NOT EXISTS (SELECT 1 FROM subscription_requests r WHERE r.state = 0 AND r.topic = s.topic "
          "AND r.callback = s.callback) ORDER BY s.expires_at LIMIT $3 FOR UPDATE SKIP LOCKED), "
          "m AS (UPDATE subscriptions s SET reconfirmed_for = s.expires_at FROM due WHERE s.id = due.id "
          "RETURNING s.topic, s.callback, s.origin, s.secret, s.lease_seconds, s.signature_algorithm, "
          "s.standard_webhooks, s.feed_diff), "
          "n AS (SELECT m.*, row_number() OVER () AS k FROM m) "
          "INSERT INTO subscription_requests (token, mode, topic, callback, origin, secret, lease_granted, state, "
          "attempts, due_at, created_at, updated_at, signature_algorithm, standard_webhooks, feed_diff) "
          "SELECT ($4::text[])[n.k], 0, n.topic, n.callback, n.origin, n.secret, n.lease_seconds, 0, 0, $1, $1, $1, "
          "n.signature_algorithm, n.standard_webhooks, n.feed_diff FROM n",
          PgParams()
              .add(to_unix_ms(now))
              .add(static_cast<std::int64_t>(before.count()))
              .add(static_cast<std::int64_t>(max))
              .add_array(tokens),
          Coordination::requests));
  if (*queued > 0) {
    note_written(PgStatistics::Table::subscription_requests, static_cast<std::int64_t>(*queued));
  }
  return *queued;
}

Result<std::size_t> PostgresStore::purge_in_batches(const char* sql, TimePoint finished_before) {
  return purge_in_rounds([&] {
    return changed_rows(sql,
                        PgParams().add(to_unix_ms(finished_before)).add(static_cast<std::int64_t>(k_purge_batch_rows)));
  });
}

Result<std::size_t> PostgresStore::purge_finished_requests(TimePoint finished_before) {
  return purge_in_batches(k_purge_finished_requests, finished_before);
}

Result<std::size_t> PostgresStore::purge_finished_publishes(TimePoint finished_before) {
  std::size_t removed = 0;
  for (const char* sql : k_purge_finished_publishes) {
    HUBBUB_TRY_ASSIGN(n, purge_in_batches(sql, finished_before));
    removed += *n;
  }
  return removed;
}

}  // namespace hubbub
