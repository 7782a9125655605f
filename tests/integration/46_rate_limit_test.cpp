// 46: rate limits at the hub endpoint (reliability-plan.md A1, A2, I13): 429
// with Retry-After once over budget, other clients still served, trusted
// proxies and exempt clients. These hubs run without the test harness's
// exemption for 127.0.0.1.

#include <catch2/catch.hpp>

#include "hub_fixture.h"

using namespace hubbub::test;

namespace {

HttpReply subscribe_as(const HubProcess& hub, const std::string& client, const std::string& callback) {
  return http_post_form(
      hub.url("/"),
      form({{"hub.mode", "subscribe"}, {"hub.topic", "http://publisher.example/feed"}, {"hub.callback", callback}}),
      {"X-Forwarded-For: " + client});
}

}  // namespace

TEST_CASE("subscription requests over a client's budget get 429 with Retry-After, others are still served",
          "[integration][rate_limit][A1]") {
  TempDir dir;
  TestHttpServer callback;
  HubProcess hub(dir.file("hub.db"), {"--allow-private-networks", "--subscribe-rate-per-client", "1",
                                      "--trusted-proxies", "127.0.0.1", "--rate-limit-exempt", "198.51.100.9"});
  int accepted = 0;
  HttpReply limited;
  for (int i = 0; i < 15; ++i) {
    const HttpReply r = subscribe_as(hub, "198.51.100.1", callback.url("/a/" + std::to_string(i)));
    if (r.status == 202) {
      ++accepted;
    } else {
      limited = r;
    }
  }
  CHECK(accepted == 10);  // 10 seconds of burst at 1 a second
  REQUIRE(limited.status == 429);
  CHECK(limited.header("retry-after") == "1");
  CHECK(limited.header("content-type").starts_with("text/plain"));
  CHECK(limited.body.find("too many subscription requests") != std::string::npos);
  // Another client, and an exempt one, are served.
  CHECK(subscribe_as(hub, "198.51.100.2", callback.url("/b")).status == 202);
  for (int i = 0; i < 30; ++i) {
    CHECK(subscribe_as(hub, "198.51.100.9", callback.url("/exempt/" + std::to_string(i))).status == 202);
  }
  // Nothing was sent for the refused requests: one verification GET per 202.
  REQUIRE(callback.wait_for_requests(41, std::chrono::seconds{10}));
  std::this_thread::sleep_for(std::chrono::milliseconds{200});
  CHECK(callback.request_count() == 41);
  const std::string metrics = http_get(hub.url("/metrics")).body;
  CHECK(metrics.find("hubbub_requests_total{mode=\"subscribe\",status=\"429\"} 5") != std::string::npos);
}

TEST_CASE("the same callback subscribed again and again is limited (I13), and publish pings per client",
          "[integration][rate_limit]") {
  TempDir dir;
  TestHttpServer callback;
  HubProcess hub(dir.file("hub.db"), {"--allow-private-networks", "--subscribe-rate-per-callback", "0.5",
                                      "--publish-rate-per-client", "0.3"});
  int accepted = 0;
  for (int i = 0; i < 20; ++i) {
    accepted += subscribe(hub, "subscribe", "http://publisher.example/feed", callback.url("/same")).status == 202;
  }
  CHECK(accepted == 5);
  int pings = 0;
  HttpReply limited;
  for (int i = 0; i < 10; ++i) {
    const HttpReply r = publish(hub, {{"hub.url", "http://publisher.example/feed"}});
    if (r.status == 202) {
      ++pings;
    } else {
      limited = r;
    }
  }
  CHECK(pings == 3);
  CHECK(limited.status == 429);
  CHECK(limited.header("retry-after") == "4");  // 1 / 0.3 a second, rounded up
}

TEST_CASE("X-Forwarded-For from an untrusted peer is ignored: the peer is the client", "[integration][rate_limit]") {
  TempDir dir;
  TestHttpServer callback;
  HubProcess hub(dir.file("hub.db"), {"--allow-private-networks", "--subscribe-rate-per-client", "0.5"});
  int accepted = 0;
  for (int i = 0; i < 10; ++i) {
    // A different forged address each time: all count against 127.0.0.1.
    accepted +=
        subscribe_as(hub, "198.51.100." + std::to_string(i), callback.url("/f/" + std::to_string(i))).status == 202;
  }
  CHECK(accepted == 5);
}

TEST_CASE("caps on subscriptions per topic and per callback host: 429, renewals still accepted",
          "[integration][rate_limit][A3]") {
  TempDir dir;
  TestHttpServer callback;
  TestHttpServer other_host;
  HubProcess hub(dir.file("hub.db"), {"--allow-private-networks", "--max-subscriptions-per-topic", "3",
                                      "--max-subscriptions-per-callback-host", "4"});
  const std::string feed = "http://publisher.example/feed";
  for (int i = 0; i < 3; ++i) {
    REQUIRE(subscribe_and_settle(hub, "subscribe", feed, callback.url("/t/" + std::to_string(i)))["state"] ==
            "verified");
  }
  const HttpReply capped = subscribe(hub, "subscribe", feed, other_host.url("/t/3"));
  CHECK(capped.status == 429);
  CHECK(capped.header("retry-after") == "3600");
  CHECK(capped.body.find("this topic has 3 subscriptions") != std::string::npos);
  // A renewal of an existing subscription is not a new one.
  CHECK(subscribe_and_settle(hub, "subscribe", feed, callback.url("/t/0"))["state"] == "verified");
  // Unsubscribing is never capped.
  CHECK(subscribe(hub, "unsubscribe", feed, other_host.url("/t/3")).status == 202);

  REQUIRE(subscribe_and_settle(hub, "subscribe", feed + "2", callback.url("/h/4"))["state"] == "verified");
  const HttpReply host_capped = subscribe(hub, "subscribe", feed + "3", callback.url("/h/5"));
  CHECK(host_capped.status == 429);
  CHECK(host_capped.body.find("the callback's host has 4 subscriptions") != std::string::npos);
  CHECK(subscribe(hub, "subscribe", feed + "3", other_host.url("/h/5")).status == 202);  // another host
}

TEST_CASE("requests waiting for verification are capped per callback host, across many clients and a restart",
          "[integration][rate_limit][A2]") {
  TempDir dir;
  // The victim answers 503 for now: its verifications are retried, so its
  // requests stay pending.
  TestHttpServer victim([](const RecordedRequest&) { return CannedResponse{503}; });
  TestHttpServer other_host;
  const std::vector<std::string> args = {"--allow-private-networks",
                                         "--trusted-proxies",
                                         "127.0.0.1",
                                         "--rate-limit-exempt",
                                         "198.51.100.9",
                                         "--max-pending-verifications-per-callback-host",
                                         "3",
                                         "--retry-base",
                                         "0.5",
                                         "--verification-attempts",
                                         "20"};
  auto hub = std::make_unique<HubProcess>(dir.file("hub.db"), args);
  std::vector<std::string> monitors;
  for (int i = 0; i < 3; ++i) {
    const HttpReply r =
        subscribe_as(*hub, "198.51.100." + std::to_string(i + 1), victim.url("/v/" + std::to_string(i)));
    REQUIRE(r.status == 202);
    const std::string location = r.header("location");
    monitors.push_back(location.substr(location.find("/requests/")));  // the restarted hub has another port
  }
  const HttpReply capped = subscribe_as(*hub, "198.51.100.4", victim.url("/v/3"));
  CHECK(capped.status == 429);
  CHECK(capped.header("retry-after") == "60");
  CHECK(capped.header("content-type").starts_with("text/plain"));
  CHECK(capped.body.find("waiting for verification (3)") != std::string::npos);
  // Another host is not affected, and an exempt client skips the cap.
  CHECK(subscribe_as(*hub, "198.51.100.5", other_host.url("/o")).status == 202);
  CHECK(subscribe_as(*hub, "198.51.100.9", victim.url("/exempt")).status == 202);

  // The counts are rebuilt from the database at start.
  hub->kill9();
  hub = std::make_unique<HubProcess>(dir.file("hub.db"), args);
  CHECK(subscribe_as(*hub, "198.51.100.6", victim.url("/v/4")).status == 429);

  // Once the victim answers, its requests settle and it may be sent more.
  victim.set_responder(echo_challenge);
  for (const auto& monitor : monitors) {
    CHECK(wait_settled(hub->url(monitor), std::chrono::seconds{30})["state"] == "verified");
  }
  HttpReply again;
  for (int i = 0; i < 100 && again.status != 202; ++i) {  // the exempt client's request settles too
    again = subscribe_as(*hub, "198.51.100.7", victim.url("/v/5"));
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  CHECK(again.status == 202);
  const std::string metrics = http_get(hub->url("/metrics")).body;
  CHECK(metrics.find("hubbub_requests_total{mode=\"subscribe\",status=\"429\"}") != std::string::npos);
}
