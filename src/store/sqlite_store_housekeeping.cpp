#include "store/sqlite_store.h"

#include "store/purge.h"

namespace hubbub {

Result<std::size_t> SqliteStore::remove_expired_subscriptions(TimePoint now) {
  return changed_rows("DELETE FROM subscriptions WHERE expires_at <= ?",
                      [now](Query& q) { q.bind(1, to_unix_ms(now)); });
}

Result<std::size_t> SqliteStore::purge_in_batches(const char* sql, TimePoint finished_before) {
  return purge_in_rounds([&] {
    return changed_rows(sql, [&](Query& q) {
      q.bind(1, to_unix_ms(finished_before)).bind(2, static_cast<std::int64_t>(k_purge_batch_rows));
    });
  });
}

Result<std::size_t> SqliteStore::purge_finished_requests(TimePoint finished_before) {
  return purge_in_batches(k_purge_finished_requests, finished_before);
}

Result<std::size_t> SqliteStore::purge_finished_publishes(TimePoint finished_before) {
  std::size_t removed = 0;
  for (const char* sql : k_purge_finished_publishes) {
    HUBBUB_TRY_ASSIGN(n, purge_in_batches(sql, finished_before));
    removed += *n;
  }
  return removed;
}

}  // namespace hubbub
