#include "store/sqlite_store.h"

#include "store/sqlite_rows.h"
#include "store/state_codes.h"
#include "websub/limits.h"

namespace hubbub {

Result<std::vector<DeliveryJob>> SqliteStore::claim_due_deliveries(TimePoint now, Millis claim_for, std::size_t max,
                                                                   const std::vector<std::string>& busy_origins) {
  const std::string busy = json_text_array(busy_origins);
  std::vector<DeliveryJob> jobs;
  auto s = m_writer.run(
      [&](Database& db) -> Status {
        jobs.clear();  // a job may run twice (group_commit.h)
        std::vector<ClaimedDelivery> claimed;
        const std::int64_t t = to_unix_ms(now);
        HUBBUB_TRY_ASSIGN(
            q, db.query("UPDATE deliveries SET claimed_until = ?1, attempts = attempts + 1, updated_at = ?2 "
                        "WHERE id IN (SELECT id FROM deliveries WHERE state = 0 AND due_at <= ?2 "
                        "AND (claimed_until IS NULL OR claimed_until <= ?2) "
                        "AND origin NOT IN (SELECT value FROM json_each(?4)) ORDER BY due_at LIMIT ?3) "
                        "RETURNING id, delivery_id, origin, content_id, subscription_id, attempts, created_at, "
                        "published_at, replay"));
        q->bind(1, t + claim_for.count())
            .bind(2, t)
            .bind(3, static_cast<std::int64_t>(max))
            .bind(4, std::string_view(busy));
        HUBBUB_TRY(q->for_each([&](const Query& row) {
          claimed.push_back({row.int64(0), row.text(1), row.text(2), row.int64(3), row.int64(4),
                             static_cast<std::uint32_t>(row.int64(5)), row.int64(6), row.int64(7),
                             row.optional_int64(8).value_or(0) != 0});
        }));
        HUBBUB_TRY_ASSIGN(found, delivery_jobs(db, claimed, t));
        jobs = std::move(*found);
        return {};
      },
      GroupCommit::Durability::may_be_lost);  // a lost claim is released at start anyway
  HUBBUB_TRY(s);
  return jobs;
}

Result<std::optional<TimePoint>> SqliteStore::next_delivery_due() {
  return next_due("SELECT due_at FROM deliveries WHERE state = 0 AND claimed_until IS NULL ORDER BY due_at LIMIT 1");
}

void SqliteStore::defer_origin(std::string origin, TimePoint until, Done done) {
  m_writer.submit(
      [origin = std::move(origin), until](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(q, db.query("UPDATE deliveries SET due_at = ?1 WHERE state = 0 AND due_at < ?1 "
                                      "AND claimed_until IS NULL AND origin = ?2"));
        q->bind(1, to_unix_ms(until)).bind(2, std::string_view(origin));
        HUBBUB_TRY(q->run());
        // The pause itself; pauses over for sure (ended before this one could
        // have started) go with it.
        HUBBUB_TRY_ASSIGN(pause, db.query("INSERT INTO origin_pauses (origin, paused_until) VALUES (?1, ?2) "
                                          "ON CONFLICT (origin) DO UPDATE SET "
                                          "paused_until = max(paused_until, excluded.paused_until)"));
        pause->bind(1, std::string_view(origin)).bind(2, to_unix_ms(until));
        HUBBUB_TRY(pause->run());
        HUBBUB_TRY_ASSIGN(over, db.query("DELETE FROM origin_pauses WHERE paused_until < ?1"));
        over->bind(1, to_unix_ms(until - k_breaker_max_pause));
        return over->run();
      },
      std::move(done));
}

Result<std::vector<std::pair<std::string, TimePoint>>> SqliteStore::origin_pauses(TimePoint now) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query("SELECT origin, paused_until FROM origin_pauses WHERE paused_until > ?1"));
  q->bind(1, to_unix_ms(now));
  std::vector<std::pair<std::string, TimePoint>> out;
  for (;;) {
    HUBBUB_TRY_ASSIGN(row, q->step());
    if (!*row) {
      return out;
    }
    out.emplace_back(q->text(0), from_unix_ms(q->int64(1)));
  }
}

void SqliteStore::settle_deliveries(std::vector<DeliveryOutcome> outcomes, Done done) {
  m_writer.submit(
      [outcomes = std::move(outcomes)](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(upd, db.query("UPDATE deliveries SET state = ?, due_at = ?, claimed_until = NULL, "
                                        "last_status = ?, last_error = ?, updated_at = ?, "
                                        "attempts = max(attempts - ?, 0) WHERE id = ?"));
        HUBBUB_TRY_ASSIGN(gone, db.query("DELETE FROM subscriptions WHERE id = "
                                         "(SELECT subscription_id FROM deliveries WHERE id = ?)"));
        for (const DeliveryOutcome& o : outcomes) {
          upd->bind(1, code_of(o.state))
              .bind(2, to_unix_ms(o.due_at))
              .bind(3, o.status ? std::optional<std::int64_t>(*o.status) : std::nullopt)
              .bind(4, o.error)
              .bind(5, to_unix_ms(o.settled_at))
              .bind(6, std::int64_t{o.uncharged ? 1 : 0})
              .bind(7, o.id);
          HUBBUB_TRY(upd->run());
          upd->reset();
          if (o.end_subscription) {
            gone->bind(1, o.id);
            HUBBUB_TRY(gone->run());
            gone->reset();
          }
        }
        return {};
      },
      std::move(done));
}

}  // namespace hubbub
