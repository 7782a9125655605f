#include "store/sqlite_store.h"

#include "store/purge.h"
#include "util/random.h"
#include "websub/limits.h"

namespace hubbub {

Result<std::size_t> SqliteStore::remove_expired_subscriptions(TimePoint now) {
  return changed_rows("DELETE FROM subscriptions WHERE expires_at <= ?",
                      [now](Query& q) { q.bind(1, to_unix_ms(now)); });
}

Result<std::size_t> SqliteStore::queue_reconfirmations(TimePoint now, Millis before, std::size_t max) {
  std::size_t queued = 0;
  auto s = m_writer.run([&](Database& db) -> Status {
    queued = 0;  // a job may run twice (group_commit.h)
    HUBBUB_TRY_ASSIGN(due, db.query("SELECT id, topic, callback, secret, lease_seconds, expires_at, "
                                    "signature_algorithm, standard_webhooks FROM subscriptions s "
                                    "WHERE s.expires_at > ?1 AND s.expires_at <= ?1 + ?2 "
                                    "AND s.expires_at <= ?1 + s.lease_seconds * 500 "
                                    "AND s.reconfirmed_for IS NOT s.expires_at "
                                    "AND NOT EXISTS (SELECT 1 FROM subscription_requests r WHERE r.state = 0 "
                                    "AND r.topic = s.topic AND r.callback = s.callback) "
                                    "ORDER BY s.expires_at LIMIT ?3"));
    HUBBUB_TRY_ASSIGN(add,
                      db.query("INSERT INTO subscription_requests (token, mode, topic, callback, secret, "
                               "lease_granted, state, attempts, due_at, created_at, updated_at, "
                               "signature_algorithm, standard_webhooks, feed_diff) "
                               "SELECT ?2, 0, topic, callback, secret, lease_seconds, 0, 0, ?3, ?3, ?3, "
                               "signature_algorithm, standard_webhooks, feed_diff FROM subscriptions WHERE id = ?1"));
    HUBBUB_TRY_ASSIGN(mark, db.query("UPDATE subscriptions SET reconfirmed_for = expires_at WHERE id = ?"));
    const std::int64_t t = to_unix_ms(now);
    due->bind(1, t).bind(2, static_cast<std::int64_t>(before.count())).bind(3, static_cast<std::int64_t>(max));
    std::vector<std::int64_t> ids;
    HUBBUB_TRY(due->for_each([&](const Query& row) { ids.push_back(row.int64(0)); }));
    for (const std::int64_t id : ids) {
      add->reset();
      add->bind(1, id).bind(2, std::string_view(random_token(k_request_id_bytes))).bind(3, t);
      HUBBUB_TRY(add->run());
      mark->reset();
      mark->bind(1, id);
      HUBBUB_TRY(mark->run());
      ++queued;
    }
    return {};
  });
  HUBBUB_TRY(s);
  return queued;
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
