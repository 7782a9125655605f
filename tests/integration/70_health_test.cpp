// 70: health and readiness (GET /healthz, /readyz), and storage trouble: a
// database that does not take writes makes the hub answer 503, never crash,
// and recover when it takes writes again (reliability-plan.md C11, C12).

#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <thread>

#include "hub_fixture.h"

using namespace hubbub::test;

TEST_CASE("healthz and readyz answer 200 on a working hub", "[integration][health]") {
  HubFixture f;
  const HttpReply health = http_get(f.hub.url("/healthz"));
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
  const HttpReply ready = http_get(f.hub.url("/readyz"));
  CHECK(ready.status == 200);
  CHECK(ready.body == "ready\n");
  CHECK(http_request("POST", f.hub.url("/readyz"), "", {}).status == 405);
}

TEST_CASE("a database locked beyond busy_timeout: 503 with Retry-After, not ready, then recovery",
          "[integration][health][C12][sqlite_only]") {
  HubFixture f;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(f.database().c_str(), &db) == SQLITE_OK);
  // The hub may be in the middle of one of its own small writes (readiness,
  // housekeeping): wait for it rather than fail (seen under ASan in CI).
  sqlite3_busy_timeout(db, 5000);
  REQUIRE(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);

  const HttpReply refused = subscribe(f.hub, "subscribe", "http://publisher.example/feed", f.callback.url("/cb"));
  // Readiness answers at once from the writer's latest outcome (bounded poll).
  HttpReply ready;
  for (int i = 0; i < 100; ++i) {
    ready = http_get(f.hub.url("/readyz"));
    if (ready.status == 503) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  CHECK(ready.status == 503);
  CHECK(ready.body.find("does not take writes") != std::string::npos);
  CHECK(refused.status == 503);
  CHECK_FALSE(refused.header("retry-after").empty());
  CHECK(refused.header("content-type").starts_with("text/plain"));
  CHECK(http_get(f.hub.url("/healthz")).status == 200);  // alive all along

  REQUIRE(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
    status = static_cast<int>(http_get(f.hub.url("/readyz")).status);
  }
  CHECK(status == 200);
  CHECK(subscribe_and_settle(f.hub, "subscribe", "http://publisher.example/feed", f.callback.url("/cb"))["state"] ==
        "verified");
  // Nothing was acknowledged while locked, so nothing is owed: one verification only.
  CHECK(f.callback.request_count() == 1);
}

TEST_CASE("GET /metrics counts requests, verifications, fetches and deliveries (Prometheus text)",
          "[integration][health]") {
  HubFixture f;
  TestHttpServer topic([](const RecordedRequest&) {
    CannedResponse r;
    r.body = "<feed/>";
    return r;
  });
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", topic.url("/feed"), f.callback.url("/cb"))["state"] == "verified");
  CHECK(http_post_form(f.hub.url("/"), "hub.mode=bogus").status == 400);
  const HttpReply ping = publish(f.hub, {{"hub.url", topic.url("/feed")}});
  REQUIRE(wait_published(ping.header("location"))["topics"][0]["deliveries"]["delivered"] == 1);

  const HttpReply m = http_get(f.hub.url("/metrics"));
  REQUIRE(m.status == 200);
  CHECK(m.header("content-type").starts_with("text/plain; version=0.0.4"));
  for (const char* line : {
           "hubbub_requests_total{mode=\"subscribe\",status=\"202\"} 1\n",
           "hubbub_requests_total{mode=\"publish\",status=\"202\"} 1\n",
           "hubbub_requests_total{mode=\"invalid\",status=\"400\"} 1\n",
           "hubbub_verifications_total{mode=\"subscribe\",outcome=\"verified\"} 1\n",
           "hubbub_fetches_total{outcome=\"distributed\"} 1\n",
           "hubbub_deliveries_total{outcome=\"delivered\",status_class=\"2xx\"} 1\n",
           "hubbub_publish_to_delivery_seconds_count 1\n",
           "hubbub_verification_seconds_count 1\n",
           "hubbub_subscriptions_active 1\n",
           "hubbub_topics_active 1\n",
           "hubbub_queue_depth{queue=\"delivery\"} 0\n",
           "hubbub_dead_letters 0\n",
           "# TYPE hubbub_publish_to_delivery_seconds histogram\n",
       }) {
    INFO(line);
    CHECK(m.body.find(line) != std::string::npos);
  }
  CHECK(m.body.find("hubbub_build_info{version=\"") != std::string::npos);
}

TEST_CASE(
    "a full database (max_database_mb): 503 with Retry-After, nothing acknowledged, resumes when the cap is raised "
    "(C11)",
    "[integration][health][sqlite_only]") {
  TempDir dir;
  TestHttpServer callback;
  const std::string config = dir.file("hub.toml");
  std::ofstream(config) << "max_database_mb = 1\nallow_private_networks = true\nretry_base = 0.05\n";
  HubProcess hub(dir.file("hub.db"), {"--config", config});
  // Long callbacks and secrets fill a 1 MiB file within a few hundred requests.
  const std::string padding(1800, 'p');
  std::vector<std::string> accepted;
  HttpReply full;
  for (int i = 0; i < 3000; ++i) {
    const HttpReply r =
        subscribe(hub, "subscribe", "http://publisher.example/feed",
                  callback.url("/cb/" + std::to_string(i) + "/" + padding), {{"hub.secret", std::string(150, 's')}});
    if (r.status != 202) {
      full = r;
      break;
    }
    accepted.push_back(r.header("location"));
  }
  REQUIRE(full.status == 503);
  CHECK(accepted.size() > 50);
  CHECK_FALSE(full.header("retry-after").empty());
  CHECK(full.header("content-type").starts_with("text/plain"));
  CHECK(full.body.find("full") == std::string::npos);  // the cause goes to the log, not to clients
  CHECK(hub.log().find("full") != std::string::npos);
  CHECK(http_get(hub.url("/healthz")).status == 200);
  CHECK(subscribe(hub, "subscribe", "http://publisher.example/feed", callback.url("/more/" + padding),
                  {{"hub.secret", std::string(150, 's')}})
            .status == 503);
  // Not ready, and it stays so while the database refuses writes: small
  // rewrites that still succeed (the readiness row, a retry) never flip it.
  int ready = 0;
  for (int i = 0; i < 30; ++i) {
    const HttpReply r = http_get(hub.url("/readyz"));
    ready += r.status == 200 ? 1 : 0;
    if (i == 0) {
      CHECK(r.status == 503);
      CHECK(r.body.find("database") != std::string::npos);
    }
  }
  CHECK(ready == 0);

  // The operator raises the cap (as if space came back): work resumes.
  std::ofstream(config, std::ios::trunc) << "max_database_mb = 0\nallow_private_networks = true\nretry_base = 0.05\n";
  hub.send_signal(SIGHUP);
  REQUIRE(hub.wait_for_log("event=reloaded"));
  // Ready again once a write that needs room has gone through.
  const auto ready_by = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (http_get(hub.url("/readyz")).status != 200 && std::chrono::steady_clock::now() < ready_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  CHECK(http_get(hub.url("/readyz")).status == 200);
  CHECK(subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", callback.url("/after"))["state"] ==
        "verified");
  // Every request acknowledged before the disk filled is verified in the end.
  std::size_t verified = 0;
  for (const auto& monitor : accepted) {
    verified += wait_settled(monitor, std::chrono::seconds{30})["state"] == "verified" ? 1 : 0;
  }
  CHECK(verified == accepted.size());
  CHECK(hub.terminate() == 0);

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(dir.file("hub.db").c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "ok");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

namespace {

std::int64_t count_rows(const std::string& database, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const std::int64_t n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

std::string integrity(const std::string& database) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  std::string out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

// A consistent copy of a live database, as an operator's backup tool makes.
void backup(const std::string& from, const std::string& to) {
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  REQUIRE(sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_open(to.c_str(), &dst) == SQLITE_OK);
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  REQUIRE(b != nullptr);
  sqlite3_backup_step(b, -1);
  REQUIRE(sqlite3_backup_finish(b) == SQLITE_OK);
  REQUIRE(sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(dst);
  sqlite3_close(src);
}

}  // namespace

TEST_CASE("a backup renamed over the live database: noticed, nothing more acknowledged, no WAL replayed onto it",
          "[integration][health][C11][sqlite_only]") {
  TempDir dir;
  TestHttpServer callback;
  const std::string database = dir.file("hub.db");
  HubProcess hub(database, test_hub_args());
  REQUIRE(subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", callback.url("/before"))["state"] ==
          "verified");
  backup(database, dir.file("backup.db"));
  // Acknowledged after the backup was taken: in the live file's WAL only.
  const HttpReply late = subscribe(hub, "subscribe", "http://publisher.example/feed", callback.url("/late"));
  REQUIRE(late.status == 202);
  REQUIRE(wait_settled(late.header("location"))["state"] == "verified");
  REQUIRE(std::rename(dir.file("backup.db").c_str(), database.c_str()) == 0);

  const HttpReply refused = subscribe(hub, "subscribe", "http://publisher.example/feed", callback.url("/after"));
  CHECK(refused.status == 503);
  const HttpReply ready = http_get(hub.url("/readyz"));
  CHECK(ready.status == 503);
  INFO(ready.body);
  CHECK(ready.body.find("another file was put at") != std::string::npos);
  REQUIRE(hub.wait_for_log("event=database_detached"));
  // What was acknowledged is saved beside it.
  const std::string log = hub.log();
  const auto at = log.find("saved=\"");
  REQUIRE(at != std::string::npos);
  const std::string saved = log.substr(at + 7, log.find('"', at + 7) - at - 7);
  CHECK(count_rows(saved, "SELECT count(*) FROM subscriptions") == 2);

  hub.kill9();
  // The restored file is exactly the backup: the old WAL was not replayed onto it.
  CHECK(integrity(database) == "ok");
  CHECK(count_rows(database, "SELECT count(*) FROM subscriptions") == 1);
  HubProcess again(database, test_hub_args());
  CHECK(http_get(again.url("/readyz")).status == 200);
  CHECK(subscribe_and_settle(again, "subscribe", "http://publisher.example/feed", callback.url("/next"))["state"] ==
        "verified");
}

TEST_CASE("the live database deleted: noticed and not ready, nothing more acknowledged",
          "[integration][health][C11][sqlite_only]") {
  TempDir dir;
  TestHttpServer callback;
  const std::string database = dir.file("hub.db");
  HubProcess hub(database, test_hub_args());
  REQUIRE(subscribe_and_settle(hub, "subscribe", "http://publisher.example/feed", callback.url("/a"))["state"] ==
          "verified");
  REQUIRE(::unlink(database.c_str()) == 0);
  CHECK(subscribe(hub, "subscribe", "http://publisher.example/feed", callback.url("/b")).status == 503);
  const HttpReply ready = http_get(hub.url("/readyz"));
  CHECK(ready.status == 503);
  CHECK(ready.body.find("was deleted") != std::string::npos);
  CHECK(hub.wait_for_log("event=database_detached"));
  CHECK(hub.terminate() == 0);
  // A start afterwards makes a new database; no stray WAL is replayed into it.
  HubProcess again(database, test_hub_args());
  CHECK(http_get(again.url("/readyz")).status == 200);
  CHECK(count_rows(database, "SELECT count(*) FROM subscriptions") == 0);
}
