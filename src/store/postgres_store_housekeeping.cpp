#include "store/postgres_store.h"

#include "store/purge.h"

namespace hubbub {

Result<std::size_t> PostgresStore::remove_expired_subscriptions(TimePoint now) {
  return changed_rows("DELETE FROM subscriptions WHERE expires_at <= $1", PgParams().add(to_unix_ms(now)));
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
