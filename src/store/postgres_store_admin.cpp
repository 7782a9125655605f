#include "store/postgres_store.h"

#include <algorithm>

#include "store/pg_rows.h"
#include "websub/limits.h"

namespace hubbub {
namespace {

Result<std::vector<DeliveryRecord>> delivery_records(const PgResult& r) {
  std::vector<DeliveryRecord> out;
  for (int row = 0; row < r.rows(); ++row) {
    HUBBUB_TRY_ASSIGN(d, read_pg_delivery_record(r, row));
    out.push_back(std::move(*d));
  }
  return out;
}

}  // namespace

Result<std::optional<Subscription>> PostgresStore::find_subscription(std::string_view topic,
                                                                     std::string_view callback) {
  static const std::string sql =
      std::string("SELECT ") + k_pg_subscription_columns + " FROM subscriptions WHERE topic = $1 AND callback = $2";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec(sql.c_str(), PgParams().add(topic).add(callback)));
  if (r->rows() == 0) {
    return std::nullopt;
  }
  return read_pg_subscription(*r, 0);
}

Result<std::vector<Subscription>> PostgresStore::active_subscriptions(std::string_view topic, TimePoint now) {
  static const std::string sql = std::string("SELECT ") + k_pg_subscription_columns +
                                 " FROM subscriptions WHERE topic = $1 AND expires_at > $2 ORDER BY id";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec(sql.c_str(), PgParams().add(topic).add(to_unix_ms(now))));
  std::vector<Subscription> out;
  for (int row = 0; row < r->rows(); ++row) {
    out.push_back(read_pg_subscription(*r, row));
  }
  return out;
}

Result<std::vector<SubscriptionOverview>> PostgresStore::list_subscriptions(std::optional<std::string> topic,
                                                                            std::optional<std::string> callback_host,
                                                                            std::size_t limit, std::size_t offset) {
  // The host filter matches the origin's host, or its host and port.
  static const std::string sql =
      "SELECT s.id, s.topic, s.callback, s.secret, s.lease_seconds, s.expires_at, s.created_at, s.updated_at, " +
      std::string(k_pg_delivery_record_columns) +
      " FROM subscriptions s LEFT JOIN deliveries d ON d.id = "
      "(SELECT max(id) FROM deliveries WHERE subscription_id = s.id) "
      "WHERE ($1::text IS NULL OR s.topic = $1) AND ($2::text IS NULL OR s.origin LIKE '%://' || $2 || ':%' "
      "OR s.origin LIKE '%://' || $2) ORDER BY s.id DESC LIMIT $3 OFFSET $4";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec(sql.c_str(), PgParams()
                                                 .add(topic)
                                                 .add(callback_host)
                                                 .add(static_cast<std::int64_t>(limit))
                                                 .add(static_cast<std::int64_t>(offset))));
  std::vector<SubscriptionOverview> out;
  for (int row = 0; row < r->rows(); ++row) {
    SubscriptionOverview o{read_pg_subscription(*r, row), std::nullopt};
    if (!r->is_null(row, 8)) {
      HUBBUB_TRY_ASSIGN(d, read_pg_delivery_record(*r, row, 8));
      o.last_delivery = std::move(*d);
    }
    out.push_back(std::move(o));
  }
  return out;
}

Result<std::optional<Subscription>> PostgresStore::find_subscription_by_id(std::int64_t id) {
  static const std::string sql =
      std::string("SELECT ") + k_pg_subscription_columns + " FROM subscriptions WHERE id = $1";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec(sql.c_str(), PgParams().add(id)));
  if (r->rows() == 0) {
    return std::nullopt;
  }
  return read_pg_subscription(*r, 0);
}

Result<bool> PostgresStore::delete_subscription(std::int64_t id) {
  HUBBUB_TRY_ASSIGN(n, changed_rows("DELETE FROM subscriptions WHERE id = $1", PgParams().add(id)));
  return *n > 0;
}

Result<std::vector<DeliveryRecord>> PostgresStore::subscription_deliveries(std::int64_t id, std::size_t limit) {
  static const std::string sql = std::string("SELECT ") + k_pg_delivery_record_columns +
                                 " FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                                 "WHERE d.subscription_id = $1 ORDER BY d.id DESC LIMIT $2";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec(sql.c_str(), PgParams().add(id).add(static_cast<std::int64_t>(limit))));
  return delivery_records(*r);
}

Result<std::vector<TopicRecord>> PostgresStore::list_topics(TimePoint now, std::size_t limit, std::size_t offset) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(r, db->exec("SELECT s.topic, count(*), max(t.fetched_at), "
                                "(SELECT max(p.created_at) FROM publish_topics pt JOIN publishes p "
                                "ON p.id = pt.publish_id WHERE pt.topic = s.topic) "
                                "FROM subscriptions s LEFT JOIN topics t ON t.topic = s.topic "
                                "WHERE s.expires_at > $1 GROUP BY s.topic ORDER BY s.topic LIMIT $2 OFFSET $3",
                                PgParams()
                                    .add(to_unix_ms(now))
                                    .add(static_cast<std::int64_t>(limit))
                                    .add(static_cast<std::int64_t>(offset))));
  std::vector<TopicRecord> out;
  for (int row = 0; row < r->rows(); ++row) {
    TopicRecord t;
    t.topic = r->text(row, 0);
    t.subscribers = r->int64(row, 1);
    if (auto v = r->optional_int64(row, 2)) {
      t.last_fetched_at = from_unix_ms(*v);
    }
    if (auto v = r->optional_int64(row, 3)) {
      t.last_published_at = from_unix_ms(*v);
    }
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<DeliveryRecord>> PostgresStore::list_dead_letters(std::size_t limit, std::size_t offset) {
  static const std::string sql = std::string("SELECT ") + k_pg_delivery_record_columns +
                                 " FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                                 "WHERE d.state = 2 ORDER BY d.updated_at DESC, d.id DESC LIMIT $1 OFFSET $2";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(
      r,
      db->exec(sql.c_str(), PgParams().add(static_cast<std::int64_t>(limit)).add(static_cast<std::int64_t>(offset))));
  return delivery_records(*r);
}

Result<bool> PostgresStore::retry_dead_letter(std::int64_t id, TimePoint now) {
  HUBBUB_TRY_ASSIGN(n, changed_rows("UPDATE deliveries SET state = 0, attempts = 0, due_at = $1, "
                                    "claimed_until = NULL, claimed_by = NULL, updated_at = $1 "
                                    "WHERE id = $2 AND state = 2",
                                    PgParams().add(to_unix_ms(now)).add(id), Coordination::deliveries));
  return *n > 0;
}

Result<std::optional<std::size_t>> PostgresStore::replay_to_subscription(std::int64_t id, const ReplaySelection& which,
                                                                         TimePoint now) {
  std::optional<std::size_t> queued;
  HUBBUB_TRY(m_writer.run(
      [&](PgConnection& db) -> Status {
        queued.reset();  // a job may run twice (pg_writer.h)
        const std::int64_t t = to_unix_ms(now);
        HUBBUB_TRY_ASSIGN(sub, db.exec("SELECT topic FROM subscriptions WHERE id = $1 AND expires_at > $2",
                                       PgParams().add(id).add(t)));
        if (sub->rows() == 0) {
          return {};
        }
        // The notifications of the topic: contents a publish topic
        // distributed (each once, with the first publish topic that did),
        // oldest first.
        HUBBUB_TRY_ASSIGN(
            r, db.exec("INSERT INTO deliveries (publish_topic_id, content_id, subscription_id, origin, delivery_id, "
                       "published_at, state, attempts, due_at, created_at, updated_at, replay) "
                       "SELECT n.publish_topic_id, n.content_id, s.id, s.origin, "
                       "substr(replace(gen_random_uuid()::text, '-', ''), 1, 24), $2, 0, 0, $2, $2, $2, 1 "
                       "FROM subscriptions s, (SELECT c.id AS content_id, min(t.id) AS publish_topic_id "
                       "FROM contents c JOIN publish_topics t ON t.content_id = c.id AND t.state = 1 "
                       "WHERE c.topic = $3 AND c.created_at >= $4 GROUP BY c.id ORDER BY c.id DESC LIMIT $5) n "
                       "WHERE s.id = $1 ORDER BY n.content_id",
                       PgParams()
                           .add(id)
                           .add(t)
                           .add(std::string_view(sub->text(0, 0)))
                           .add(which.since ? to_unix_ms(*which.since) : std::int64_t{0})
                           .add(static_cast<std::int64_t>(which.last > 0 ? std::min(which.last, k_max_replay)
                                                                         : k_max_replay))));
        queued = static_cast<std::size_t>(r->changed());
        return {};
      },
      Coordination::deliveries));
  if (queued && *queued > 0) {
    note_written(PgStatistics::Table::deliveries, static_cast<std::int64_t>(*queued));
  }
  return queued;
}

Result<std::optional<std::size_t>> PostgresStore::replay_publish(std::string_view token, TimePoint now) {
  std::optional<std::size_t> queued;
  HUBBUB_TRY(m_writer.run(
      [&](PgConnection& db) -> Status {
        queued.reset();  // a job may run twice (pg_writer.h)
        HUBBUB_TRY_ASSIGN(publish, db.exec("SELECT id FROM publishes WHERE token = $1", PgParams().add(token)));
        if (publish->rows() == 0) {
          return {};
        }
        HUBBUB_TRY_ASSIGN(
            r, db.exec("INSERT INTO deliveries (publish_topic_id, content_id, subscription_id, origin, delivery_id, "
                       "published_at, state, attempts, due_at, created_at, updated_at, replay) "
                       "SELECT t.id, t.content_id, s.id, s.origin, "
                       "substr(replace(gen_random_uuid()::text, '-', ''), 1, 24), $2, 0, 0, $2, $2, $2, 1 "
                       "FROM publish_topics t JOIN subscriptions s ON s.topic = t.topic AND s.expires_at > $2 "
                       "WHERE t.publish_id = $1 AND t.state = 1 AND t.content_id IS NOT NULL ORDER BY t.id, s.id",
                       PgParams().add(publish->int64(0, 0)).add(to_unix_ms(now))));
        queued = static_cast<std::size_t>(r->changed());
        return {};
      },
      Coordination::deliveries));
  if (queued && *queued > 0) {
    note_written(PgStatistics::Table::deliveries, static_cast<std::int64_t>(*queued));
  }
  return queued;
}

}  // namespace hubbub
