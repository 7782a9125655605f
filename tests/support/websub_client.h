#pragma once
// What a subscriber does against a running hub, for integration tests:
// subscribe, poll a status monitor, and peek at the hub's database (read-only)
// where no HTTP surface shows the state yet.

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/pg_connection.h"
#include "support/http_call.h"
#include "support/hub_process.h"

namespace hubbub::test {

// A topic no test server serves, for tests of subscribing alone.
inline const std::string k_topic = "http://publisher.example/feed";

inline HttpReply subscribe(const HubProcess& hub, const std::string& mode, const std::string& topic,
                           const std::string& callback, std::vector<std::pair<std::string, std::string>> extra = {}) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"hub.mode", mode}, {"hub.topic", topic}, {"hub.callback", callback}};
  fields.insert(fields.end(), extra.begin(), extra.end());
  return http_post_form(hub.url("/"), form(fields));
}

// Polls a JSON monitor until `done` holds (bounded); returns the last JSON seen.
template <class Done>
nlohmann::json poll_json(const std::string& monitor, std::chrono::milliseconds timeout, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  nlohmann::json last;
  while (std::chrono::steady_clock::now() < deadline) {
    const HttpReply r = http_get(monitor);
    if (r.status == 200) {
      last = nlohmann::json::parse(r.body);
      if (done(last)) {
        return last;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return last;
}

// Polls a request monitor until its state is not "pending".
inline nlohmann::json wait_settled(const std::string& monitor,
                                   std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  return poll_json(monitor, timeout, [](const nlohmann::json& j) { return j["state"] != "pending"; });
}

// Subscribes (or unsubscribes) and waits for the outcome; returns the final
// monitor JSON.
inline nlohmann::json subscribe_and_settle(const HubProcess& hub, const std::string& mode, const std::string& topic,
                                           const std::string& callback,
                                           std::vector<std::pair<std::string, std::string>> extra = {},
                                           std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  const HttpReply r = subscribe(hub, mode, topic, callback, std::move(extra));
  REQUIRE(r.status == 202);
  return wait_settled(r.header("location"), timeout);
}

// Submits every subscription, then waits (bounded) until all are verified.
inline void subscribe_many(const HubProcess& hub, const std::string& database, const std::string& topic,
                           const std::vector<std::string>& callbacks,
                           std::vector<std::pair<std::string, std::string>> extra = {}) {
  std::vector<std::string> monitors;
  for (const auto& cb : callbacks) {
    const HttpReply r = subscribe(hub, "subscribe", topic, cb, extra);
    REQUIRE(r.status == 202);
    monitors.push_back(r.header("location"));
  }
  for (const auto& m : monitors) {
    REQUIRE(wait_settled(m, std::chrono::seconds{30})["state"] == "verified");
  }
  (void)database;
}

// Publishes with the given form fields; returns the answer.
inline HttpReply publish(const HubProcess& hub, std::vector<std::pair<std::string, std::string>> fields) {
  fields.insert(fields.begin(), {"hub.mode", "publish"});
  return http_post_form(hub.url("/"), form(fields));
}

// Polls a publish monitor until no fetch or delivery is owed (bounded).
inline nlohmann::json wait_published(const std::string& monitor,
                                     std::chrono::milliseconds timeout = std::chrono::seconds{20}) {
  return poll_json(monitor, timeout, [](const nlohmann::json& j) {
    for (const auto& t : j["topics"]) {
      if (t["state"] == "pending" || t["state"] == "distributing" || t["deliveries"]["pending"] != 0 ||
          t["deliveries"]["retrying"] != 0) {
        return false;
      }
    }
    return true;
  });
}

struct StoredSubscription {
  std::optional<std::string> secret;
  std::int64_t lease_seconds = 0;
  std::int64_t expires_at_ms = 0;
};

// The subscriptions row for (topic, callback), read straight from the hub's
// database: its SQLite file, or the PostgreSQL database a hub of this path
// uses (engine_database()).
inline std::vector<StoredSubscription> stored_subscriptions(const std::string& database, const std::string& topic,
                                                            const std::string& callback) {
  std::vector<StoredSubscription> out;
  if (const std::string uri = engine_database(database); is_postgres_uri(uri)) {
    auto db = PgConnection::connect(uri, "hubbub tests");
    REQUIRE(db);
    auto r = db->exec("SELECT secret, lease_seconds, expires_at FROM subscriptions WHERE topic = $1 AND callback = $2",
                      PgParams().add(std::string_view(topic)).add(std::string_view(callback)));
    REQUIRE(r);
    for (int row = 0; row < r->rows(); ++row) {
      out.push_back({r->optional_bytes(row, 0), r->int64(row, 1), r->int64(row, 2)});
    }
    return out;
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "SELECT secret, lease_seconds, expires_at FROM subscriptions "
                             "WHERE topic = ? AND callback = ?",
                             -1, &stmt, nullptr) == SQLITE_OK);
  sqlite3_bind_text(stmt, 1, topic.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 2, callback.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    StoredSubscription s;
    if (sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
      s.secret = std::string(static_cast<const char*>(sqlite3_column_blob(stmt, 0)), sqlite3_column_bytes(stmt, 0));
    }
    s.lease_seconds = sqlite3_column_int64(stmt, 1);
    s.expires_at_ms = sqlite3_column_int64(stmt, 2);
    out.push_back(s);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

// The first row of `sql` (SQL both engines read alike, integers only), run
// on the hub's database as stored_subscriptions() finds it.
inline std::vector<std::int64_t> stored_row(const std::string& database, const std::string& sql) {
  std::vector<std::int64_t> out;
  if (const std::string uri = engine_database(database); is_postgres_uri(uri)) {
    auto db = PgConnection::connect(uri, "hubbub tests");
    REQUIRE(db);
    auto r = db->exec(sql.c_str());
    REQUIRE(r);
    REQUIRE(r->rows() > 0);
    for (int c = 0; c < r->columns(); ++c) {
      out.push_back(r->is_null(0, c) ? 0 : r->int64(0, c));
    }
    return out;
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
    out.push_back(sqlite3_column_int64(stmt, c));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

inline std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Options every integration hub runs with: loopback callbacks allowed, fast
// retries (unless `more` sets --retry-base itself).
inline std::vector<std::string> test_hub_args(std::vector<std::string> more = {}) {
  // Tests drive the hub from 127.0.0.1 at full speed, like an operator's own
  // publisher: exempt from rate limits (46_rate_limit_test.cpp runs without).
  std::vector<std::string> args = {"--allow-private-networks", "--log-level", "debug", "--rate-limit-exempt",
                                   "127.0.0.1"};
  if (std::find(more.begin(), more.end(), "--retry-base") == more.end()) {
    args.insert(args.end(), {"--retry-base", "0.05"});
  }
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace hubbub::test
