// 95: the dashboard's server side (issue: operating Hubbub): the page for
// browsers, its files, and GET /stats. The page itself runs in headless
// Chromium in tests/browser/dashboard_test.mjs.

#include <catch2/catch.hpp>

#include "hub_fixture.h"

using namespace hubbub::test;
using nlohmann::json;

TEST_CASE("GET / gives browsers the dashboard and other clients the text page", "[integration][dashboard]") {
  HubFixture f;
  const HttpReply page = http_get(f.hub.url("/"), {"Accept: text/html,application/xhtml+xml,*/*;q=0.8"});
  CHECK(page.status == 200);
  CHECK(page.header("content-type").starts_with("text/html"));
  CHECK(page.body.find("<script src=\"/dashboard.js\" defer>") != std::string::npos);
  CHECK(page.body.find(f.hub.url("/")) != std::string::npos);  // the hub's URL, filled in
  CHECK(page.body.find("{{") == std::string::npos);
  const std::string csp = page.header("content-security-policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self'") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(page.header("x-content-type-options") == "nosniff");

  const HttpReply plain = http_get(f.hub.url("/"));
  CHECK(plain.status == 200);
  CHECK(plain.header("content-type").starts_with("text/plain"));
  CHECK(plain.body.find("a WebSub hub") != std::string::npos);

  const HttpReply script = http_get(f.hub.url("/dashboard.js"));
  CHECK(script.status == 200);
  CHECK(script.header("content-type").starts_with("text/javascript"));
  CHECK(script.body.find("refreshStats") != std::string::npos);
  const HttpReply style = http_get(f.hub.url("/dashboard.css"));
  CHECK(style.status == 200);
  CHECK(style.header("content-type").starts_with("text/css"));
  CHECK(http_get(f.hub.url("/dashboard.html")).status == 404);
  const HttpReply post = http_request("POST", f.hub.url("/dashboard.js"), "", {});
  CHECK(post.status == 405);
  CHECK(post.header("allow") == "GET, HEAD");
}

TEST_CASE("the dashboard follows a hub under a path (--public-url)", "[integration][dashboard]") {
  HubFixture f({"--public-url", "http://hub.example/websub/"});
  const HttpReply page = http_get(f.hub.url("/websub/"), {"Accept: text/html"});
  CHECK(page.status == 200);
  CHECK(page.body.find("<script src=\"/websub/dashboard.js\" defer>") != std::string::npos);
  CHECK(page.body.find("content=\"/websub\"") != std::string::npos);
  CHECK(http_get(f.hub.url("/websub/dashboard.js")).status == 200);
  CHECK(http_get(f.hub.url("/websub/stats")).status == 200);
  CHECK(http_get(f.hub.url("/dashboard.js")).status == 404);
}

TEST_CASE("GET /stats: counts and deliveries and failures per minute over the last hour", "[integration][dashboard]") {
  // The 503 is retried only after an hour, so exactly one failure is counted
  // however slowly the machine runs.
  HubFixture f({"--retry-base", "3600"});
  TestHttpServer topic([](const RecordedRequest&) {
    CannedResponse r;
    r.body = "<feed/>";
    return r;
  });
  TestHttpServer failing(statuses({503}));
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", topic.url("/feed"), f.callback.url("/cb"))["state"] == "verified");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", topic.url("/feed"), failing.url("/cb"))["state"] == "verified");
  publish(f.hub, {{"hub.url", topic.url("/feed")}});
  json stats;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  // The minute counts move when an attempt ends, the queue counts when its
  // outcome is committed, a moment later: wait for both.
  while (std::chrono::steady_clock::now() < deadline &&
         (delivered < 1 || failed < 1 || stats["counts"]["pending_deliveries"] != 1)) {
    const HttpReply reply = http_get(f.hub.url("/stats"));
    REQUIRE(reply.status == 200);
    CHECK(reply.header("content-type") == "application/json");
    stats = json::parse(reply.body);
    delivered = failed = 0;
    for (const auto& minute : stats["activity"]) {
      delivered += minute["delivered"].get<std::uint64_t>();
      failed += minute["failed"].get<std::uint64_t>();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  CHECK(delivered == 1);
  CHECK(failed == 1);  // the 503, retried in an hour
  CHECK(stats["activity"].size() == 60);
  CHECK(stats["activity"].back()["delivered"].get<std::uint64_t>() +
            stats["activity"][58]["delivered"].get<std::uint64_t>() ==
        1);
  CHECK(stats["counts"]["active_subscriptions"] == 2);
  CHECK(stats["counts"]["active_topics"] == 1);
  CHECK(stats["counts"]["pending_deliveries"] == 1);
  CHECK(stats["hub_url"] == f.hub.url("/"));
  CHECK(stats["version"] == HUBBUB_VERSION);
  // Public, like /metrics: no topic or callback appears.
  CHECK(stats.dump().find("127.0.0.1:" + std::to_string(topic.port())) == std::string::npos);
  CHECK(stats.dump().find("/cb") == std::string::npos);
}
