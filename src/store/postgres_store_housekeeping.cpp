#include "store/postgres_store.h"

#include "websub/limits.h"

namespace hubbub {

Result<std::size_t> PostgresStore::remove_expired_subscriptions(TimePoint now) {
  return changed_rows("DELETE FROM subscriptions WHERE expires_at <= $1", PgParams().add(to_unix_ms(now)));
}

Result<std::size_t> PostgresStore::purge_in_batches(const char* sql, TimePoint finished_before) {
  std::size_t removed = 0;
  for (std::size_t round = 0; round < k_max_purge_rounds; ++round) {
    HUBBUB_TRY_ASSIGN(
        n, changed_rows(
               sql, PgParams().add(to_unix_ms(finished_before)).add(static_cast<std::int64_t>(k_purge_batch_rows))));
    removed += *n;
    if (*n < k_purge_batch_rows) {
      break;
    }
  }
  return removed;
}

Result<std::size_t> PostgresStore::purge_finished_requests(TimePoint finished_before) {
  return purge_in_batches(
      "DELETE FROM subscription_requests WHERE id IN (SELECT id FROM subscription_requests "
      "WHERE state <> 0 AND updated_at < $1 LIMIT $2)",
      finished_before);
}

Result<std::size_t> PostgresStore::purge_finished_publishes(TimePoint finished_before) {
  // As SqliteStore's: delivered and dropped deliveries, then what no longer
  // has any; dead letters and what they need stay.
  const char* statements[] = {
      "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE state IN (1, 3) AND updated_at < $1 "
      "LIMIT $2)",
      "DELETE FROM publish_topics WHERE id IN (SELECT p.id FROM publish_topics p WHERE p.state <> 0 AND "
      "p.updated_at < $1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.publish_topic_id = p.id) LIMIT $2)",
      "DELETE FROM publishes WHERE id IN (SELECT p.id FROM publishes p WHERE p.created_at < $1 AND NOT EXISTS "
      "(SELECT 1 FROM publish_topics t WHERE t.publish_id = p.id) LIMIT $2)",
      "DELETE FROM contents WHERE id IN (SELECT c.id FROM contents c WHERE c.created_at < $1 AND NOT EXISTS "
      "(SELECT 1 FROM deliveries d WHERE d.content_id = c.id) AND NOT EXISTS "
      "(SELECT 1 FROM publish_topics t WHERE t.content_id = c.id) LIMIT $2)",
  };
  std::size_t removed = 0;
  for (const char* sql : statements) {
    HUBBUB_TRY_ASSIGN(n, purge_in_batches(sql, finished_before));
    removed += *n;
  }
  return removed;
}

}  // namespace hubbub
