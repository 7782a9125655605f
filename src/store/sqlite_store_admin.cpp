#include "store/sqlite_store.h"

#include <algorithm>

#include "store/sqlite_rows.h"
#include "websub/limits.h"

namespace hubbub {

Result<std::optional<Subscription>> SqliteStore::find_subscription(std::string_view topic, std::string_view callback) {
  auto db = reader();
  static const std::string sql =
      std::string("SELECT ") + k_subscription_columns + " FROM subscriptions WHERE topic = ? AND callback = ?";
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, topic).bind(2, callback);
  HUBBUB_TRY_ASSIGN(row, q->step());
  if (!*row) {
    return std::nullopt;
  }
  return read_subscription(*q);
}

Result<std::vector<Subscription>> SqliteStore::active_subscriptions(std::string_view topic, TimePoint now) {
  auto db = reader();
  static const std::string sql = std::string("SELECT ") + k_subscription_columns +
                                 " FROM subscriptions WHERE topic = ? AND expires_at > ? ORDER BY id";
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, topic).bind(2, to_unix_ms(now));
  std::vector<Subscription> out;
  HUBBUB_TRY(q->for_each([&](const Query& row) { out.push_back(read_subscription(row)); }));
  return out;
}

Result<std::vector<SubscriptionOverview>> SqliteStore::list_subscriptions(std::optional<std::string> topic,
                                                                          std::optional<std::string> callback_host,
                                                                          std::size_t limit, std::size_t offset) {
  // The host filter matches the stored origin's host, or its host and port
  // ("127.0.0.1:9000", as callback hosts are shown everywhere); the latest
  // delivery comes from the deliveries_subscription index.
  static const std::string sql =
      "SELECT s.id, s.topic, s.callback, s.secret, s.lease_seconds, s.expires_at, s.created_at, s.updated_at, " +
      std::string(k_delivery_record_columns) +
      " FROM subscriptions s LEFT JOIN deliveries d ON d.id = "
      "(SELECT max(id) FROM deliveries WHERE subscription_id = s.id) "
      "WHERE (?1 IS NULL OR s.topic = ?1) AND (?2 IS NULL OR s.origin LIKE '%://' || ?2 || ':%' "
      "OR s.origin LIKE '%://' || ?2) "
      "ORDER BY s.id DESC LIMIT ?3 OFFSET ?4";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, topic)
      .bind(2, callback_host)
      .bind(3, static_cast<std::int64_t>(limit))
      .bind(4, static_cast<std::int64_t>(offset));
  std::vector<SubscriptionOverview> out;
  auto read = [&](const Query& row) -> Status {
    SubscriptionOverview o{read_subscription(row), std::nullopt};
    if (!row.is_null(8)) {
      HUBBUB_TRY_ASSIGN(d, read_delivery_record(row, 8));
      o.last_delivery = std::move(*d);
    }
    out.push_back(std::move(o));
    return {};
  };
  HUBBUB_TRY(q->for_each(read));
  return out;
}

Result<std::optional<Subscription>> SqliteStore::find_subscription_by_id(std::int64_t id) {
  static const std::string sql = std::string("SELECT ") + k_subscription_columns + " FROM subscriptions WHERE id = ?";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, id);
  HUBBUB_TRY_ASSIGN(row, q->step());
  if (!*row) {
    return std::nullopt;
  }
  return read_subscription(*q);
}

Result<bool> SqliteStore::delete_subscription(std::int64_t id) {
  auto n = changed_rows("DELETE FROM subscriptions WHERE id = ?", [id](Query& q) { q.bind(1, id); });
  HUBBUB_TRY(n);
  return *n > 0;
}

Result<std::vector<DeliveryRecord>> SqliteStore::subscription_deliveries(std::int64_t id, std::size_t limit) {
  static const std::string sql = std::string("SELECT ") + k_delivery_record_columns +
                                 " FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                                 "WHERE d.subscription_id = ? ORDER BY d.id DESC LIMIT ?";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<DeliveryRecord> out;
  HUBBUB_TRY(q->for_each([&](const Query& row) -> Status {
    HUBBUB_TRY_ASSIGN(d, read_delivery_record(row));
    out.push_back(std::move(*d));
    return {};
  }));
  return out;
}

Result<std::vector<TopicRecord>> SqliteStore::list_topics(TimePoint now, std::size_t limit, std::size_t offset) {
  auto db = reader();
  HUBBUB_TRY_ASSIGN(
      q, db->query("SELECT s.topic, count(*), t.fetched_at, "
                   "(SELECT max(p.created_at) FROM publish_topics pt JOIN publishes p ON p.id = pt.publish_id "
                   "WHERE pt.topic = s.topic) "
                   "FROM subscriptions s LEFT JOIN topics t ON t.topic = s.topic "
                   "WHERE s.expires_at > ? GROUP BY s.topic ORDER BY s.topic LIMIT ? OFFSET ?"));
  q->bind(1, to_unix_ms(now)).bind(2, static_cast<std::int64_t>(limit)).bind(3, static_cast<std::int64_t>(offset));
  std::vector<TopicRecord> out;
  auto s = q->for_each([&](const Query& row) {
    TopicRecord t;
    t.topic = row.text(0);
    t.subscribers = row.int64(1);
    if (auto v = row.optional_int64(2)) {
      t.last_fetched_at = from_unix_ms(*v);
    }
    if (auto v = row.optional_int64(3)) {
      t.last_published_at = from_unix_ms(*v);
    }
    out.push_back(std::move(t));
  });
  HUBBUB_TRY(s);
  return out;
}

Result<std::vector<DeliveryRecord>> SqliteStore::list_dead_letters(std::size_t limit, std::size_t offset) {
  static const std::string sql = std::string("SELECT ") + k_delivery_record_columns +
                                 " FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
                                 "WHERE d.state = 2 ORDER BY d.updated_at DESC LIMIT ? OFFSET ?";
  auto db = reader();
  HUBBUB_TRY_ASSIGN(q, db->query(sql.c_str()));
  q->bind(1, static_cast<std::int64_t>(limit)).bind(2, static_cast<std::int64_t>(offset));
  std::vector<DeliveryRecord> out;
  HUBBUB_TRY(q->for_each([&](const Query& row) -> Status {
    HUBBUB_TRY_ASSIGN(d, read_delivery_record(row));
    out.push_back(std::move(*d));
    return {};
  }));
  return out;
}

Result<bool> SqliteStore::retry_dead_letter(std::int64_t id, TimePoint now) {
  auto n = changed_rows(
      "UPDATE deliveries SET state = 0, attempts = 0, due_at = ?1, claimed_until = NULL, updated_at = ?1 "
      "WHERE id = ?2 AND state = 2",
      [&](Query& q) { q.bind(1, to_unix_ms(now)).bind(2, id); });
  HUBBUB_TRY(n);
  return *n > 0;
}

Result<std::optional<std::size_t>> SqliteStore::replay_to_subscription(std::int64_t id, const ReplaySelection& which,
                                                                       TimePoint now) {
  std::optional<std::size_t> queued;
  auto s = m_writer.run([&](Database& db) -> Status {
    queued.reset();  // a job may run twice (group_commit.h)
    const std::int64_t t = to_unix_ms(now);
    HUBBUB_TRY_ASSIGN(sub, db.query("SELECT 1 FROM subscriptions WHERE id = ? AND expires_at > ?"));
    sub->bind(1, id).bind(2, t);
    HUBBUB_TRY_ASSIGN(found, sub->step());
    if (!*found) {
      return {};
    }
    // The notifications of the topic: contents a publish topic distributed
    // (each once, with the first publish topic that did), oldest first.
    HUBBUB_TRY_ASSIGN(
        q, db.query("INSERT INTO deliveries (publish_topic_id, content_id, subscription_id, origin, delivery_id, "
                    "published_at, state, attempts, due_at, created_at, updated_at, replay) "
                    "SELECT n.publish_topic_id, n.content_id, s.id, hubbub_origin(s.callback), "
                    "lower(hex(randomblob(12))), ?2, 0, 0, ?2, ?2, ?2, 1 "
                    "FROM subscriptions s, (SELECT c.id AS content_id, min(t.id) AS publish_topic_id "
                    "FROM contents c JOIN publish_topics t ON t.content_id = c.id AND t.state = 1 "
                    "WHERE c.topic = (SELECT topic FROM subscriptions WHERE id = ?1) AND c.created_at >= ?3 "
                    "GROUP BY c.id ORDER BY c.id DESC LIMIT ?4) n WHERE s.id = ?1 ORDER BY n.content_id"));
    q->bind(1, id)
        .bind(2, t)
        .bind(3, which.since ? to_unix_ms(*which.since) : std::int64_t{0})
        .bind(4, static_cast<std::int64_t>(which.last > 0 ? std::min(which.last, k_max_replay) : k_max_replay));
    HUBBUB_TRY(q->run());
    queued = static_cast<std::size_t>(db.changes());
    return {};
  });
  HUBBUB_TRY(s);
  return queued;
}

Result<std::optional<std::size_t>> SqliteStore::replay_publish(std::string_view token, TimePoint now) {
  std::optional<std::size_t> queued;
  auto s = m_writer.run([&](Database& db) -> Status {
    queued.reset();  // a job may run twice (group_commit.h)
    const std::int64_t t = to_unix_ms(now);
    HUBBUB_TRY_ASSIGN(publish, db.query("SELECT id FROM publishes WHERE token = ?"));
    publish->bind(1, token);
    HUBBUB_TRY_ASSIGN(found, publish->step());
    if (!*found) {
      return {};
    }
    const std::int64_t publish_id = publish->int64(0);
    HUBBUB_TRY_ASSIGN(q, db.query("INSERT INTO deliveries (publish_topic_id, content_id, subscription_id, origin, "
                                  "delivery_id, published_at, state, attempts, due_at, created_at, updated_at, replay) "
                                  "SELECT t.id, t.content_id, s.id, hubbub_origin(s.callback), "
                                  "lower(hex(randomblob(12))), ?2, 0, 0, ?2, ?2, ?2, 1 "
                                  "FROM publish_topics t JOIN subscriptions s ON s.topic = t.topic "
                                  "AND s.expires_at > ?2 WHERE t.publish_id = ?1 AND t.state = 1 "
                                  "AND t.content_id IS NOT NULL ORDER BY t.id, s.id"));
    q->bind(1, publish_id).bind(2, t);
    HUBBUB_TRY(q->run());
    queued = static_cast<std::size_t>(db.changes());
    return {};
  });
  HUBBUB_TRY(s);
  return queued;
}

}  // namespace hubbub
