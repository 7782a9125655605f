// 70: health and readiness (GET /healthz, /readyz), and storage trouble: a
// database that does not take writes makes the hub answer 503, never crash,
// and recover when it takes writes again (reliability-plan.md C12).

#include <sqlite3.h>

#include <catch2/catch.hpp>

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

TEST_CASE("a database locked beyond busy_timeout: 503 with Retry-After, not ready, then recovery (C12)",
          "[integration][health]") {
  HubFixture f;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(f.database().c_str(), &db) == SQLITE_OK);
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
