// 20: verification of intent (WebSub 5.3) and the subscription state it
// changes (5.1, 5.3.1): only an exact echo activates, failures leave the old
// state, leases expire.

#include <catch2/catch.hpp>

#include "hub_fixture.h"

using namespace hubbub::test;
using nlohmann::json;

namespace {

Responder always(int status, std::string body = "") {
  return [status, body](const RecordedRequest&) {
    CannedResponse r;
    r.status = status;
    r.body = body;
    return r;
  };
}

}  // namespace

TEST_CASE(
    "the verification GET carries mode, topic, a fresh challenge and the default 10-day lease (VER-01, VER-02, VER-10, "
    "VER-11)",
    "[integration][verify]") {
  HubFixture f;
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/a"))["state"] == "verified");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/a"))["state"] == "verified");
  const auto seen = f.callback.requests();
  REQUIRE(seen.size() == 2);
  for (const auto& req : seen) {
    CHECK(req.method == "GET");
    CHECK(req.body.empty());
    CHECK(req.param("hub.mode") == "subscribe");
    CHECK(req.param("hub.topic") == k_topic);
    CHECK(req.param("hub.lease_seconds") == "864000");
    const std::string challenge = req.param("hub.challenge");
    CHECK(challenge.size() >= 32);
    CHECK(challenge.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
  }
  CHECK(seen[0].param("hub.challenge") != seen[1].param("hub.challenge"));
  CHECK(seen[0].header("user-agent").starts_with("Hubbub/"));
}

TEST_CASE("a wrong echo, an echo with a newline, or an empty 2xx fails",
          "[integration][verify][VER-04][VER-06][I2][I3]") {
  HubFixture f;
  f.callback.set_responder(always(200, "wrong"));
  json j = subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/wrong"));
  CHECK(j["state"] == "failed");
  CHECK(j["last_error"].get<std::string>().find("did not echo") != std::string::npos);

  f.callback.set_responder([](const RecordedRequest& req) {
    CannedResponse r;
    r.body = req.param("hub.challenge") + "\n";
    return r;
  });
  CHECK(subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/newline"))["state"] == "failed");
  f.callback.set_responder(always(204));
  CHECK(subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/empty"))["state"] == "failed");
  CHECK(stored_subscriptions(f.database(), k_topic, f.callback.url("/wrong")).empty());
  CHECK(f.callback.request_count() == 3);  // definite answers are not retried
}

TEST_CASE("404 declines at once", "[integration][verify][VER-07][I4]") {
  HubFixture f;
  f.callback.set_responder(always(404));
  const json j = subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/cb"));
  CHECK(j["state"] == "failed");
  CHECK(j["attempts"] == 1);
  CHECK(j["last_error"].get<std::string>().find("HTTP 404") != std::string::npos);
  CHECK(f.callback.request_count() == 1);
}

TEST_CASE("a redirect answering a verification is a failure and is not followed",
          "[integration][verify][VER-05][D8][S12]") {
  HubFixture f;
  TestHttpServer elsewhere;  // would echo the challenge
  f.callback.set_responder([&](const RecordedRequest& req) {
    CannedResponse r;
    r.status = 302;
    r.headers.emplace_back("Location", elsewhere.url(req.target));
    return r;
  });
  const json j = subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/cb"));
  CHECK(j["state"] == "failed");
  CHECK(j["last_error"].get<std::string>().find("HTTP 302") != std::string::npos);
  CHECK(elsewhere.request_count() == 0);
}

TEST_CASE("5xx is retried with backoff, then verified", "[integration][verify][VER-14][I5]") {
  HubFixture f;
  std::atomic<int> calls{0};
  f.callback.set_responder([&](const RecordedRequest& req) {
    if (++calls <= 2) {
      CannedResponse r;
      r.status = 500;
      return r;
    }
    return echo_challenge(req);
  });
  const json j = subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/cb"));
  CHECK(j["state"] == "verified");
  CHECK(j["attempts"] == 3);
  const auto seen = f.callback.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[1].at - seen[0].at >= std::chrono::milliseconds{35});  // retry-base 0.05 s, -20 % jitter
  CHECK(seen[2].at - seen[1].at >= std::chrono::milliseconds{75});  // doubled
}

TEST_CASE("a callback that keeps failing ends 'failed' after the attempt limit", "[integration][verify][VER-14]") {
  HubFixture f({"--verification-attempts", "3"});
  f.callback.set_responder(always(503));
  const json j = subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/cb"));
  CHECK(j["state"] == "failed");
  CHECK(j["attempts"] == 3);
  CHECK(j["last_error"].get<std::string>().find("gave up after 3 attempts") != std::string::npos);
  CHECK(f.callback.request_count() == 3);
}

TEST_CASE("a hanging callback holds up no one else", "[integration][verify][I6]") {
  // The hanging verification is still under way when the other one settles:
  // no clock is involved (the hang ends when `hanging` stops, the timeout is
  // far away).
  HubFixture f({"--outbound-timeout", "600", "--verification-attempts", "1"});
  TestHttpServer hanging([](const RecordedRequest&) {
    CannedResponse r;
    r.hang = true;
    return r;
  });
  const HttpReply slow = subscribe(f.hub, "subscribe", k_topic, hanging.url("/cb"));
  REQUIRE(slow.status == 202);
  REQUIRE(hanging.wait_for_requests(1, std::chrono::seconds{30}));
  CHECK(subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/fast"))["state"] == "verified");
  CHECK(json::parse(http_get(slow.header("location")).body)["state"] == "pending");
}

TEST_CASE("a hanging callback times out and the request fails with the reason", "[integration][verify][I6]") {
  HubFixture f({"--outbound-timeout", "1", "--verification-attempts", "1"});
  TestHttpServer hanging([](const RecordedRequest&) {
    CannedResponse r;
    r.hang = true;
    return r;
  });
  const HttpReply slow = subscribe(f.hub, "subscribe", k_topic, hanging.url("/cb"));
  REQUIRE(slow.status == 202);
  const json j = wait_settled(slow.header("location"), std::chrono::seconds{30});
  CHECK(j["state"] == "failed");
  CHECK(j["last_error"].get<std::string>().find("timeout") != std::string::npos);
}

TEST_CASE("re-subscribing renews without duplicating", "[integration][verify][SUB-10][STATE-02][I11]") {
  HubFixture f;
  const std::string cb = f.callback.url("/cb");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, cb, {{"hub.lease_seconds", "600"}})["state"] == "verified");
  const auto first = stored_subscriptions(f.database(), k_topic, cb);
  std::this_thread::sleep_for(std::chrono::milliseconds{20});
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, cb, {{"hub.lease_seconds", "900"}})["state"] == "verified");
  const auto second = stored_subscriptions(f.database(), k_topic, cb);
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  CHECK(second[0].lease_seconds == 900);
  CHECK(second[0].expires_at_ms > first[0].expires_at_ms);
}

TEST_CASE(
    "a renewal replaces or clears the secret once verified, and a failed one keeps the old "
    "(SUB-12, SUB-13, SIG-07, I10)",
    "[integration][verify]") {
  HubFixture f;
  const std::string cb = f.callback.url("/cb");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, cb, {{"hub.secret", "old"}})["state"] == "verified");
  f.callback.set_responder(always(404));
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, cb, {{"hub.secret", "new"}})["state"] == "failed");
  CHECK(stored_subscriptions(f.database(), k_topic, cb).at(0).secret == "old");
  f.callback.set_responder(echo_challenge);
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, cb, {{"hub.secret", "new"}})["state"] == "verified");
  CHECK(stored_subscriptions(f.database(), k_topic, cb).at(0).secret == "new");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, cb)["state"] == "verified");
  CHECK_FALSE(stored_subscriptions(f.database(), k_topic, cb).at(0).secret);
}

TEST_CASE(
    "with --reconfirm-before the hub verifies intent again half a lease before it ends at the latest, and the echo "
    "renews the lease",
    "[integration][verify][reconfirm][STATE-09]") {
  HubFixture f({"--lease-min", "1", "--reconfirm-before", "3600"});
  const std::string cb = f.callback.url("/cb");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, cb, {{"hub.lease_seconds", "10"}, {"hub.secret", "k3y"}})
              .at("state") == "verified");
  const auto first = stored_subscriptions(f.database(), k_topic, cb).at(0);
  // Due 5 s after the verification (half the lease); the hub asks with the
  // subscription's own lease.
  REQUIRE(f.callback.wait_for_requests(2, std::chrono::seconds{30}));
  const RecordedRequest again = f.callback.requests().at(1);
  CHECK(again.method == "GET");
  CHECK(again.param("hub.mode") == "subscribe");
  CHECK(again.param("hub.topic") == k_topic);
  CHECK(again.param("hub.lease_seconds") == "10");
  CHECK(again.param("hub.challenge") != f.callback.requests().at(0).param("hub.challenge"));
  CHECK(f.hub.wait_for_log("event=reconfirmations_queued count=1"));
  // Confirmed by the echo: the lease runs again from this verification, and
  // the secret is kept.
  std::optional<StoredSubscription> renewed;
  for (int i = 0; i < 200 && !renewed; ++i) {
    const auto now = stored_subscriptions(f.database(), k_topic, cb);
    if (!now.empty() && now[0].expires_at_ms > first.expires_at_ms) {
      renewed = now[0];
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
  }
  REQUIRE(renewed);
  CHECK(renewed->lease_seconds == 10);
  CHECK(renewed->secret == "k3y");
}

TEST_CASE("unsubscribe is verified like subscribe and removes only its pair",
          "[integration][verify][STATE-01][STATE-04][VER-13][I12]") {
  HubFixture f;
  const std::string a = f.callback.url("/a");
  const std::string b = f.callback.url("/b");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, a)["state"] == "verified");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, b)["state"] == "verified");
  const json j = subscribe_and_settle(f.hub, "unsubscribe", k_topic, a);
  CHECK(j["state"] == "verified");
  CHECK(j["lease_seconds_granted"].is_null());
  const RecordedRequest last = f.callback.requests().back();
  CHECK(last.param("hub.mode") == "unsubscribe");
  CHECK_FALSE(last.has_param("hub.lease_seconds"));
  CHECK(stored_subscriptions(f.database(), k_topic, a).empty());
  CHECK(stored_subscriptions(f.database(), k_topic, b).size() == 1);
}

TEST_CASE("a declined unsubscribe leaves the subscription active", "[integration][verify][STATE-03][VER-13]") {
  HubFixture f;
  const std::string cb = f.callback.url("/cb");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, cb)["state"] == "verified");
  f.callback.set_responder(always(404));
  CHECK(subscribe_and_settle(f.hub, "unsubscribe", k_topic, cb)["state"] == "failed");
  CHECK(stored_subscriptions(f.database(), k_topic, cb).size() == 1);
}

TEST_CASE("unsubscribing an unknown pair is accepted and verified", "[integration][verify][D6][V20]") {
  HubFixture f;
  CHECK(subscribe_and_settle(f.hub, "unsubscribe", k_topic, f.callback.url("/never"))["state"] == "verified");
  CHECK(f.callback.requests().at(0).param("hub.mode") == "unsubscribe");
}

TEST_CASE("a policy denial sends hub.mode=denied with a reason and changes nothing",
          "[integration][verify][SUB-15][SUB-23][SUB-26][VAL-01][VAL-02]") {
  HubFixture f({"--topic-deny", "http://spam.example/*"});
  const json j = subscribe_and_settle(f.hub, "subscribe", "http://spam.example/feed", f.callback.url("/cb?k=v"));
  CHECK(j["state"] == "denied");
  const RecordedRequest seen = f.callback.requests().at(0);
  CHECK(seen.query.starts_with("k=v&hub.mode=denied&"));
  CHECK(seen.param("hub.topic") == "http://spam.example/feed");
  CHECK_FALSE(seen.param("hub.reason").empty());
  CHECK_FALSE(seen.has_param("hub.challenge"));
  CHECK(stored_subscriptions(f.database(), "http://spam.example/feed", f.callback.url("/cb?k=v")).empty());
  // Unsubscriptions are not validated (VAL-01).
  CHECK(subscribe_and_settle(f.hub, "unsubscribe", "http://spam.example/feed", f.callback.url("/cb"))["state"] ==
        "verified");
  // Callback-host rules too.
  HubFixture g({"--callback-host-allow", "*.allowed.example"});
  CHECK(subscribe_and_settle(g.hub, "subscribe", k_topic, g.callback.url("/cb"))["state"] == "denied");
}

TEST_CASE("leases run from the verification GET and expire, with no auto-refresh",
          "[integration][verify][VER-03][VER-09][STATE-05][STATE-09]") {
  HubFixture f({"--lease-min", "1"});
  const std::string cb = f.callback.url("/cb");
  const std::int64_t before = now_unix_ms();
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, cb, {{"hub.lease_seconds", "1"}})["state"] == "verified");
  const auto stored = stored_subscriptions(f.database(), k_topic, cb);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].lease_seconds == 1);
  CHECK(stored[0].expires_at_ms >= before + 1000);
  CHECK(stored[0].expires_at_ms <= now_unix_ms() + 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds{1100});
  CHECK(stored_subscriptions(f.database(), k_topic, cb).at(0).expires_at_ms <= now_unix_ms());
  // The hub does not re-verify on its own before or after expiry (STATE-09 is optional).
  CHECK(f.callback.request_count() == 1);
}

TEST_CASE("two callbacks on one topic are two subscriptions", "[integration][verify][STATE-04]") {
  HubFixture f;
  TestHttpServer other;
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, f.callback.url("/cb"))["state"] == "verified");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic, other.url("/cb"))["state"] == "verified");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", k_topic + "2", other.url("/cb"))["state"] == "verified");
  CHECK(stored_subscriptions(f.database(), k_topic, f.callback.url("/cb")).size() == 1);
  CHECK(stored_subscriptions(f.database(), k_topic, other.url("/cb")).size() == 1);
  CHECK(stored_subscriptions(f.database(), k_topic + "2", other.url("/cb")).size() == 1);
}
