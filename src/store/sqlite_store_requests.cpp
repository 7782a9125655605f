#include "store/sqlite_store.h"

#include <algorithm>

#include "store/fair_claim.h"
#include "store/read_job.h"
#include "store/sqlite_rows.h"
#include "store/state_codes.h"
#include "store/subscription_tallies.h"
#include "util/url.h"

namespace hubbub {

// Secret rotation, in the upsert of a verified subscribe: a new secret that
// replaces another keeps the old one for signing until the grace's end
// (excluded.previous_secret_until, none: no grace); no secret clears it; the
// same secret leaves a running grace as it is.
constexpr const char* k_rotate_secret =
    "previous_secret = CASE WHEN excluded.secret IS NULL THEN NULL "
    "WHEN subscriptions.secret IS NOT NULL AND subscriptions.secret IS NOT excluded.secret "
    "AND excluded.previous_secret_until IS NOT NULL THEN subscriptions.secret "
    "ELSE subscriptions.previous_secret END, "
    "previous_secret_until = CASE WHEN excluded.secret IS NULL THEN NULL "
    "WHEN subscriptions.secret IS NOT NULL AND subscriptions.secret IS NOT excluded.secret "
    "AND excluded.previous_secret_until IS NOT NULL THEN excluded.previous_secret_until "
    "ELSE subscriptions.previous_secret_until END";

void SqliteStore::add_request(NewRequest request, Done done) {
  m_writer.submit(
      [request = std::move(request)](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO subscription_requests (token, mode, topic, callback, secret, "
                                      "lease_requested, lease_granted, verify_token, state, attempts, due_at, "
                                      "created_at, updated_at, signature_algorithm, standard_webhooks, feed_diff) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?)"));
        const std::int64_t created = to_unix_ms(request.created_at);
        q->bind(1, std::string_view(request.id))
            .bind(2, code_of(request.mode))
            .bind(3, std::string_view(request.topic))
            .bind(4, std::string_view(request.callback))
            .bind_blob(5, request.secret)
            .bind(6, request.lease_requested ? std::optional<std::int64_t>(static_cast<std::int64_t>(
                                                   std::min<std::uint64_t>(*request.lease_requested, INT64_MAX)))
                                             : std::nullopt)
            .bind(7, request.lease_granted ? std::optional<std::int64_t>(request.lease_granted->count()) : std::nullopt)
            .bind(8, request.verify_token)
            .bind(9, created)
            .bind(10, created)
            .bind(11, created)
            .bind(12, algorithm_text(request.signature_algorithm))
            .bind(13, flag_code(request.standard_webhooks))
            .bind(14, flag_code(request.feed_diff));
        return q->run();
      },
      std::move(done));
}

Result<std::optional<RequestRecord>> SqliteStore::find_request(std::string_view id) {
  auto db = reader();
  static const std::string sql =
      std::string("SELECT ") + k_request_columns + " FROM subscription_requests WHERE token = ?";
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, id);
  HUBBUB_TRY_ASSIGN(row, q->step());
  if (!*row) {
    return std::nullopt;
  }
  return read_request(*q);
}

Result<std::vector<RequestRecord>> SqliteStore::claim_due_requests(TimePoint now, Millis claim_for, std::size_t max,
                                                                   const OriginShare& share) {
  static const std::string sql =
      std::string(
          "UPDATE subscription_requests SET claimed_until = ?1, attempts = attempts + 1, "
          "updated_at = ?2 WHERE id IN (SELECT r.id FROM subscription_requests r "
          "WHERE r.state = 0 AND r.due_at <= ?2 "
          "AND (r.claimed_until IS NULL OR r.claimed_until <= ?2) "
          "AND (?4 = '[]' OR hubbub_origin(r.callback) NOT IN (SELECT value FROM json_each(?4))) "
          "AND NOT EXISTS (SELECT 1 FROM subscription_requests e WHERE e.state = 0 "
          "AND e.topic = r.topic AND e.callback = r.callback AND e.id < r.id) "
          "ORDER BY r.due_at LIMIT ?3) RETURNING ") +
      k_request_columns;
  std::vector<RequestRecord> claimed;
  auto s = m_writer.run(
      [&](Database& db) -> Status {
        claimed.clear();  // a job may run twice (group_commit.h)
        HUBBUB_TRY_ASSIGN(q, db.query(sql.c_str()));
        HUBBUB_TRY_ASSIGN(unclaim, db.query("UPDATE subscription_requests SET claimed_until = NULL, "
                                            "attempts = attempts - 1 WHERE token = ?"));
        const std::int64_t t = to_unix_ms(now);
        return claim_fairly(
            max, share, claimed,
            [&](std::size_t n, const std::vector<std::string>& busy, std::vector<RequestRecord>& out) {
              q->reset();
              q->bind(1, t + claim_for.count())
                  .bind(2, t)
                  .bind(3, static_cast<std::int64_t>(n))
                  .bind(4, std::string_view(json_text_array(busy)));
              return q->for_each([&](const Query& row) -> Status {
                HUBBUB_TRY_ASSIGN(r, read_request(row));
                out.push_back(std::move(*r));
                return {};
              });
            },
            [](const RequestRecord& r) { return url_origin_key(r.callback); },
            [&](const RequestRecord& r) {
              unclaim->reset();
              unclaim->bind(1, std::string_view(r.id));
              return unclaim->run();
            });
      },
      GroupCommit::Durability::may_be_lost);  // a lost claim is released at start anyway
  HUBBUB_TRY(s);
  return claimed;
}

Result<std::optional<TimePoint>> SqliteStore::next_request_due() {
  return next_due(
      "SELECT due_at FROM subscription_requests WHERE state = 0 AND claimed_until IS NULL ORDER BY due_at LIMIT 1");
}

void SqliteStore::retry_request(std::string id, TimePoint due_at, std::string error, TimePoint now, Done done) {
  m_writer.submit(
      [id = std::move(id), due_at, error = std::move(error), now](Database& db) -> Status {
        HUBBUB_TRY_ASSIGN(q, db.query("UPDATE subscription_requests SET due_at = ?, claimed_until = NULL, "
                                      "last_error = ?, updated_at = ? WHERE token = ? AND state = 0"));
        q->bind(1, to_unix_ms(due_at))
            .bind(2, std::string_view(error))
            .bind(3, to_unix_ms(now))
            .bind(4, std::string_view(id));
        return q->run();
      },
      std::move(done));
}

void SqliteStore::complete_request(RequestCompletion c, Done done) {
  m_writer.submit(
      [c = std::move(c)](Database& db) -> Status {
        bool subscribe = false;
        std::string topic;
        std::string callback;
        std::optional<std::string> secret;
        std::optional<std::string> algorithm;
        std::optional<std::int64_t> standard_webhooks;
        std::optional<std::int64_t> feed_diff;
        std::int64_t lease = 0;
        {
          HUBBUB_TRY_ASSIGN(sel, db.query("SELECT mode, topic, callback, secret, lease_granted, state, "
                                          "signature_algorithm, standard_webhooks, feed_diff "
                                          "FROM subscription_requests WHERE token = ?"));
          sel->bind(1, std::string_view(c.id));
          HUBBUB_TRY_ASSIGN(row, sel->step());
          if (!*row || sel->int64(5) != code_of(RequestState::pending)) {
            return {};  // unknown or already settled: nothing to do
          }
          HUBBUB_TRY_ASSIGN(mode, state_from_code<RequestMode>(sel->int64(0)));
          subscribe = *mode == RequestMode::subscribe;
          topic = sel->text(1);
          callback = sel->text(2);
          secret = sel->optional_text(3);
          lease = sel->optional_int64(4).value_or(0);
          algorithm = sel->optional_text(6);
          standard_webhooks = sel->optional_int64(7);
          feed_diff = sel->optional_int64(8);
        }

        HUBBUB_TRY_ASSIGN(upd, db.query("UPDATE subscription_requests SET state = ?, claimed_until = NULL, "
                                        "last_error = ?, updated_at = ? WHERE token = ?"));
        const std::int64_t finished = to_unix_ms(c.finished_at);
        upd->bind(1, code_of(c.state)).bind(2, c.error).bind(3, finished).bind(4, std::string_view(c.id));
        HUBBUB_TRY(upd->run());
        if (c.state != RequestState::verified) {
          return {};
        }
        if (subscribe) {
          static const std::string upsert =
              std::string(
                  "INSERT INTO subscriptions (topic, callback, secret, lease_seconds, expires_at, created_at, "
                  "updated_at, origin, signature_algorithm, standard_webhooks, previous_secret_until, feed_diff) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(?8, hubbub_origin(?2)), ?9, ?10, ?11, ?12) "
                  "ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret, "
                  "lease_seconds = excluded.lease_seconds, expires_at = excluded.expires_at, "
                  "updated_at = excluded.updated_at, signature_algorithm = excluded.signature_algorithm, "
                  "standard_webhooks = excluded.standard_webhooks, feed_diff = excluded.feed_diff, ") +
              k_rotate_secret;
          HUBBUB_TRY_ASSIGN(ins, db.query(upsert.c_str()));
          ins->bind(1, std::string_view(topic))
              .bind(2, std::string_view(callback))
              .bind_blob(3, secret)
              .bind(4, lease)
              .bind(5, to_unix_ms(c.verified_at) + lease * 1000)
              .bind(6, finished)
              .bind(7, finished)
              .bind(8, c.callback_origin.empty() ? std::nullopt : std::optional<std::string>(c.callback_origin))
              .bind(9, algorithm)
              .bind(10, standard_webhooks)
              .bind(11, c.secret_grace.count() > 0
                            ? std::optional<std::int64_t>(to_unix_ms(c.verified_at) + c.secret_grace.count())
                            : std::nullopt)
              .bind(12, feed_diff);
          return ins->run();
        }
        HUBBUB_TRY_ASSIGN(del, db.query("DELETE FROM subscriptions WHERE topic = ? AND callback = ?"));
        del->bind(1, std::string_view(topic)).bind(2, std::string_view(callback));
        return del->run();
      },
      std::move(done));
}

Result<std::optional<SubscriptionCapReached>> SqliteStore::subscription_cap_reached(std::string_view topic,
                                                                                    std::string_view callback,
                                                                                    TimePoint now,
                                                                                    SubscriptionCaps caps) {
  auto db = reader();
  auto tallies = [&]() -> Result<std::pair<std::int64_t, std::int64_t>> {
    HUBBUB_TRY_ASSIGN(q, db->query("SELECT (SELECT n FROM topic_tallies WHERE topic = ?1), "
                                   "(SELECT n FROM origin_tallies WHERE origin = hubbub_origin(?2))"));
    q->bind(1, topic).bind(2, callback);
    HUBBUB_TRY_ASSIGN(row, q->step());
    if (!*row) {
      return std::pair<std::int64_t, std::int64_t>{0, 0};
    }
    return std::pair{q->optional_int64(0).value_or(0), q->optional_int64(1).value_or(0)};
  };
  auto count = [&](SubscriptionCapReached::Scope scope, std::int64_t limit) -> Result<std::int64_t> {
    HUBBUB_TRY_ASSIGN(
        q, db->query(scope == SubscriptionCapReached::Scope::topic
                         ? "SELECT count(*) FROM (SELECT 1 FROM subscriptions WHERE topic = ?1 AND callback <> ?2 "
                           "AND expires_at > ?3 LIMIT ?4)"
                         : "SELECT count(*) FROM (SELECT 1 FROM subscriptions WHERE origin = hubbub_origin(?2) "
                           "AND expires_at > ?3 AND NOT (topic = ?1 AND callback = ?2) LIMIT ?4)"));
    q->bind(1, topic).bind(2, callback).bind(3, to_unix_ms(now)).bind(4, limit);
    HUBBUB_TRY_ASSIGN(row, q->step());
    return *row ? q->int64(0) : 0;
  };
  return check_subscription_caps(caps, tallies, count);
}

namespace {

Result<RequestLog::PendingCounts> read_pending_counts(Database& db) {
  HUBBUB_TRY_ASSIGN(q, db.query("SELECT hubbub_origin(callback), count(*) FROM subscription_requests "
                                "WHERE state = 0 GROUP BY 1"));
  RequestLog::PendingCounts out;
  for (;;) {
    HUBBUB_TRY_ASSIGN(row, q->step());
    if (!*row) {
      return out;
    }
    out.emplace_back(q->text(0), q->int64(1));
  }
}

}  // namespace

Result<std::vector<std::pair<std::string, std::int64_t>>> SqliteStore::pending_requests_per_origin() {
  auto db = reader();
  return read_pending_counts(*db);
}

void SqliteStore::pending_requests_per_origin_in_write_order(std::function<void(Result<PendingCounts>)> done) {
  auto job = make_read_job<PendingCounts, Database>(read_pending_counts, std::move(done));
  m_writer.submit(std::move(job.work), std::move(job.answer), GroupCommit::Durability::may_be_lost);  // no writes
}

}  // namespace hubbub
