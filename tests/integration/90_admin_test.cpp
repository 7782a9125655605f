// 90: the admin API (issue: operating Hubbub): bearer-token gated JSON to
// list, inspect and delete subscriptions, list topics, list and retry dead
// letters, force a re-verification, and replay notifications.

#include <catch2/catch.hpp>
#include <set>

#include "hub_fixture.h"
#include "util/percent_encoding.h"
#include "util/time_format.h"

using namespace hubbub::test;
using nlohmann::json;

namespace {

const std::string k_token = "admin-token-0123456789abcdef";

HttpReply admin(const HubProcess& hub, const std::string& method, const std::string& path) {
  return http_request(method, hub.url("/admin/" + path), "", {"Authorization: Bearer " + k_token});
}

}  // namespace

TEST_CASE("the admin API is off without a token and refuses wrong tokens without revealing anything",
          "[integration][admin]") {
  HubFixture off;
  CHECK(http_get(off.hub.url("/admin/subscriptions")).status == 404);

  HubFixture f({"--admin-token", k_token});
  const HttpReply none = http_get(f.hub.url("/admin/subscriptions"));
  CHECK(none.status == 401);
  CHECK(none.body == "unauthorized\n");
  const HttpReply wrong =
      http_request("GET", f.hub.url("/admin/subscriptions"), "", {"Authorization: Bearer not-the-token-00000000"});
  CHECK(wrong.status == 401);
  CHECK(wrong.body == "unauthorized\n");
  CHECK(admin(f.hub, "GET", "subscriptions").status == 200);
  CHECK(f.hub.log().find(k_token) == std::string::npos);  // never logged
}

TEST_CASE("admin: list, filter, inspect, reverify and delete subscriptions, list topics", "[integration][admin]") {
  HubFixture f({"--admin-token", k_token});
  TestHttpServer other;
  const std::string topic = "http://publisher.example/feed";
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", topic, f.callback.url("/a"), {{"hub.secret", "s3cr3t"}})["state"] ==
          "verified");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", topic + "2", f.callback.url("/b"))["state"] == "verified");

  const json all = json::parse(admin(f.hub, "GET", "subscriptions").body);
  REQUIRE(all["subscriptions"].size() == 2);
  const json by_topic = json::parse(admin(f.hub, "GET", "subscriptions?topic=" + hubbub::percent_encode(topic)).body);
  REQUIRE(by_topic["subscriptions"].size() == 1);
  const json sub = by_topic["subscriptions"][0];
  CHECK(sub["callback"] == f.callback.url("/a"));
  CHECK(sub["has_secret"] == true);
  CHECK(sub.dump().find("s3cr3t") == std::string::npos);  // secrets are never shown
  CHECK(json::parse(admin(f.hub, "GET", "subscriptions?callback_host=127.0.0.1").body)["subscriptions"].size() == 2);
  CHECK(json::parse(admin(f.hub, "GET", "subscriptions?callback_host=example.org").body)["subscriptions"].empty());
  // A callback host with its port, as it is shown elsewhere.
  const std::string host_port = f.callback.url("/").substr(7, f.callback.url("/").size() - 8);
  CHECK(json::parse(admin(f.hub, "GET", "subscriptions?callback_host=" + host_port).body)["subscriptions"].size() == 2);
  CHECK(json::parse(admin(f.hub, "GET", "subscriptions?callback_host=127.0.0.1:1").body)["subscriptions"].empty());

  const std::string id = std::to_string(sub["id"].get<long>());
  const json one = json::parse(admin(f.hub, "GET", "subscriptions/" + id).body);
  CHECK(one["topic"] == topic);
  CHECK(one["deliveries"].is_array());

  const json topics = json::parse(admin(f.hub, "GET", "topics").body);
  CHECK(topics["topics"].size() == 2);
  CHECK(topics["topics"][0]["subscribers"] == 1);

  const std::size_t before = f.callback.request_count();
  const HttpReply again = admin(f.hub, "POST", "subscriptions/" + id + "/reverify");
  REQUIRE(again.status == 202);
  CHECK(wait_settled(json::parse(again.body)["monitor"])["state"] == "verified");
  CHECK(f.callback.request_count() == before + 1);
  CHECK(stored_subscriptions(f.database(), topic, f.callback.url("/a")).at(0).secret == "s3cr3t");

  CHECK(admin(f.hub, "DELETE", "subscriptions/" + id).status == 204);
  CHECK(stored_subscriptions(f.database(), topic, f.callback.url("/a")).empty());
  CHECK(admin(f.hub, "GET", "subscriptions/" + id).status == 404);
  CHECK(admin(f.hub, "GET", "subscriptions/nope").status == 404);
  CHECK(admin(f.hub, "PUT", "subscriptions").status == 405);
}

TEST_CASE("admin: dead letters are listed and can be retried", "[integration][admin]") {
  HubFixture f({"--admin-token", k_token, "--delivery-attempts", "1"});
  TestHttpServer topic([](const RecordedRequest&) {
    CannedResponse r;
    r.body = "<feed/>";
    return r;
  });
  auto failing = std::make_shared<std::atomic<bool>>(true);
  f.callback.set_responder([failing](const RecordedRequest& req) {
    if (req.method == "GET") {
      return echo_challenge(req);
    }
    CannedResponse r;
    r.status = failing->load() ? 500 : 204;
    return r;
  });
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", topic.url("/feed"), f.callback.url("/cb"))["state"] == "verified");
  const json first = wait_published(publish(f.hub, {{"hub.url", topic.url("/feed")}}).header("location"));
  REQUIRE(first["topics"][0]["deliveries"]["failed"] == 1);

  const json dead = json::parse(admin(f.hub, "GET", "dead-letters").body);
  REQUIRE(dead["dead_letters"].size() == 1);
  CHECK(dead["dead_letters"][0]["state"] == "dead");
  CHECK(dead["dead_letters"][0]["last_status"] == 500);
  const std::string id = std::to_string(dead["dead_letters"][0]["id"].get<long>());

  // The subscription view shows its last delivery; recent failures say why.
  const json subs = json::parse(admin(f.hub, "GET", "subscriptions").body);
  REQUIRE(subs["subscriptions"].size() == 1);
  CHECK(subs["subscriptions"][0]["last_delivery"]["state"] == "dead");
  CHECK(subs["subscriptions"][0]["last_delivery"]["last_status"] == 500);
  const json failures = json::parse(admin(f.hub, "GET", "failures").body);
  REQUIRE(failures["failures"].size() == 1);
  CHECK(failures["failures"][0]["kind"] == "delivery");
  CHECK(failures["failures"][0]["outcome"] == "dead");
  CHECK(failures["failures"][0]["status"] == 500);
  CHECK(failures["failures"][0]["callback"] == f.callback.url("/cb"));
  CHECK(failures["failures"][0]["reason"] == "HTTP 500");
  CHECK(http_get(f.hub.url("/admin/failures")).status == 401);

  failing->store(false);
  CHECK(admin(f.hub, "POST", "dead-letters/" + id + "/retry").status == 202);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  std::size_t posts = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    posts = 0;
    for (const auto& r : f.callback.requests()) {
      posts += r.method == "POST" ? 1 : 0;
    }
    if (posts >= 2) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  CHECK(posts == 2);
  CHECK(json::parse(admin(f.hub, "GET", "dead-letters").body)["dead_letters"].empty());
  CHECK(admin(f.hub, "POST", "dead-letters/" + id + "/retry").status == 404);  // no longer dead
}

TEST_CASE("admin: replay a topic's notifications to one subscription, and a publish to its topic's subscribers",
          "[integration][admin][replay]") {
  HubFixture f({"--admin-token", k_token});
  auto version = std::make_shared<std::atomic<int>>(0);
  TestHttpServer topic([version](const RecordedRequest&) {
    CannedResponse r;
    r.headers.emplace_back("Content-Type", "application/atom+xml");
    r.body = "<feed>v" + std::to_string(++*version) + "</feed>";
    return r;
  });
  const std::string feed = topic.url("/feed");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", feed, f.callback.url("/a"))["state"] == "verified");
  REQUIRE(subscribe_and_settle(f.hub, "subscribe", feed, f.callback.url("/b"))["state"] == "verified");
  std::vector<std::string> publishes;  // monitor ids
  std::string since;
  for (int i = 0; i < 3; ++i) {
    if (i == 1) {
      since = hubbub::format_rfc3339(hubbub::from_unix_ms(now_unix_ms()));
    }
    const HttpReply r = publish(f.hub, {{"hub.url", feed}});
    REQUIRE(r.status == 202);
    REQUIRE(wait_published(r.header("location"))["topics"][0]["deliveries"]["delivered"] == 2);
    publishes.push_back(r.header("location").substr(r.header("location").rfind('/') + 1));
  }
  auto posts_to = [&](const std::string& path) {
    std::vector<RecordedRequest> out;
    for (const auto& r : f.callback.requests()) {
      if (r.method == "POST" && r.path == path) {
        out.push_back(r);
      }
    }
    return out;
  };
  auto wait_posts_to = [&](const std::string& path, std::size_t n) {
    for (int i = 0; i < 1000 && posts_to(path).size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return posts_to(path);
  };
  const auto originals = posts_to("/a");
  REQUIRE(originals.size() == 3);
  const json subs = json::parse(admin(f.hub, "GET", "subscriptions").body);
  std::string a_id;
  for (const auto& s : subs["subscriptions"]) {
    if (s["callback"] == f.callback.url("/a")) {
      a_id = std::to_string(s["id"].get<long>());
    }
  }
  REQUIRE_FALSE(a_id.empty());

  // Since a time: the second and third notifications, again, to /a alone.
  const HttpReply replay =
      admin(f.hub, "POST", "subscriptions/" + a_id + "/replay?since=" + hubbub::percent_encode(since));
  REQUIRE(replay.status == 202);
  CHECK(json::parse(replay.body)["queued"] == 2);
  auto to_a = wait_posts_to("/a", 5);
  REQUIRE(to_a.size() == 5);
  std::set<std::string> bodies;
  for (std::size_t i = 3; i < 5; ++i) {
    CHECK(to_a[i].header("x-hub-replay") == "true");
    CHECK(to_a[i].header("content-type") == "application/atom+xml");
    for (const auto& o : originals) {
      CHECK(to_a[i].header("x-hub-delivery-id") != o.header("x-hub-delivery-id"));  // a new delivery id
    }
    bodies.insert(to_a[i].body);
  }
  CHECK(bodies == std::set<std::string>{"<feed>v2</feed>", "<feed>v3</feed>"});
  CHECK(originals[0].header("x-hub-replay").empty());
  CHECK(posts_to("/b").size() == 3);

  // The last one.
  const HttpReply last = admin(f.hub, "POST", "subscriptions/" + a_id + "/replay?last=1");
  REQUIRE(last.status == 202);
  CHECK(json::parse(last.body)["queued"] == 1);
  to_a = wait_posts_to("/a", 6);
  REQUIRE(to_a.size() == 6);
  CHECK(to_a[5].body == "<feed>v3</feed>");
  CHECK(f.hub.wait_for_log("event=admin_replay subscription=" + a_id + " queued=1"));

  // A whole publish, to every subscriber of its topic.
  const HttpReply again = admin(f.hub, "POST", "publishes/" + publishes[0] + "/replay");
  REQUIRE(again.status == 202);
  CHECK(json::parse(again.body)["queued"] == 2);
  const auto to_b = wait_posts_to("/b", 4);
  REQUIRE(to_b.size() == 4);
  CHECK(to_b[3].body == "<feed>v1</feed>");
  CHECK(to_b[3].header("x-hub-replay") == "true");
  CHECK(wait_posts_to("/a", 7).back().body == "<feed>v1</feed>");
  // Its monitor still counts the publish's own deliveries, not the replays.
  CHECK(wait_published(f.hub.url("/publishes/" + publishes[0]))["topics"][0]["deliveries"]["delivered"] == 2);

  // Refusals: clear, text/plain, nothing queued.
  for (const char* bad :
       {"", "?since=yesterday", "?last=0", "?last=ten", "?last=10001", "?since=2026-01-01T00:00:00Z&last=1"}) {
    INFO(bad);
    const HttpReply r = admin(f.hub, "POST", "subscriptions/" + a_id + "/replay" + bad);
    CHECK(r.status == 400);
    CHECK(r.header("content-type").starts_with("text/plain"));
  }
  CHECK(admin(f.hub, "GET", "subscriptions/" + a_id + "/replay?last=1").status == 405);
  CHECK(admin(f.hub, "POST", "subscriptions/999999/replay?last=1").status == 404);
  CHECK(admin(f.hub, "POST", "publishes/no-such-publish/replay").status == 404);
  CHECK(http_request("POST", f.hub.url("/admin/publishes/" + publishes[0] + "/replay"), "", {}).status == 401);
  CHECK(posts_to("/a").size() == 7);
}

TEST_CASE("admin: a page of 1000 subscriptions is answered whole, beyond Pistache's default response size",
          "[integration][admin]") {
  HubFixture f({"--admin-token", k_token});
  std::vector<std::string> callbacks;
  // Long callbacks: 1000 of them make a JSON answer of well over 1 MiB.
  for (int i = 0; i < 1000; ++i) {
    callbacks.push_back(f.callback.url("/cb/" + std::to_string(i) + "/" + std::string(1200, 'x')));
  }
  subscribe_many(f.hub, f.database(), "http://publisher.example/feed", callbacks);
  const HttpReply page = admin(f.hub, "GET", "subscriptions?limit=1000");
  REQUIRE(page.status == 200);
  CHECK(page.body.size() > 1024 * 1024);
  CHECK(json::parse(page.body)["subscriptions"].size() == 1000);
}
