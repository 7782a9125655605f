#include "store/postgres_store.h"

#include <algorithm>

#include "store/pg_rows.h"
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
    // One statement: the claim, and each claimed row with its subscription.
    HUBBUB_TRY_ASSIGN(r,
                      db.exec("WITH c AS (SELECT id FROM deliveries WHERE state = 0 AND due_at <= $2 "
                              "AND (claimed_until IS NULL OR claimed_until <= $2) AND NOT (origin = ANY($4::text[])) "
                              "ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED), "
                              "u AS (UPDATE deliveries d SET claimed_until = $1, claimed_by = $5, "
                              "attempts = d.attempts + 1, updated_at = $2 FROM c WHERE d.id = c.id "
                              "RETURNING d.id, d.delivery_id, d.origin, d.content_id, d.subscription_id, d.attempts, "
                              "d.created_at, d.published_at, d.due_at, d.replay) "
                              "SELECT u.id, u.delivery_id, u.origin, u.content_id, u.subscription_id, u.attempts, "
                              "u.created_at, u.published_at, u.due_at, s.topic, s.callback, s.secret, s.expires_at, "
                              "s.signature_algorithm, s.standard_webhooks, "
                              "CASE WHEN s.previous_secret_until > $2 THEN s.previous_secret END, u.replay "
                              "FROM u LEFT JOIN subscriptions s ON s.id = u.subscription_id ORDER BY u.due_at, u.id",
                              PgParams()
                                  .add(t + claim_for.count())
                                  .add(t)
                                  .add(static_cast<std::int64_t>(max))
                                  .add_array(busy_origins)
                                  .add(std::string_view(m_node_id))));
    std::vector<std::string> ended;
    for (int row = 0; row < r->rows(); ++row) {
      if (r->is_null(row, 9) || r->int64(row, 12) <= t) {
        ended.push_back(std::to_string(r->int64(row, 0)));
        continue;
      }
      DeliveryJob job = read_pg_delivery_job(*r, row, 9);
      job.replay = r->optional_int64(row, 16).value_or(0) != 0;
      job.attempts = static_cast<std::uint32_t>(r->int64(row, 5));
      job.created_at = from_unix_ms(r->int64(row, 6));
      job.published_at = from_unix_ms(r->int64(row, 7));
      jobs.push_back(std::move(job));
    }
    if (!ended.empty()) {
      HUBBUB_TRY(
          db.exec("UPDATE deliveries SET state = 3, claimed_until = NULL, claimed_by = NULL, "
                  "updated_at = $1, last_error = 'the subscription ended before delivery' "
                  "WHERE id = ANY($2::text[]::bigint[])",
                  PgParams().add(t).add_array(ended)));
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

namespace {

// Delivery outcomes settled in one UPDATE over arrays, however many
// settle_deliveries() calls in a row they came from (pg_writer.h).
class SettleOutcomes final : public MergeableItems<SettleOutcomes, DeliveryOutcome> {
 public:
  using MergeableItems::MergeableItems;

  Status run(PgConnection& db) override {
    if (m_items.empty()) {
      return {};
    }
    std::vector<std::optional<std::string>> id, state, due, status, error, at, uncharged;
    for (const DeliveryOutcome& o : m_items) {
      id.push_back(std::to_string(o.id));
      state.push_back(std::to_string(code_of(o.state)));
      due.push_back(std::to_string(to_unix_ms(o.due_at)));
      status.push_back(o.status ? std::optional<std::string>(std::to_string(*o.status)) : std::nullopt);
      error.push_back(o.error);
      at.push_back(std::to_string(to_unix_ms(o.settled_at)));
      uncharged.push_back(o.uncharged ? "1" : "0");
    }
    HUBBUB_TRY(
        db.exec("UPDATE deliveries d SET state = v.state, due_at = v.due_at, claimed_until = NULL, claimed_by = NULL, "
                "last_status = v.status, last_error = v.error, updated_at = v.at, "
                "attempts = greatest(d.attempts - v.uncharged, 0) "
                "FROM unnest($1::text[]::bigint[], $2::text[]::smallint[], $3::text[]::bigint[], "
                "$4::text[]::integer[], $5::text[], $6::text[]::bigint[], $7::text[]::integer[]) "
                "AS v(id, state, due_at, status, error, at, uncharged) WHERE d.id = v.id",
                PgParams()
                    .add_array(id)
                    .add_array(state)
                    .add_array(due)
                    .add_array(status)
                    .add_array(error)
                    .add_array(at)
                    .add_array(uncharged)));
    for (const DeliveryOutcome& o : m_items) {
      if (o.end_subscription) {
        HUBBUB_TRY(
            db.exec("DELETE FROM subscriptions WHERE id = (SELECT subscription_id FROM deliveries WHERE id = $1)",
                    PgParams().add(o.id)));
      }
    }
    return {};
  }
};

}  // namespace

void PostgresStore::settle_deliveries(std::vector<DeliveryOutcome> outcomes, Done done) {
  const auto settled = static_cast<std::int64_t>(outcomes.size());
  m_writer.submit(std::make_shared<SettleOutcomes>(std::move(outcomes)), std::move(done));
  note_written(PgStatistics::Table::deliveries, settled);
}

}  // namespace hubbub
