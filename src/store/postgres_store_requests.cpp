#include "store/postgres_store.h"

#include <algorithm>

#include "store/fair_claim.h"
#include "store/pg_rows.h"
#include "store/state_codes.h"
#include "util/url.h"

namespace hubbub {

void PostgresStore::add_request(NewRequest request, Done done) {
  m_writer.submit(
      [request = std::move(request)](PgConnection& db) -> Status {
        const std::int64_t created = to_unix_ms(request.created_at);
        PgParams p;
        p.add(std::string_view(request.id))
            .add(code_of(request.mode))
            .add(std::string_view(request.topic))
            .add(std::string_view(request.callback))
            .add(std::string_view(url_origin_key(request.callback)))
            .add_bytes(request.secret)
            .add(request.lease_requested ? std::optional<std::int64_t>(static_cast<std::int64_t>(
                                               std::min<std::uint64_t>(*request.lease_requested, INT64_MAX)))
                                         : std::nullopt)
            .add(request.lease_granted ? std::optional<std::int64_t>(request.lease_granted->count()) : std::nullopt)
            .add(request.verify_token)
            .add(created);
        HUBBUB_TRY(
            db.exec("INSERT INTO subscription_requests (token, mode, topic, callback, origin, secret, "
                    "lease_requested, lease_granted, verify_token, state, attempts, due_at, created_at, "
                    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0, $10, $10, $10)",
                    p));
        return {};
      },
      std::move(done), Coordination::requests);
}

Result<std::optional<RequestRecord>> PostgresStore::find_request(std::string_view id) {
  static const std::string sql =
      std::string("SELECT ") + k_pg_request_columns + " FROM subscription_requests WHERE token = $1";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec(sql.c_str(), PgParams().add(id)));
  if (r->rows() == 0) {
    return std::nullopt;
  }
  return read_pg_request(*r, 0);
}

Result<std::vector<RequestRecord>> PostgresStore::claim_due_requests(TimePoint now, Millis claim_for, std::size_t max,
                                                                     const OriginShare& share) {
  // Only the oldest pending request of a (topic, callback) pair is claimable,
  // on every node: requests of a pair are settled one at a time, in order.
  static const std::string sql =
      std::string(
          "WITH c AS (SELECT r.id FROM subscription_requests r WHERE r.state = 0 AND r.due_at <= $2 "
          "AND (r.claimed_until IS NULL OR r.claimed_until <= $2) AND NOT (r.origin = ANY($4::text[])) "
          "AND NOT EXISTS (SELECT 1 FROM subscription_requests e WHERE e.state = 0 AND e.topic = r.topic "
          "AND e.callback = r.callback AND e.id < r.id) "
          "ORDER BY r.due_at, r.id LIMIT $3 FOR UPDATE SKIP LOCKED) "
          "UPDATE subscription_requests q SET claimed_until = $1, claimed_by = $5, attempts = q.attempts + 1, "
          "updated_at = $2 FROM c WHERE q.id = c.id RETURNING q.id, ") +
      k_pg_request_columns;  // only id is a column of c too
  std::vector<RequestRecord> claimed;
  HUBBUB_TRY(m_writer.run([&](PgConnection& db) -> Status {
    claimed.clear();  // a job may run twice (pg_writer.h)
    const std::int64_t t = to_unix_ms(now);
    return claim_fairly(
        max, share, claimed,
        [&](std::size_t n, const std::vector<std::string>& busy, std::vector<RequestRecord>& out) -> Status {
          HUBBUB_TRY_ASSIGN(r, db.exec(sql.c_str(), PgParams()
                                                        .add(t + claim_for.count())
                                                        .add(t)
                                                        .add(static_cast<std::int64_t>(n))
                                                        .add_array(busy)
                                                        .add(std::string_view(m_node_id))));
          // RETURNING keeps no order: due first, then oldest (column 0 is the row id).
          std::vector<std::pair<std::pair<TimePoint, std::int64_t>, RequestRecord>> rows;
          for (int row = 0; row < r->rows(); ++row) {
            HUBBUB_TRY_ASSIGN(rec, read_pg_request(*r, row, 1));
            rows.emplace_back(std::pair(rec->due_at, r->int64(row, 0)), std::move(*rec));
          }
          std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
          for (auto& [key, rec] : rows) {
            out.push_back(std::move(rec));
          }
          return {};
        },
        [](const RequestRecord& r) { return url_origin_key(r.callback); },
        [&](const RequestRecord& r) -> Status {
          HUBBUB_TRY(
              db.exec("UPDATE subscription_requests SET claimed_until = NULL, claimed_by = NULL, "
                      "attempts = attempts - 1 WHERE token = $1",
                      PgParams().add(std::string_view(r.id))));
          return {};
        });
  }));
  return claimed;
}

Result<std::optional<TimePoint>> PostgresStore::next_request_due() {
  return next_due(
      "SELECT due_at FROM subscription_requests WHERE state = 0 AND claimed_until IS NULL ORDER BY due_at LIMIT 1");
}

void PostgresStore::retry_request(std::string id, TimePoint due_at, std::string error, TimePoint now, Done done) {
  m_writer.submit(
      [id = std::move(id), due_at, error = std::move(error), now](PgConnection& db) -> Status {
        HUBBUB_TRY(
            db.exec("UPDATE subscription_requests SET due_at = $1, claimed_until = NULL, claimed_by = NULL, "
                    "last_error = $2, updated_at = $3 WHERE token = $4 AND state = 0",
                    PgParams()
                        .add(to_unix_ms(due_at))
                        .add(std::string_view(error))
                        .add(to_unix_ms(now))
                        .add(std::string_view(id))));
        return {};
      },
      std::move(done));
}

void PostgresStore::complete_request(RequestCompletion c, Done done) {
  m_writer.submit(
      [c = std::move(c)](PgConnection& db) -> Status {
        // FOR UPDATE: a node settling the same request at the same moment
        // waits, then finds it settled.
        HUBBUB_TRY_ASSIGN(sel, db.exec("SELECT mode, topic, callback, secret, lease_granted, state "
                                       "FROM subscription_requests WHERE token = $1 FOR UPDATE",
                                       PgParams().add(std::string_view(c.id))));
        if (sel->rows() == 0 || sel->int64(0, 5) != code_of(RequestState::pending)) {
          return {};  // unknown or already settled: nothing to do
        }
        HUBBUB_TRY_ASSIGN(mode, state_from_code<RequestMode>(sel->int64(0, 0)));
        const std::string topic = sel->text(0, 1);
        const std::string callback = sel->text(0, 2);
        const std::optional<std::string> secret = sel->optional_bytes(0, 3);
        const std::int64_t lease = sel->optional_int64(0, 4).value_or(0);
        const std::int64_t finished = to_unix_ms(c.finished_at);
        HUBBUB_TRY(
            db.exec("UPDATE subscription_requests SET state = $1, claimed_until = NULL, claimed_by = NULL, "
                    "last_error = $2, updated_at = $3 WHERE token = $4",
                    PgParams().add(code_of(c.state)).add(c.error).add(finished).add(std::string_view(c.id))));
        if (c.state != RequestState::verified) {
          return {};
        }
        if (*mode == RequestMode::subscribe) {
          const std::string origin = c.callback_origin.empty() ? url_origin_key(callback) : c.callback_origin;
          HUBBUB_TRY(
              db.exec("INSERT INTO subscriptions (topic, callback, origin, secret, lease_seconds, expires_at, "
                      "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) "
                      "ON CONFLICT (topic, callback) DO UPDATE SET secret = EXCLUDED.secret, "
                      "lease_seconds = EXCLUDED.lease_seconds, expires_at = EXCLUDED.expires_at, "
                      "updated_at = EXCLUDED.updated_at",
                      PgParams()
                          .add(std::string_view(topic))
                          .add(std::string_view(callback))
                          .add(std::string_view(origin))
                          .add_bytes(secret)
                          .add(lease)
                          .add(to_unix_ms(c.verified_at) + lease * 1000)
                          .add(finished)));
          return {};
        }
        HUBBUB_TRY(db.exec("DELETE FROM subscriptions WHERE topic = $1 AND callback = $2",
                           PgParams().add(std::string_view(topic)).add(std::string_view(callback))));
        return {};
      },
      std::move(done));
}

Result<SubscriptionCounts> PostgresStore::subscription_counts(std::string_view topic, std::string_view callback,
                                                              TimePoint now) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec("SELECT (SELECT count(*) FROM subscriptions WHERE topic = $1 AND callback <> $2 "
                                "AND expires_at > $3), (SELECT count(*) FROM subscriptions WHERE origin = $4 "
                                "AND expires_at > $3 AND NOT (topic = $1 AND callback = $2))",
                                PgParams()
                                    .add(topic)
                                    .add(callback)
                                    .add(to_unix_ms(now))
                                    .add(std::string_view(url_origin_key(std::string(callback))))));
  SubscriptionCounts counts;
  counts.topic = r->int64(0, 0);
  counts.callback_origin = r->int64(0, 1);
  return counts;
}

Result<std::vector<std::pair<std::string, std::int64_t>>> PostgresStore::pending_requests_per_origin() {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec("SELECT origin, count(*) FROM subscription_requests WHERE state = 0 GROUP BY 1"));
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (int row = 0; row < r->rows(); ++row) {
    out.emplace_back(r->text(row, 0), r->int64(row, 1));
  }
  return out;
}

}  // namespace hubbub
