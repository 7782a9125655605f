#include "store/postgres_store.h"

#include <algorithm>

#include "store/state_codes.h"
#include "websub/limits.h"

namespace hubbub {

Result<std::vector<DeliveryJob>> PostgresStore::claim_due_deliveries(TimePoint now, Millis claim_for, std::size_t max,
                                                                     const std::vector<std::string>& busy_origins) {
  std::vector<DeliveryJob> jobs;
  HUBBUB_TRY(m_writer.run([&](PgConnection& db) -> Status {
    jobs.clear();  // a job may run twice (pg_writer.h)
    const std::int64_t t = to_unix_ms(now);
    // Joined with the subscriptions as they are now; deliveries of ended or
    // expired subscriptions are dropped on the way.
    HUBBUB_TRY_ASSIGN(r,
                      db.exec("WITH c AS (SELECT id FROM deliveries WHERE state = 0 AND due_at <= $2 "
                              "AND (claimed_until IS NULL OR claimed_until <= $2) AND NOT (origin = ANY($4::text[])) "
                              "ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) "
                              "UPDATE deliveries d SET claimed_until = $1, claimed_by = $5, attempts = d.attempts + 1, "
                              "updated_at = $2 FROM c WHERE d.id = c.id "
                              "RETURNING d.id, d.delivery_id, d.origin, d.content_id, d.subscription_id, d.attempts, "
                              "d.created_at, d.published_at, d.due_at",
                              PgParams()
                                  .add(t + claim_for.count())
                                  .add(t)
                                  .add(static_cast<std::int64_t>(max))
                                  .add_array(busy_origins)
                                  .add(std::string_view(m_node_id))));
    std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, int>> order;
    for (int row = 0; row < r->rows(); ++row) {
      order.emplace_back(std::pair(r->int64(row, 8), r->int64(row, 0)), row);
    }
    std::sort(order.begin(), order.end());
    for (const auto& [key, row] : order) {
      HUBBUB_TRY_ASSIGN(sub, db.exec("SELECT topic, callback, secret, expires_at FROM subscriptions WHERE id = $1",
                                     PgParams().add(r->int64(row, 4))));
      if (sub->rows() == 0 || sub->int64(0, 3) <= t) {
        HUBBUB_TRY(
            db.exec("UPDATE deliveries SET state = 3, claimed_until = NULL, claimed_by = NULL, "
                    "updated_at = $1, last_error = 'the subscription ended before delivery' WHERE id = $2",
                    PgParams().add(t).add(r->int64(row, 0))));
        continue;
      }
      DeliveryJob job;
      job.id = r->int64(row, 0);
      job.delivery_id = r->text(row, 1);
      job.origin = r->text(row, 2);
      job.content_id = r->int64(row, 3);
      job.topic = sub->text(0, 0);
      job.callback = sub->text(0, 1);
      job.secret = sub->optional_bytes(0, 2);
      job.expires_at = from_unix_ms(sub->int64(0, 3));
      job.attempts = static_cast<std::uint32_t>(r->int64(row, 5));
      job.created_at = from_unix_ms(r->int64(row, 6));
      job.published_at = from_unix_ms(r->int64(row, 7));
      jobs.push_back(std::move(job));
    }
    return {};
  }));
  return jobs;
}

Result<std::optional<TimePoint>> PostgresStore::next_delivery_due() {
  return next_due("SELECT due_at FROM deliveries WHERE state = 0 AND claimed_until IS NULL ORDER BY due_at LIMIT 1");
}

void PostgresStore::defer_origin(std::string origin, TimePoint until, Done done) {
  m_writer.submit(
      [origin = std::move(origin), until](PgConnection& db) -> Status {
        HUBBUB_TRY(
            db.exec("UPDATE deliveries SET due_at = $1 WHERE state = 0 AND due_at < $1 "
                    "AND claimed_until IS NULL AND origin = $2",
                    PgParams().add(to_unix_ms(until)).add(std::string_view(origin))));
        // The pause itself, for every node; pauses over for sure (ended
        // before this one could have started) go with it.
        HUBBUB_TRY(
            db.exec("INSERT INTO origin_pauses (origin, paused_until) VALUES ($1, $2) "
                    "ON CONFLICT (origin) DO UPDATE SET "
                    "paused_until = greatest(origin_pauses.paused_until, excluded.paused_until)",
                    PgParams().add(std::string_view(origin)).add(to_unix_ms(until))));
        HUBBUB_TRY(db.exec("DELETE FROM origin_pauses WHERE paused_until < $1",
                           PgParams().add(to_unix_ms(until - k_breaker_max_pause))));
        return {};
      },
      std::move(done));
}

Result<std::vector<std::pair<std::string, TimePoint>>> PostgresStore::origin_pauses(TimePoint now) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec("SELECT origin, paused_until FROM origin_pauses WHERE paused_until > $1",
                                PgParams().add(to_unix_ms(now))));
  std::vector<std::pair<std::string, TimePoint>> out;
  for (int row = 0; row < r->rows(); ++row) {
    out.emplace_back(r->text(row, 0), from_unix_ms(r->int64(row, 1)));
  }
  return out;
}

void PostgresStore::settle_deliveries(std::vector<DeliveryOutcome> outcomes, Done done) {
  m_writer.submit(
      [outcomes = std::move(outcomes)](PgConnection& db) -> Status {
        for (const DeliveryOutcome& o : outcomes) {
          HUBBUB_TRY(
              db.exec("UPDATE deliveries SET state = $1, due_at = $2, claimed_until = NULL, claimed_by = NULL, "
                      "last_status = $3, last_error = $4, updated_at = $5, "
                      "attempts = greatest(attempts - $6, 0) WHERE id = $7",
                      PgParams()
                          .add(code_of(o.state))
                          .add(to_unix_ms(o.due_at))
                          .add(o.status ? std::optional<std::int64_t>(*o.status) : std::nullopt)
                          .add(o.error)
                          .add(to_unix_ms(o.settled_at))
                          .add(std::int64_t{o.uncharged ? 1 : 0})
                          .add(o.id)));
          if (o.end_subscription) {
            HUBBUB_TRY(
                db.exec("DELETE FROM subscriptions WHERE id = "
                        "(SELECT subscription_id FROM deliveries WHERE id = $1)",
                        PgParams().add(o.id)));
          }
        }
        return {};
      },
      std::move(done));
}

}  // namespace hubbub
