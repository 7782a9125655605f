#include "store/postgres_store.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "store/fair_claim.h"
#include "store/pg_rows.h"
#include "store/read_job.h"
#include "store/state_codes.h"
#include "store/subscription_tallies.h"
#include "util/hex.h"
#include "util/url.h"

namespace hubbub {

namespace {

std::optional<std::string> hex_of(const std::optional<std::string>& bytes) {
  if (!bytes) {
    return std::nullopt;
  }
  return to_hex(reinterpret_cast<const unsigned char*>(bytes->data()), bytes->size());
}

std::optional<std::string> text_of(const std::optional<std::int64_t>& n) {
  return n ? std::optional<std::string>(std::to_string(*n)) : std::nullopt;
}

// Requests recorded by one INSERT over arrays, however many add_request()
// calls in a row they came from (pg_writer.h).
class AddRequests final : public MergeableItems<AddRequests, NewRequest> {
 public:
  using MergeableItems::MergeableItems;

  Status run(PgConnection& db) override {
    if (m_items.empty()) {
      return {};
    }
    std::vector<std::optional<std::string>> token, mode, topic, callback, origin, secret, requested, granted, verify,
        created, algorithm, standard, feed_diff;
    for (const NewRequest& r : m_items) {
      token.push_back(r.id);
      mode.push_back(std::to_string(code_of(r.mode)));
      topic.push_back(r.topic);
      callback.push_back(r.callback);
      origin.push_back(url_origin_key(r.callback));
      secret.push_back(hex_of(r.secret));
      requested.push_back(text_of(r.lease_requested ? std::optional<std::int64_t>(static_cast<std::int64_t>(
                                                          std::min<std::uint64_t>(*r.lease_requested, INT64_MAX)))
                                                    : std::nullopt));
      granted.push_back(
          text_of(r.lease_granted ? std::optional<std::int64_t>(r.lease_granted->count()) : std::nullopt));
      verify.push_back(r.verify_token);
      created.push_back(std::to_string(to_unix_ms(r.created_at)));
      algorithm.push_back(algorithm_text(r.signature_algorithm));
      standard.push_back(text_of(flag_code(r.standard_webhooks)));
      feed_diff.push_back(text_of(flag_code(r.feed_diff)));
    }
    HUBBUB_TRY(db.exec(
        "INSERT INTO subscription_requests (token, mode, topic, callback, origin, secret, lease_requested, "
        "lease_granted, verify_token, state, attempts, due_at, created_at, updated_at, signature_algorithm, "
        "standard_webhooks, feed_diff) "
        "SELECT v.token, v.mode, v.topic, v.callback, v.origin, decode(v.secret, 'hex'), v.requested, v.granted, "
        "v.verify, 0, 0, v.created, v.created, v.created, v.algorithm, v.standard, v.feed_diff "
        "FROM unnest($1::text[], $2::text[]::smallint[], $3::text[], $4::text[], $5::text[], $6::text[], "
        "$7::text[]::bigint[], $8::text[]::bigint[], $9::text[], $10::text[]::bigint[], $11::text[], "
        "$12::text[]::smallint[], $13::text[]::smallint[]) WITH ORDINALITY "
        "AS v(token, mode, topic, callback, origin, secret, requested, granted, verify, created, algorithm, standard, "
        "feed_diff, n) ORDER BY v.n",
        PgParams()
            .add_array(token)
            .add_array(mode)
            .add_array(topic)
            .add_array(callback)
            .add_array(origin)
            .add_array(secret)
            .add_array(requested)
            .add_array(granted)
            .add_array(verify)
            .add_array(created)
            .add_array(algorithm)
            .add_array(standard)
            .add_array(feed_diff)));
    return {};
  }
};

// Verification outcomes settled together: the requests in one UPDATE, then
// the subscriptions they create, renew or remove in one statement each.
// Requests of one (topic, callback) pair are never in flight together (the
// claim hands out one per pair), and a write holding a pair already does
// not absorb another of it, so no statement touches a row twice.
class CompleteRequests final : public MergeableItems<CompleteRequests, RequestCompletion> {
 public:
  using MergeableItems::MergeableItems;

  // The same request twice (an outcome written again) never in one statement.
  bool joins(const CompleteRequests& other) const {
    for (const auto& c : other.m_items) {
      for (const auto& mine : m_items) {
        if (mine.id == c.id) {
          return false;
        }
      }
    }
    return true;
  }

  Status run(PgConnection& db) override {
    if (m_items.empty()) {
      return {};
    }
    std::vector<std::optional<std::string>> token, state, error, finished, verified_at, origin, grace_until;
    for (const RequestCompletion& c : m_items) {
      token.push_back(c.id);
      state.push_back(std::to_string(code_of(c.state)));
      error.push_back(c.error);
      finished.push_back(std::to_string(to_unix_ms(c.finished_at)));
      verified_at.push_back(std::to_string(to_unix_ms(c.verified_at)));
      origin.push_back(c.callback_origin.empty() ? std::nullopt : std::optional<std::string>(c.callback_origin));
      grace_until.push_back(c.secret_grace.count() > 0 ? std::optional<std::string>(std::to_string(
                                                             to_unix_ms(c.verified_at) + c.secret_grace.count()))
                                                       : std::nullopt);
    }
    // Only pending requests change (a node settling the same request at the
    // same moment waits for the row lock, then finds it settled); the
    // changed ones come back with what the subscription needs.
    HUBBUB_TRY_ASSIGN(
        r, db.exec("UPDATE subscription_requests q SET state = v.state, claimed_until = NULL, claimed_by = NULL, "
                   "last_error = v.error, updated_at = v.finished "
                   "FROM unnest($1::text[], $2::text[]::smallint[], $3::text[], $4::text[]::bigint[], "
                   "$5::text[]::bigint[], $6::text[], $7::text[]::bigint[]) "
                   "AS v(token, state, error, finished, verified_at, origin, grace_until) "
                   "WHERE q.token = v.token AND q.state = 0 "
                   "RETURNING q.mode, q.topic, q.callback, encode(q.secret, 'hex'), q.lease_granted, v.state, "
                   "v.verified_at, coalesce(v.origin, q.origin), v.finished, q.signature_algorithm, "
                   "q.standard_webhooks, v.grace_until, q.feed_diff",
                   PgParams()
                       .add_array(token)
                       .add_array(state)
                       .add_array(error)
                       .add_array(finished)
                       .add_array(verified_at)
                       .add_array(origin)
                       .add_array(grace_until)));
    std::vector<std::optional<std::string>> s_topic, s_callback, s_origin, s_secret, s_lease, s_expires, s_at,
        s_algorithm, s_standard, s_grace_until, s_feed_diff;
    std::vector<std::optional<std::string>> u_topic, u_callback;
    std::set<std::pair<std::string, std::string>> pairs;
    for (int row = 0; row < r->rows(); ++row) {
      if (r->int64(row, 5) != code_of(RequestState::verified)) {
        continue;
      }
      // The claim hands out one request per pair at a time, so a pair comes
      // at most once; were it to come twice, only its first is applied (an
      // INSERT ... ON CONFLICT must not touch a row twice), and it is said.
      if (!pairs.emplace(r->text(row, 1), r->text(row, 2)).second) {
        spdlog::error("event=pair_settled_twice_in_a_batch callback={}", redact_url(r->text(row, 2)));
        continue;
      }
      HUBBUB_TRY_ASSIGN(mode, state_from_code<RequestMode>(r->int64(row, 0)));
      if (*mode == RequestMode::subscribe) {
        const std::int64_t lease = r->optional_int64(row, 4).value_or(0);
        s_topic.push_back(r->text(row, 1));
        s_callback.push_back(r->text(row, 2));
        s_origin.push_back(r->text(row, 7));
        s_secret.push_back(r->optional_text(row, 3));
        s_lease.push_back(std::to_string(lease));
        s_expires.push_back(std::to_string(r->int64(row, 6) + lease * 1000));
        s_at.push_back(std::to_string(r->int64(row, 8)));
        s_algorithm.push_back(r->optional_text(row, 9));
        s_standard.push_back(r->optional_text(row, 10));
        s_grace_until.push_back(r->optional_text(row, 11));
        s_feed_diff.push_back(r->optional_text(row, 12));
      } else {
        u_topic.push_back(r->text(row, 1));
        u_callback.push_back(r->text(row, 2));
      }
    }
    if (!s_topic.empty()) {
      HUBBUB_TRY(db.exec(
          "INSERT INTO subscriptions (topic, callback, origin, secret, lease_seconds, expires_at, created_at, "
          "updated_at, signature_algorithm, standard_webhooks, previous_secret_until, feed_diff) "
          "SELECT v.topic, v.callback, v.origin, decode(v.secret, 'hex'), v.lease, v.expires, v.at, v.at, "
          "v.algorithm, v.standard, v.grace_until, v.feed_diff "
          "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]::bigint[], $6::text[]::bigint[], "
          "$7::text[]::bigint[], $8::text[], $9::text[]::smallint[], $10::text[]::bigint[], $11::text[]::smallint[]) "
          "AS v(topic, callback, origin, secret, lease, expires, at, algorithm, standard, grace_until, feed_diff) "
          "ON CONFLICT (topic, callback) DO UPDATE SET secret = EXCLUDED.secret, "
          "lease_seconds = EXCLUDED.lease_seconds, expires_at = EXCLUDED.expires_at, "
          "updated_at = EXCLUDED.updated_at, signature_algorithm = EXCLUDED.signature_algorithm, "
          "standard_webhooks = EXCLUDED.standard_webhooks, feed_diff = EXCLUDED.feed_diff, "
          // Secret rotation: a new secret that replaces another keeps the old
          // one for signing until the grace's end (none: no grace); no secret
          // clears it; the same secret leaves a running grace as it is.
          "previous_secret = CASE WHEN EXCLUDED.secret IS NULL THEN NULL "
          "WHEN subscriptions.secret IS DISTINCT FROM EXCLUDED.secret AND subscriptions.secret IS NOT NULL "
          "AND EXCLUDED.previous_secret_until IS NOT NULL THEN subscriptions.secret "
          "ELSE subscriptions.previous_secret END, "
          "previous_secret_until = CASE WHEN EXCLUDED.secret IS NULL THEN NULL "
          "WHEN subscriptions.secret IS DISTINCT FROM EXCLUDED.secret AND subscriptions.secret IS NOT NULL "
          "AND EXCLUDED.previous_secret_until IS NOT NULL THEN EXCLUDED.previous_secret_until "
          "ELSE subscriptions.previous_secret_until END",
          PgParams()
              .add_array(s_topic)
              .add_array(s_callback)
              .add_array(s_origin)
              .add_array(s_secret)
              .add_array(s_lease)
              .add_array(s_expires)
              .add_array(s_at)
              .add_array(s_algorithm)
              .add_array(s_standard)
              .add_array(s_grace_until)
              .add_array(s_feed_diff)));
    }
    if (!u_topic.empty()) {
      HUBBUB_TRY(
          db.exec("DELETE FROM subscriptions s USING unnest($1::text[], $2::text[]) AS v(topic, callback) "
                  "WHERE s.topic = v.topic AND s.callback = v.callback",
                  PgParams().add_array(u_topic).add_array(u_callback)));
    }
    return {};
  }
};

}  // namespace

void PostgresStore::add_request(NewRequest request, Done done) {
  m_writer.submit(std::make_shared<AddRequests>(std::move(request)), std::move(done), Coordination::requests);
  note_written(PgStatistics::Table::subscription_requests, 1);
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
  const bool adds = c.state == RequestState::verified;
  m_writer.submit(std::make_shared<CompleteRequests>(std::move(c)), std::move(done));
  note_written(PgStatistics::Table::subscription_requests, 1);
  if (adds) {
    note_written(PgStatistics::Table::subscriptions, 1);
  }
}

Result<std::optional<SubscriptionCapReached>> PostgresStore::subscription_cap_reached(std::string_view topic,
                                                                                      std::string_view callback,
                                                                                      TimePoint now,
                                                                                      SubscriptionCaps caps) {
  auto db = reader();
  const std::string origin = url_origin_key(std::string(callback));
  auto tallies = [&]() -> Result<std::pair<std::int64_t, std::int64_t>> {
    HUBBUB_TRY_ASSIGN(r, db->exec("SELECT (SELECT coalesce(sum(n), 0) FROM topic_tallies WHERE topic = $1)::bigint, "
                                  "(SELECT coalesce(sum(n), 0) FROM origin_tallies WHERE origin = $2)::bigint",
                                  PgParams().add(topic).add(std::string_view(origin))));
    return std::pair{r->int64(0, 0), r->int64(0, 1)};
  };
  auto count = [&](SubscriptionCapReached::Scope scope, std::int64_t limit) -> Result<std::int64_t> {
    const bool by_topic = scope == SubscriptionCapReached::Scope::topic;
    HUBBUB_TRY_ASSIGN(
        r,
        db->exec(
            // by topic, never by expiry (count_active_subscriptions())
            by_topic ? "SELECT count(*) FROM (SELECT 1 FROM subscriptions WHERE topic = $1 "
                       "AND callback <> $2 AND expires_at + 0 > $3 LIMIT $4) AS active"
                     : "SELECT count(*) FROM (SELECT 1 FROM subscriptions WHERE origin = $5 "
                       "AND expires_at > $3 AND NOT (topic = $1 AND callback = $2) "
                       "LIMIT $4) AS active",
            by_topic
                ? PgParams().add(topic).add(callback).add(to_unix_ms(now)).add(limit)
                : PgParams().add(topic).add(callback).add(to_unix_ms(now)).add(limit).add(std::string_view(origin))));
    return r->int64(0, 0);
  };
  return check_subscription_caps(caps, tallies, count);
}

namespace {

Result<RequestLog::PendingCounts> read_pending_counts(PgConnection& db) {
  HUBBUB_TRY_ASSIGN(r, db.exec("SELECT origin, count(*) FROM subscription_requests WHERE state = 0 GROUP BY 1"));
  RequestLog::PendingCounts out;
  for (int row = 0; row < r->rows(); ++row) {
    out.emplace_back(r->text(row, 0), r->int64(row, 1));
  }
  return out;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::int64_t>>> PostgresStore::pending_requests_per_origin() {
  auto db = reader();
  return read_pending_counts(*db);
}

void PostgresStore::pending_requests_per_origin_in_write_order(std::function<void(Result<PendingCounts>)> done) {
  auto job = make_read_job<PendingCounts, PgConnection>(read_pending_counts, std::move(done));
  m_writer.submit(std::move(job.work), std::move(job.answer));
}

}  // namespace hubbub
