#include "store/sqlite_store.h"

#include "store/sqlite_rows.h"

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

}  // namespace hubbub
